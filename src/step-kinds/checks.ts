// Gates and verifications: each reads the running system (through the
// sysroot) and compares it with a value, or with what the configuration says.
import { resolveOption } from '../config/option-plan.js';
import type { CheckResult, GateStep, RunContext, VerifyStep } from '../engine/types.js';
import { formatLiteral, type NixLiteral } from '../nix/query.js';
import { formatBytes } from '../system/units.js';

type Check = (ctx: RunContext) => Promise<CheckResult>;

export function gate(title: string, check: Check, group?: string): GateStep {
  return { kind: 'gate', title, check, group };
}

export function verify(title: string, check: Check, group?: string): VerifyStep {
  return { kind: 'verify', title, check, group };
}

/** A literal as it appears in /proc or nix.conf: "auto", 4, 60. */
function asSystemText(value: NixLiteral): string {
  return value.type === 'string' ? value.value : formatLiteral(value);
}

export function sysctlIs(key: string, expected: NixLiteral): Check {
  return async (ctx) => {
    const actual = await ctx.sysroot.sysctl(key);
    const needed = asSystemText(expected);
    return { ok: actual === needed, measured: `${key} = ${actual ?? 'unreadable'}`, needed };
  };
}

export function nixConfIs(key: string, expected: NixLiteral): Check {
  return async (ctx) => {
    const actual = (await ctx.sysroot.nixConf()).get(key);
    const needed = asSystemText(expected);
    return { ok: actual === needed, measured: `${key} = ${actual ?? 'not set'} in /etc/nix/nix.conf`, needed };
  };
}

/** The configuration's value for `option`, or NixOS's default when none is defined. */
async function configured(ctx: RunContext, option: string, aliases: string[], fallback: NixLiteral, confKeys: string[] = []): Promise<NixLiteral | string> {
  const resolution = resolveOption(await ctx.configuration(), option, aliases, confKeys);
  if (resolution.conflict) return `conflicting definitions of ${option}`;
  if (resolution.winners.length === 0) return fallback;
  return resolution.value ?? `${option} is computed; tune-wizard cannot read it`;
}

export function sysctlMatchesConfig(key: string, option: string, fallback: NixLiteral): Check {
  return async (ctx) => {
    const wanted = await configured(ctx, option, [], fallback);
    if (typeof wanted === 'string') return { ok: false, measured: wanted, needed: 'one clear value' };
    return sysctlIs(key, wanted)(ctx);
  };
}

export function nixConfMatchesConfig(key: string, option: string, aliases: string[], fallback: NixLiteral): Check {
  return async (ctx) => {
    const wanted = await configured(ctx, option, aliases, fallback, [key]);
    if (typeof wanted === 'string') return { ok: false, measured: wanted, needed: 'one clear value' };
    return nixConfIs(key, wanted)(ctx);
  };
}

export function zramActive(algorithm: string): Check {
  return async (ctx) => {
    const swaps = await ctx.sysroot.swaps();
    const zram = await ctx.sysroot.zramDevices();
    const active = zram.filter((z) => swaps.some((s) => s.name === `/dev/${z.name}`));
    const needed = `a zram swap device using ${algorithm}`;
    if (active.length === 0) return { ok: false, measured: 'no zram device in /proc/swaps', needed };
    const wrong = active.filter((z) => z.algorithm !== algorithm);
    const shown = active.map((z) => `${z.name} ${z.algorithm ?? '?'} ${formatBytes(z.diskSizeBytes)}`).join(', ');
    return { ok: wrong.length === 0, measured: `zram swap: ${shown}`, needed };
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
    };
  };
}

export function headroomAtLeast(): Check {
  return async (ctx) => {
    const mem = await ctx.sysroot.memInfo();
    const headroom = mem.memAvailable + mem.swapFree;
    return {
      ok: headroom >= ctx.options.minHeadroom,
      measured: `headroom ${formatBytes(headroom)} (MemAvailable ${formatBytes(mem.memAvailable)} + SwapFree ${formatBytes(mem.swapFree)})`,
      needed: `at least ${formatBytes(ctx.options.minHeadroom)} (--min-headroom)`,
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
