// `tune-wizard recommend`: gathers the machine's facts and what the
// configuration says now, plans the numbers, and prints them.
import { isZramConfigured, measureZramRatio } from '../check/swap-checks.js';
import { resolveOption } from '../config/option-plan.js';
import type { RunContext } from '../engine/types.js';
import { ExitCode, UserError, type ExitCodeValue } from '../errors.js';
import { describeLiteral, type NixLiteral } from '../nix/query.js';
import { findStateDir } from '../journal/state-dir.js';
import { findBuildPeak } from './build-history.js';
import {
  planRecommendation,
  SUGGESTION_OPTIONS,
  type MachineFacts,
  type Recommendation,
  type Suggestion,
} from './plan-recommendation.js';
import { renderRecommendJson, renderRecommendTable } from './render-recommendation.js';

export interface RecommendReport {
  host: string;
  machine: MachineFacts;
  recommendation: Recommendation;
  /** What the configuration says now, per setting. */
  current: Record<Suggestion['setting'], Configured>;
}

export interface Configured {
  /** The number the configuration sets; null when it sets none (the default) or not a plain number. */
  value: number | null;
  /** As the table shows it, in the same unit as the suggestion: "4", "50% of RAM", "default", "\"auto\"". */
  text: string;
}

export async function recommendFor(ctx: RunContext): Promise<RecommendReport> {
  const mem = await ctx.sysroot.memInfo();
  const cpus = await ctx.sysroot.cpuCount();
  if (cpus === undefined) {
    throw new UserError(`cannot count CPUs: neither ${ctx.sysroot.resolve('/sys/devices/system/cpu/online')} nor ${ctx.sysroot.resolve('/proc/cpuinfo')} is readable.`);
  }
  const machine: MachineFacts = {
    memTotal: mem.memTotal,
    cpus,
    zramActive: (await ctx.sysroot.swaps()).some((s) => s.name.startsWith('/dev/zram')),
    zramConfigured: await isZramConfigured(ctx),
    zramRatio: (await measureZramRatio(ctx))?.ratio,
  };
  const peak = await findBuildPeak(findStateDir(process.env), cpus);

  const config = await ctx.configuration();
  const current = {} as RecommendReport['current'];
  for (const [setting, { option, aliases }] of Object.entries(SUGGESTION_OPTIONS)) {
    const resolution = resolveOption(config, option, aliases);
    current[setting as Suggestion['setting']] = describeConfigured(
      setting as Suggestion['setting'],
      resolution.conflict ? 'conflicting' : resolution.winners.length === 0 ? 'default' : resolution.value,
    );
  }
  return { host: ctx.host, machine, recommendation: planRecommendation(machine, peak), current };
}

function describeConfigured(setting: Suggestion['setting'], value: NixLiteral | undefined | 'conflicting' | 'default'): Configured {
  if (value === 'conflicting' || value === 'default') return { value: null, text: value };
  if (value?.type !== 'int') return { value: null, text: describeLiteral(value) };
  return { value: value.value, text: setting === 'zram' ? `${value.value}% of RAM` : String(value.value) };
}

export async function printRecommendation(ctx: RunContext, json: boolean): Promise<ExitCodeValue> {
  const report = await recommendFor(ctx);
  ctx.ui.streams.out(json ? renderRecommendJson(report) : renderRecommendTable(report));
  return ExitCode.ok;
}
