// The check report as a table for people and as JSON for scripts.
import kleur from 'kleur';

import type { CheckReport, CheckStatus } from './run-checklist.js';

const STATUS_TEXT: Record<CheckStatus, string> = { ok: 'OK', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };
const STATUS_COLOUR: Record<CheckStatus, (text: string) => string> = {
  ok: kleur.green,
  warn: kleur.yellow,
  fail: kleur.red,
  skip: kleur.dim,
};

export function renderTable(report: CheckReport): string {
  const header = ['ITEM', 'CONFIGURATION SAYS', 'SYSTEM SHOWS', 'STATUS'];
  const cells = report.rows.map((r) => [r.item, r.configured, r.shown, STATUS_TEXT[r.status]]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const pad = (text: string, i: number): string => text.padEnd(widths[i]!);

  const lines = [kleur.bold(header.map(pad).join('  ').trimEnd())];
  for (const [index, row] of report.rows.entries()) {
    const [item, says, shows, status] = cells[index]!;
    lines.push(`${pad(item!, 0)}  ${pad(says!, 1)}  ${pad(shows!, 2)}  ${STATUS_COLOUR[row.status](status!)}`);
  }

  const notes = report.rows.filter((r) => r.detail);
  if (notes.length > 0) lines.push('');
  for (const row of notes) lines.push(`${row.item}: ${row.detail}`);

  lines.push('', summarize(report));
  return `${lines.join('\n')}\n`;
}

export function summarize(report: CheckReport): string {
  const { ok, warn, fail, skip } = report.counts;
  const parts = [`${ok} ok`, `${warn} ${warn === 1 ? 'warning' : 'warnings'}`, `${fail} failed`];
  if (skip > 0) parts.push(`${skip} not checkable here`);
  return `${report.host}: ${parts.join(', ')}.`;
}

export function renderJson(report: CheckReport): string {
  const result = report.counts.fail > 0 ? 'fail' : report.counts.warn > 0 ? 'warn' : 'ok';
  return `${JSON.stringify({ host: report.host, result, counts: report.counts, checks: report.rows }, null, 2)}\n`;
}
