// `tune-wizard recommend`: gathers the machine's facts, plans the numbers,
// and prints them next to what the configuration says now.
import { isZramConfigured, measureZramRatio } from '../check/swap-checks.js';
import { resolveOption } from '../config/option-plan.js';
import type { RunContext } from '../engine/types.js';
import { ExitCode, UserError, type ExitCodeValue } from '../errors.js';
import { describeLiteral } from '../nix/query.js';
import { formatBytes } from '../system/units.js';
import { findBuildPeak, findStateDir } from './build-history.js';
import { planRecommendation, type MachineFacts, type Recommendation, type Suggestion } from './plan-recommendation.js';

/** The option each suggestion writes (and older names that set it). */
export const SUGGESTION_OPTIONS: Record<Suggestion['setting'], { option: string; aliases: string[] }> = {
  'max-jobs': { option: 'nix.settings.max-jobs', aliases: ['nix.maxJobs'] },
  cores: { option: 'nix.settings.cores', aliases: ['nix.buildCores', 'nix.settings.build-cores'] },
  zram: { option: 'zramSwap.memoryPercent', aliases: [] },
  swappiness: { option: 'boot.kernel.sysctl."vm.swappiness"', aliases: [] },
};

export interface RecommendReport {
  host: string;
  machine: MachineFacts;
  recommendation: Recommendation;
  /** What the configuration says now, per setting, as written. */
  current: Record<Suggestion['setting'], string>;
}

export async function recommendFor(ctx: RunContext): Promise<RecommendReport> {
  const mem = await ctx.sysroot.memInfo();
  const cpus = await ctx.sysroot.cpuCount();
  if (cpus === undefined) {
    throw new UserError(`cannot count CPUs: neither ${ctx.sysroot.resolve('/sys/devices/system/cpu/online')} nor ${ctx.sysroot.resolve('/proc/cpuinfo')} is readable.`);
  }
  const zramInUse = (await ctx.sysroot.swaps()).some((s) => s.name.startsWith('/dev/zram'));
  const machine: MachineFacts = {
    memTotal: mem.memTotal,
    cpus,
    hasZram: zramInUse || (await isZramConfigured(ctx)),
    zramRatio: (await measureZramRatio(ctx))?.ratio,
  };
  const peak = await findBuildPeak(findStateDir(process.env), cpus);

  const config = await ctx.configuration();
  const current = {} as RecommendReport['current'];
  for (const [setting, { option, aliases }] of Object.entries(SUGGESTION_OPTIONS)) {
    const resolution = resolveOption(config, option, aliases);
    current[setting as Suggestion['setting']] =
      resolution.conflict ? 'conflicting' : resolution.winners.length === 0 ? 'default' : describeLiteral(resolution.value);
  }
  return { host: ctx.host, machine, recommendation: planRecommendation(machine, peak), current };
}

export async function printRecommendation(ctx: RunContext, json: boolean): Promise<ExitCodeValue> {
  const report = await recommendFor(ctx);
  ctx.ui.streams.out(json ? renderRecommendJson(report) : renderRecommendTable(report));
  return ExitCode.ok;
}

export function renderRecommendTable(report: RecommendReport): string {
  const { machine, recommendation } = report;
  const zram = machine.hasZram ? `zram${machine.zramRatio ? ` at ${machine.zramRatio.toFixed(1)}:1` : ''}` : 'no zram';
  const header = ['SETTING', 'CONFIGURATION', 'SUGGESTED'];
  const cells = recommendation.suggestions.map((s) => [SUGGESTION_OPTIONS[s.setting].option, report.current[s.setting], s.text]);
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
    'To write these (each change shown as a diff and asked for): tune-wizard recommend --apply',
  ];
  return `${lines.join('\n')}\n`;
}

export function renderRecommendJson(report: RecommendReport): string {
  const { machine, recommendation } = report;
  return `${JSON.stringify(
    {
      host: report.host,
      machine: { memTotalBytes: machine.memTotal, cpus: machine.cpus, zram: machine.hasZram, zramRatio: machine.zramRatio === undefined ? null : Number(machine.zramRatio.toFixed(2)) },
      basis: recommendation.basis,
      suggestions: recommendation.suggestions.map((s) => ({
        setting: s.setting,
        option: SUGGESTION_OPTIONS[s.setting].option,
        configured: report.current[s.setting],
        suggested: s.value,
        reason: s.reason,
      })),
    },
    null,
    2,
  )}\n`;
}
