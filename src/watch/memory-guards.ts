// The other memory guards a NixOS machine may run: earlyoom and
// systemd-oomd. Both act when free memory AND free swap fall under a share
// of their totals, so each has a line in headroom terms:
//   memPercent% of MemTotal + swapPercent% of SwapTotal.
// The watchdog's default stop line sits just above the highest of them.
import path from 'node:path';

import type { Configuration } from '../config/module-graph.js';
import { resolveOption } from '../config/option-plan.js';
import { parseUnitSettings } from '../system/memory-files.js';
import type { Sysroot } from '../system/sysroot.js';

export interface MemoryGuard {
  name: 'earlyoom' | 'systemd-oomd';
  /** Where it was found, e.g. "running: earlyoom -m 10 -s 5". */
  source: string;
  memPercent: number;
  swapPercent: number;
}

/** NixOS's defaults for services.earlyoom.freeMemThreshold / freeSwapThreshold. */
const EARLYOOM_DEFAULT_PERCENT = 10;
/** systemd-oomd's default SwapUsedLimit=90%. */
const OOMD_DEFAULT_USED_PERCENT = 90;

export function guardLine(guard: MemoryGuard, memTotal: number, swapTotal: number): number {
  return (guard.memPercent / 100) * memTotal + (guard.swapPercent / 100) * swapTotal;
}

export async function findMemoryGuards(sysroot: Sysroot, config: Configuration | undefined): Promise<MemoryGuard[]> {
  const commandLines = await sysroot.allCommandLines();
  const guards: MemoryGuard[] = [];

  const running = commandLines.find((argv) => path.basename(argv[0] ?? '') === 'earlyoom');
  const configured = config ? earlyoomFromConfig(config) : undefined;
  if (running) guards.push(earlyoomFromArgs(running));
  else if (configured) guards.push(configured);

  if (commandLines.some((argv) => path.basename(argv[0] ?? '') === 'systemd-oomd')) {
    guards.push(await oomdFromConf(sysroot));
  }
  return guards;
}

/**
 * earlyoom's own flags: -m PERCENT[,KILL_PERCENT], -s PERCENT[,KILL_PERCENT].
 * Not read yet: -M/-S (absolute sizes in KiB); a daemon started with them
 * is taken at the default percentages. Reading them needs the totals here.
 */
export function earlyoomFromArgs(argv: string[]): MemoryGuard {
  const percentAfter = (flag: string): number | undefined => {
    for (const [index, word] of argv.entries()) {
      const value = word === flag ? argv[index + 1] : word.startsWith(flag) ? word.slice(flag.length) : undefined;
      const number = value === undefined ? NaN : Number.parseFloat(value.split(',')[0]!);
      if (Number.isFinite(number)) return number;
    }
    return undefined;
  };
  return {
    name: 'earlyoom',
    source: `running: ${argv.join(' ')}`,
    memPercent: percentAfter('-m') ?? EARLYOOM_DEFAULT_PERCENT,
    swapPercent: percentAfter('-s') ?? EARLYOOM_DEFAULT_PERCENT,
  };
}

function earlyoomFromConfig(config: Configuration): MemoryGuard | undefined {
  const enabled = resolveOption(config, 'services.earlyoom.enable').value;
  if (enabled?.type !== 'bool' || !enabled.value) return undefined;
  const percent = (option: string): number => {
    const value = resolveOption(config, option).value;
    return value?.type === 'int' || value?.type === 'float' ? value.value : EARLYOOM_DEFAULT_PERCENT;
  };
  const memPercent = percent('services.earlyoom.freeMemThreshold');
  const swapPercent = percent('services.earlyoom.freeSwapThreshold');
  return {
    name: 'earlyoom',
    source: `configured: services.earlyoom (freeMemThreshold ${memPercent}, freeSwapThreshold ${swapPercent})`,
    memPercent,
    swapPercent,
  };
}

/** SwapUsedLimit= in /etc/systemd/oomd.conf: it acts when memory and swap are both that full. */
async function oomdFromConf(sysroot: Sysroot): Promise<MemoryGuard> {
  const text = await sysroot.readOptional('/etc/systemd/oomd.conf');
  const limit = text === undefined ? undefined : parseUnitSettings(text).get('SwapUsedLimit');
  const used = limit === undefined ? NaN : Number.parseFloat(limit);
  const usedPercent = Number.isFinite(used) ? used : OOMD_DEFAULT_USED_PERCENT;
  return {
    name: 'systemd-oomd',
    source: `running: systemd-oomd, SwapUsedLimit=${usedPercent}%${limit === undefined ? ' (default)' : ' (/etc/systemd/oomd.conf)'}`,
    memPercent: 100 - usedPercent,
    swapPercent: 100 - usedPercent,
  };
}
