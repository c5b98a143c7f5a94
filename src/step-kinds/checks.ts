// Gates and verifications: each reads the running system (through the
// sysroot) and compares it with a value, or with what the configuration says.
import { findImport } from '../config/commented-import.js';
import { resolveOption } from '../config/option-plan.js';
import type { CheckResult, GateStep, RunContext, VerifyStep } from '../engine/types.js';
import { formatLiteral, type NixLiteral } from '../nix/query.js';
import { formatBytes } from '../system/units.js';
import { takeSample } from '../watch/memory-sample.js';

export type Check = (ctx: RunContext) => Promise<CheckResult>;

export function gate(title: string, check: Check, group?: string, advice?: GateStep['advice']): GateStep {
  return { kind: 'gate', title, check, group, advice };
}

export function verify(title: string, check: Check, group?: string): VerifyStep {
  return { kind: 'verify', title, check, group };
}

/** What a check wants when the configuration gives no single literal value to compare with. */
export const ONE_CLEAR_VALUE = 'one clear value';

/** A literal as it appears in /proc or nix.conf: "auto", 4, 60. */
function asSystemText(value: NixLiteral): string {
  return value.type === 'string' ? value.value : formatLiteral(value);
}

/** NixOS writes sysctl booleans as 1 and 0; /proc separates multiple numbers with tabs. */
function asSysctlText(value: NixLiteral): string {
  if (value.type === 'bool') return value.value ? '1' : '0';
  return asSystemText(value).trim().split(/\s+/).join(' ');
}

export function sysctlIs(key: string, expected: NixLiteral): Check {
  return async (ctx) => {
    const actual = (await ctx.sysroot.sysctl(key))?.split(/\s+/).join(' ');
    if (expected.type === 'null') {
      // NixOS leaves a sysctl set to null at the kernel's value.
      return { ok: true, measured: `${key} = ${actual ?? 'unreadable'}`, needed: 'kernel default (null)', shown: actual ?? 'not in /proc/sys' };
    }
    const needed = asSysctlText(expected);
    return { ok: actual === needed, measured: `${key} = ${actual ?? 'unreadable'}`, needed, shown: actual ?? 'not in /proc/sys' };
  };
}

export function nixConfIs(key: string, expected: NixLiteral): Check {
  return async (ctx) => {
    const actual = (await ctx.sysroot.nixConf()).get(key);
    const needed = asSystemText(expected);
    const shown = `${actual ?? 'not set'} in nix.conf`;
    return { ok: actual === needed, measured: `${key} = ${actual ?? 'not set'} in /etc/nix/nix.conf`, needed, shown };
  };
}

/** The configuration's value for `option`, or NixOS's default when none is defined. */
export async function configured(ctx: RunContext, option: string, aliases: string[], fallback: NixLiteral, confKeys: string[] = []): Promise<NixLiteral | string> {
  const resolution = resolveOption(await ctx.configuration(), option, aliases, confKeys);
  if (resolution.duplicate) return `${option} defined ${resolution.winners.length} times at one priority (NixOS takes one)`;
  if (resolution.conflict) return `conflicting definitions of ${option}`;
  if (resolution.winners.length === 0) return fallback;
  return resolution.value ?? `${option} is computed; tune-wizard cannot read it`;
}

export function sysctlMatchesConfig(key: string, option: string, fallback: NixLiteral): Check {
  return async (ctx) => {
    const wanted = await configured(ctx, option, [], fallback);
    if (typeof wanted === 'string') return { ok: false, measured: wanted, needed: ONE_CLEAR_VALUE };
    return sysctlIs(key, wanted)(ctx);
  };
}

export function nixConfMatchesConfig(key: string, option: string, aliases: string[], fallback: NixLiteral): Check {
  return async (ctx) => {
    const wanted = await configured(ctx, option, aliases, fallback, [key]);
    if (typeof wanted === 'string') return { ok: false, measured: wanted, needed: ONE_CLEAR_VALUE };
    return nixConfIs(key, wanted)(ctx);
  };
}

export function zramActive(algorithm: string): Check {
  return async (ctx) => {
    const swaps = await ctx.sysroot.swaps();
    const zram = await ctx.sysroot.zramDevices();
    const active = zram.filter((z) => swaps.some((s) => s.name === `/dev/${z.name}`));
    const needed = `a zram swap device using ${algorithm}`;
    if (active.length === 0) return { ok: false, measured: 'no zram device in /proc/swaps', needed, shown: 'no zram swap' };
    const wrong = active.filter((z) => z.algorithm !== algorithm);
    const shown = active.map((z) => `${z.name} ${z.algorithm ?? '?'} ${formatBytes(z.diskSizeBytes)}`).join(', ');
    return { ok: wrong.length === 0, measured: `zram swap: ${shown}`, needed, shown };
  };
}

/** The zram device uses the algorithm the configuration sets (NixOS default: zstd). */
export function zramMatchesConfig(): Check {
  return async (ctx) => {
    const wanted = await configured(ctx, 'zramSwap.algorithm', [], { type: 'string', value: 'zstd' });
    if (typeof wanted === 'string' || wanted.type !== 'string') {
      return { ok: false, measured: typeof wanted === 'string' ? wanted : 'zramSwap.algorithm is not a string', needed: ONE_CLEAR_VALUE };
    }
    const result = await zramActive(wanted.value)(ctx);
    return { ...result, needed: wanted.value };
  };
}

/** The zram size is the configuration's memoryPercent of RAM (NixOS default: 50). */
export function zramSizeMatchesConfig(): Check {
  return async (ctx) => {
    const wanted = await configured(ctx, 'zramSwap.memoryPercent', [], { type: 'int', value: 50 });
    if (typeof wanted === 'string' || wanted.type !== 'int') {
      return { ok: false, measured: typeof wanted === 'string' ? wanted : 'zramSwap.memoryPercent is not a whole number', needed: ONE_CLEAR_VALUE };
    }
    return zramSizeIs(wanted.value)(ctx);
  };
}

/** Total zram disk size is `percent` of MemTotal, within one percentage point. */
export function zramSizeIs(percent: number): Check {
  return async (ctx) => {
    const mem = await ctx.sysroot.memInfo();
    const zram = await ctx.sysroot.zramDevices();
    const total = zram.reduce((sum, z) => sum + z.diskSizeBytes, 0);
    const actualPercent = (total / mem.memTotal) * 100;
    return {
      ok: zram.length > 0 && Math.abs(actualPercent - percent) <= 1,
      measured: `zram ${formatBytes(total)} = ${actualPercent.toFixed(1)}% of ${formatBytes(mem.memTotal)} RAM`,
      needed: `${percent}% (${formatBytes((mem.memTotal * percent) / 100)})`,
      shown: zram.length === 0 ? 'no zram device' : `${actualPercent.toFixed(1)}% (${formatBytes(total)})`,
    };
  };
}

/**
 * Headroom as the watchdog measures it (src/watch/memory-sample.ts):
 * MemAvailable + free disk swap + what free zram can really give back, so
 * check, the reenable gate and the watchdog never show two figures.
 */
export function headroomAtLeast(): Check {
  return async (ctx) => {
    const sample = takeSample(ctx.sysroot);
    const swap = sample.headroom - sample.memAvailable;
    return {
      ok: sample.headroom >= ctx.options.minHeadroom,
      measured: `headroom ${formatBytes(sample.headroom)} (MemAvailable ${formatBytes(sample.memAvailable)} + usable swap ${formatBytes(swap)})`,
      needed: `at least ${formatBytes(ctx.options.minHeadroom)} (--min-headroom)`,
      shown: `${formatBytes(sample.headroom)} available + usable swap`,
    };
  };
}

/** The switch made a new generation the running one. */
export function newGenerationRunning(): Check {
  return async (ctx) => {
    const now = await ctx.sysroot.currentSystem();
    return {
      ok: now !== undefined && now !== ctx.systemAtStart,
      measured: `/run/current-system -> ${now ?? 'unreadable'}`,
      needed: `a generation other than ${ctx.systemAtStart ?? 'the one before'}`,
    };
  };
}

/** The module's line is in the host's modules list, commented out or not. */
export function importIsListed(importPath: string): Check {
  return async (ctx) => {
    const state = findImport(await ctx.configuration(), importPath);
    const where = state.state === 'active' ? `imported at flake.nix:${state.line}` : `commented out at flake.nix:${state.found.line}`;
    return { ok: true, measured: `${importPath} ${where}`, needed: 'its line in the host\'s modules list' };
  };
}
