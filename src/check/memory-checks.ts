// What `free -h` and the kernel say about memory: size, pressure, the
// overcommit policy and OOM kills since boot.
import { resolveOption } from '../config/option-plan.js';
import type { Check } from '../step-kinds/checks.js';
import { formatBytes } from '../system/units.js';

export function ramIsKnown(): Check {
  return async (ctx) => {
    const mem = await ctx.sysroot.memInfo();
    const shown = `${formatBytes(mem.memTotal)}, ${formatBytes(mem.memAvailable)} available`;
    return { ok: true, measured: `MemTotal ${shown}`, needed: '-', shown };
  };
}

/** PSI: the share of time every task waited on memory over the last minute. */
export function memoryPressureIsLow(limitPercent = 10): Check {
  return async (ctx) => {
    const needed = `stalled under ${limitPercent}% of the last minute`;
    const pressure = await ctx.sysroot.memoryPressure();
    if (!pressure) return { ok: false, level: 'skip', measured: '/proc/pressure/memory not readable', needed, shown: 'not readable (no PSI)' };
    const full = pressure.full?.avg60 ?? pressure.some.avg60;
    const shown = `some ${pressure.some.avg60.toFixed(2)}%, full ${full.toFixed(2)}% (avg60)`;
    return { ok: full < limitPercent, level: 'warn', measured: `memory pressure ${shown}`, needed, shown };
  };
}

const STRICT_OVERCOMMIT_DETAIL =
  'vm.overcommit_memory = 2 refuses any allocation past CommitLimit, even with memory free: a compiler then stops with "out of memory allocating N bytes" or "Cannot allocate memory", which reads like a build bug. Build machines are better served by 0 (the kernel default).';

export function overcommitSuitsBuilds(): Check {
  return async (ctx) => {
    const resolution = resolveOption(await ctx.configuration(), 'boot.kernel.sysctl."vm.overcommit_memory"');
    const value = resolution.value;
    const needed = resolution.winners.length === 0 ? '0 (kernel default)' : value && value.type !== 'null' ? String(value.value) : 'computed';
    const mode = await ctx.sysroot.sysctl('vm.overcommit_memory');
    if (mode === undefined) return { ok: false, level: 'skip', measured: 'vm.overcommit_memory unreadable', needed, shown: 'unreadable' };
    if (mode !== '2') {
      const shown = `${mode} (${mode === '1' ? 'always' : 'heuristic'})`;
      return { ok: true, measured: `vm.overcommit_memory = ${shown}`, needed, shown };
    }

    const ratio = (await ctx.sysroot.sysctl('vm.overcommit_ratio')) ?? '?';
    const mem = await ctx.sysroot.memInfo();
    const limit = mem.commitLimit === undefined ? '' : `, CommitLimit ${formatBytes(mem.commitLimit)}`;
    const committed = mem.committedAs === undefined ? '' : `, committed ${formatBytes(mem.committedAs)}`;
    const shown = `2 (strict), ratio ${ratio}%${limit}${committed}`;
    return { ok: false, level: 'warn', measured: `vm.overcommit_memory = ${shown}`, needed, shown, detail: STRICT_OVERCOMMIT_DETAIL };
  };
}

/** Kernel OOM kills since boot: the counter in /proc/vmstat, the last victim from the kernel log. */
export function noOomKillsSinceBoot(): Check {
  return async (ctx) => {
    const needed = 'none since boot';
    const count = (await ctx.sysroot.vmstat()).get('oom_kill');
    const log = await ctx.sysroot.kernelLog();
    const kills = (log ?? []).flatMap((line) => {
      const match = /Killed process (\d+) \(([^)]*)\)/.exec(line.message);
      return match ? [{ pid: match[1]!, name: match[2]!, usec: line.usecSinceBoot }] : [];
    });
    if (count === undefined && log === undefined) {
      return { ok: false, level: 'skip', measured: 'neither /proc/vmstat nor the kernel log is readable', needed, shown: 'not readable' };
    }

    const total = count ?? kills.length;
    const last = kills.at(-1);
    let shown = `${total} since boot`;
    if (last) shown += `; last ${last.name} (pid ${last.pid})${await describeAgo(ctx, last.usec)}`;
    else if (log === undefined && total > 0) shown += '; kernel log not readable';
    return { ok: total === 0, level: 'warn', measured: `OOM kills: ${shown}`, needed, shown };
  };
}

async function describeAgo(ctx: Parameters<Check>[0], usecSinceBoot: number): Promise<string> {
  const uptime = await ctx.sysroot.uptimeSeconds();
  if (uptime === undefined) return '';
  const minutes = Math.max(0, Math.round(uptime / 60 - usecSinceBoot / 60e6));
  return minutes < 60 ? `, ${minutes} min ago` : `, ${Math.floor(minutes / 60)} h ${minutes % 60} min ago`;
}
