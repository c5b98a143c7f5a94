// Swap as `zramctl` and `swapon --show` show it: how well zram compresses,
// whether it is used before disk swap, and where earlyoom steps in.
import { resolveOption } from '../config/option-plan.js';
import type { RunContext } from '../engine/types.js';
import { configured, type Check } from '../step-kinds/checks.js';
import type { SwapDevice } from '../system/sysroot.js';
import { formatBytes } from '../system/units.js';

/** Ratios below this mean the swapped pages hardly compress. */
const POOR_RATIO = 1.5;
/** Assumed when zram holds nothing yet: zstd on typical build memory. */
export const ASSUMED_ZRAM_RATIO = 2.5;

export async function isZramConfigured(ctx: RunContext): Promise<boolean> {
  const enable = resolveOption(await ctx.configuration(), 'zramSwap.enable').value;
  return enable?.type === 'bool' && enable.value;
}

async function activeZram(ctx: RunContext): Promise<{ zram: SwapDevice[]; other: SwapDevice[] }> {
  const swaps = await ctx.sysroot.swaps();
  const isZram = (s: SwapDevice): boolean => /^\/dev\/zram\d+$/.test(s.name);
  return { zram: swaps.filter(isZram), other: swaps.filter((s) => !isZram(s)) };
}

/** Stored bytes over compressed bytes, across the zram devices; undefined when empty. */
export async function measureZramRatio(ctx: RunContext): Promise<{ ratio: number; stored: number; compressed: number } | undefined> {
  let stored = 0;
  let compressed = 0;
  for (const device of await ctx.sysroot.zramDevices()) {
    const stats = await ctx.sysroot.zramStats(device.name);
    if (!stats) continue;
    stored += stats.origDataBytes;
    compressed += stats.comprDataBytes;
  }
  return compressed > 0 ? { ratio: stored / compressed, stored, compressed } : undefined;
}

export function zramCompressesWell(): Check {
  return async (ctx) => {
    const needed = `better than ${POOR_RATIO}:1`;
    const devices = await ctx.sysroot.zramDevices();
    if (devices.length === 0) return { ok: false, level: 'skip', measured: 'no zram device', needed, shown: 'no zram device' };
    const measured = await measureZramRatio(ctx);
    if (!measured) {
      return { ok: true, measured: 'zram holds nothing yet', needed, shown: 'nothing stored yet' };
    }
    const shown = `${measured.ratio.toFixed(1)}:1 (${formatBytes(measured.stored)} in ${formatBytes(measured.compressed)})`;
    return { ok: measured.ratio >= POOR_RATIO, level: 'warn', measured: `zram compression ${shown}`, needed, shown };
  };
}

/** zram must come before disk swap: the kernel uses higher priorities first. */
export function zramPriorityFirst(): Check {
  return async (ctx) => {
    const wanted = await configured(ctx, 'zramSwap.priority', [], { type: 'int', value: 5 });
    const priority = typeof wanted !== 'string' && wanted.type === 'int' ? wanted.value : undefined;
    const needed = priority === undefined ? 'one clear value' : `zram ${priority}, above disk swap`;
    const { zram, other } = await activeZram(ctx);
    const list = [...zram, ...other].map((s) => `${s.name.replace('/dev/', '')} ${s.priority}`).join(', ');
    if (zram.length === 0) return { ok: false, measured: 'no zram device in /proc/swaps', needed, shown: other.length ? list : 'no swap' };

    const shown = other.length === 0 ? `${list}; no disk swap` : list;
    const lowest = Math.min(...zram.map((s) => s.priority));
    const firstDisk = other.find((s) => s.priority >= lowest);
    const order = firstDisk?.priority === lowest ? 'in turn with' : 'before';
    const detail = firstDisk
      ? `${firstDisk.name} has priority ${firstDisk.priority}: the kernel fills it ${order} zram, and disk swap is far slower.`
      : undefined;
    const ok = zram.every((s) => s.priority === priority) && !firstDisk;
    return { ok, measured: `swap priorities: ${shown}`, needed, shown, detail };
  };
}

interface EarlyoomThresholds {
  memPercent: number;
  swapPercent: number;
}

/** `-m 10`, `-m10`, `-m 10,5` (the second number is the kill-with-SIGKILL level). */
export function parseEarlyoomArgs(args: string[]): EarlyoomThresholds {
  const pick = (flag: string): number | undefined => {
    for (const [i, arg] of args.entries()) {
      const value = arg === flag ? args[i + 1] : arg.startsWith(flag) ? arg.slice(flag.length) : undefined;
      if (value !== undefined) return Number.parseFloat(value.split(',')[0]!);
    }
    return undefined;
  };
  return { memPercent: pick('-m') ?? 10, swapPercent: pick('-s') ?? 10 };
}

async function configuredNumber(ctx: RunContext, option: string, fallback: number): Promise<number> {
  const value = await configured(ctx, option, [], { type: 'int', value: fallback });
  return typeof value !== 'string' && (value.type === 'int' || value.type === 'float') ? value.value : fallback;
}

/**
 * earlyoom acts only when free RAM and free swap are both under their
 * thresholds, the swap one a share of all swap. Two ways that goes wrong:
 * disk swap behind zram must fill too before earlyoom acts (long stalls),
 * and zram keeps what it stores in RAM, so a big zram device that
 * compresses poorly uses up RAM first and the kernel's OOM killer acts.
 */
export function earlyoomFitsSwap(): Check {
  return async (ctx) => {
    const enable = resolveOption(await ctx.configuration(), 'services.earlyoom.enable').value;
    const wanted = enable?.type === 'bool' && enable.value;
    const memPercent = await configuredNumber(ctx, 'services.earlyoom.freeMemThreshold', 10);
    const swapPercent = await configuredNumber(ctx, 'services.earlyoom.freeSwapThreshold', 10);
    const needed = wanted ? `on: -m ${memPercent} -s ${swapPercent}` : 'off';
    const running = (await ctx.sysroot.processCommandLines('earlyoom'))[0];
    if (!running) return { ok: !wanted, measured: 'earlyoom is not running', needed, shown: 'not running' };

    const thresholds = parseEarlyoomArgs(running.slice(1));
    const shown = `running: -m ${thresholds.memPercent} -s ${thresholds.swapPercent}`;
    const problems: string[] = [];
    if (!wanted) problems.push('It runs although the configuration does not enable services.earlyoom.');
    else if (thresholds.memPercent !== memPercent || thresholds.swapPercent !== swapPercent) {
      problems.push('Its thresholds are not the configured ones; rebuild and switch.');
    }
    problems.push(...(await findEarlyoomHazards(ctx, thresholds)));
    return { ok: problems.length === 0, level: 'warn', measured: `earlyoom ${shown}`, needed, shown, detail: problems.join(' ') || undefined };
  };
}

async function findEarlyoomHazards(ctx: RunContext, thresholds: EarlyoomThresholds): Promise<string[]> {
  const mem = await ctx.sysroot.memInfo();
  const { zram, other } = await activeZram(ctx);
  const zramBytes = zram.reduce((sum, s) => sum + s.sizeBytes, 0);
  const diskBytes = other.reduce((sum, s) => sum + s.sizeBytes, 0);
  const swapBeforeAction = (zramBytes + diskBytes) * (1 - thresholds.swapPercent / 100);
  const hazards: string[] = [];

  const diskBeforeAction = swapBeforeAction - zramBytes;
  if (zramBytes > 0 && diskBeforeAction > 0) {
    hazards.push(`-s ${thresholds.swapPercent} counts disk swap too: after zram (${formatBytes(zramBytes)}) fills, ${formatBytes(diskBeforeAction)} must go to disk before earlyoom acts, and the build stalls meanwhile.`);
  }
  const ratio = (await measureZramRatio(ctx))?.ratio ?? ASSUMED_ZRAM_RATIO;
  const ramForZram = Math.min(zramBytes, swapBeforeAction) / ratio;
  const ramBeforeAction = mem.memTotal * (1 - thresholds.memPercent / 100);
  if (zramBytes > 0 && ramForZram >= ramBeforeAction) {
    hazards.push(`Filling zram that far takes ${formatBytes(ramForZram)} of RAM at ${ratio.toFixed(1)}:1, all of the ${formatBytes(ramBeforeAction)} above -m ${thresholds.memPercent}: the kernel's OOM killer acts first.`);
  }
  return hazards;
}
