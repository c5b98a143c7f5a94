// Runs every item of the checklist and sums the outcome up: the report
// `check` prints and the exit code it returns.
import type { CheckResult, RunContext } from '../engine/types.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import type { CheckItem } from './checklist.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckRow {
  item: string;
  configured: string;
  shown: string;
  status: CheckStatus;
  detail?: string;
}

export interface CheckReport {
  host: string;
  rows: CheckRow[];
  counts: Record<CheckStatus, number>;
}

export function statusOf(result: CheckResult): CheckStatus {
  if (result.level === 'skip') return 'skip';
  if (result.ok) return 'ok';
  return result.level === 'warn' ? 'warn' : 'fail';
}

export async function runChecklist(items: CheckItem[], ctx: RunContext): Promise<CheckReport> {
  const rows: CheckRow[] = [];
  for (const { item, check } of items) {
    const result = await check(ctx);
    const row: CheckRow = { item, configured: result.needed, shown: result.shown ?? result.measured, status: statusOf(result) };
    if (result.detail) row.detail = result.detail;
    rows.push(row);
  }
  const counts = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const row of rows) counts[row.status]++;
  return { host: ctx.host, rows, counts };
}

/** 0 when every check passes, 1 when any fails, 3 when only warnings. */
export function exitCodeFor(report: CheckReport): ExitCodeValue {
  if (report.counts.fail > 0) return ExitCode.error;
  if (report.counts.warn > 0) return ExitCode.gateFailed;
  return ExitCode.ok;
}
