// recommend's suggestions as a table with one reason per line, and as JSON.
import { formatBytes } from '../system/units.js';
import { SUGGESTION_OPTIONS } from './plan-recommendation.js';
import type { RecommendReport } from './recommend-command.js';

export function renderRecommendTable(report: RecommendReport): string {
  const { machine, recommendation } = report;
  const zram = describeZram(machine);
  const header = ['SETTING', 'CONFIGURATION', 'SUGGESTED'];
  const cells = recommendation.suggestions.map((s) => [SUGGESTION_OPTIONS[s.setting].option, report.current[s.setting].text, s.text]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const row = (cols: string[]): string => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();

  const lines = [
    `${report.host}: ${formatBytes(machine.memTotal)} RAM, ${machine.cpus} CPUs, ${zram}.`,
    `Basis: ${recommendation.basis}.`,
    '',
    row(header),
    ...cells.map(row),
    '',
    ...recommendation.suggestions.map((s) => `${s.setting}: ${s.reason}`),
    '',
    // Compared as shown: the two columns use the same units.
    cells.some(([, configured, suggested]) => configured !== suggested)
      ? 'To write these (each change shown as a diff and asked for): tune-wizard recommend --apply'
      : 'The configuration already has every suggested value.',
  ];
  return `${lines.join('\n')}\n`;
}

/** Active: a /dev/zram device in /proc/swaps; configured: zramSwap.enable in the flake. */
function describeZram(machine: RecommendReport['machine']): string {
  const ratio = machine.zramRatio ? ` at ${machine.zramRatio.toFixed(1)}:1` : '';
  if (machine.zramActive) return `zram active${ratio}${machine.zramConfigured ? '' : ' (not turned on by this configuration)'}`;
  return machine.zramConfigured ? 'zram configured but not active (no /dev/zram in /proc/swaps)' : 'no zram';
}

export function renderRecommendJson(report: RecommendReport): string {
  const { machine, recommendation } = report;
  return `${JSON.stringify(
    {
      host: report.host,
      machine: {
        memTotalBytes: machine.memTotal,
        cpus: machine.cpus,
        zramActive: machine.zramActive,
        zramConfigured: machine.zramConfigured,
        zramRatio: machine.zramRatio === undefined ? null : Number(machine.zramRatio.toFixed(2)),
      },
      basis: recommendation.basis,
      suggestions: recommendation.suggestions.map((s) => ({
        setting: s.setting,
        option: SUGGESTION_OPTIONS[s.setting].option,
        configured: report.current[s.setting].value,
        configuredText: report.current[s.setting].text,
        suggested: s.value,
        suggestedText: s.text,
        reason: s.reason,
      })),
    },
    null,
    2,
  )}\n`;
}
