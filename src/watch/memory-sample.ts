// One reading of the machine's memory, and the headroom it leaves a build.
//
// Headroom = MemAvailable + free disk swap + the usable part of free zram.
// A page moved into zram frees its 4 KiB of RAM but costs 4 KiB / r of RAM
// for its compressed copy (r = compression ratio). So F bytes of free zram
// capacity can absorb F bytes of pages for a net gain of F - F/r = F(1 - 1/r)
// of RAM; with r <= 1 (incompressible data) free zram is worth nothing.
// zram's own mem_limit caps F further: at most (limit - used) * r.
import { parseMmStat, parsePressureSome10, type ZramStat } from '../system/memory-files.js';
import { parseSwaps, type Sysroot } from '../system/sysroot.js';

export interface MemorySample {
  /** Milliseconds since the epoch. */
  at: number;
  memTotal: number;
  memAvailable: number;
  swapTotal: number;
  swapUsed: number;
  /** Compression ratio of the data in zram; undefined when zram holds too little. */
  zramRatio: number | undefined;
  /** PSI `some avg10`, in percent; undefined without PSI. */
  pressure: number | undefined;
  headroom: number;
}

export interface ZramSwap {
  stat: ZramStat;
  sizeBytes: number;
  usedBytes: number;
}

/** Until zram holds this much, its ratio means little; assume the fallback. */
const MIN_ZRAM_DATA = 1024 * 1024;
/** A cautious ratio for an empty zram (zstd on build data typically does 3:1 or better). */
export const ASSUMED_ZRAM_RATIO = 2;

export function zramRatio(stats: ZramStat[]): number | undefined {
  const orig = stats.reduce((sum, s) => sum + s.origDataBytes, 0);
  const used = stats.reduce((sum, s) => sum + s.memUsedBytes, 0);
  return orig < MIN_ZRAM_DATA || used === 0 ? undefined : orig / used;
}

/** The RAM a free zram device can still give back, by the formula above. */
export function usableZram(device: ZramSwap, ratio: number): number {
  if (ratio <= 1) return 0;
  let free = Math.max(0, device.sizeBytes - device.usedBytes);
  if (device.stat.memLimitBytes > 0) {
    free = Math.min(free, Math.max(0, device.stat.memLimitBytes - device.stat.memUsedBytes) * ratio);
  }
  return free * (1 - 1 / ratio);
}

export function computeHeadroom(memAvailable: number, swapFree: number, zram: ZramSwap[], ratio: number): number {
  const zramFree = zram.reduce((sum, z) => sum + Math.max(0, z.sizeBytes - z.usedBytes), 0);
  const diskFree = Math.max(0, swapFree - zramFree);
  const zramUsable = zram.reduce((sum, z) => sum + usableZram(z, ratio), 0);
  return memAvailable + diskFree + zramUsable;
}

/** Reads meminfo, swaps, zram and PSI once, synchronously (see Sysroot.readNow). */
export function takeSample(sysroot: Sysroot): MemorySample {
  const at = Date.now();
  const mem = sysroot.memInfoNow();
  const zram = findZramSwaps(sysroot);
  const ratio = zramRatio(zram.map((z) => z.stat));
  const psi = sysroot.readNow('/proc/pressure/memory');

  return {
    at,
    memTotal: mem.memTotal,
    memAvailable: mem.memAvailable,
    swapTotal: mem.swapTotal,
    swapUsed: mem.swapTotal - mem.swapFree,
    zramRatio: ratio,
    pressure: psi === undefined ? undefined : parsePressureSome10(psi),
    headroom: computeHeadroom(mem.memAvailable, mem.swapFree, zram, ratio ?? ASSUMED_ZRAM_RATIO),
  };
}

/** Swap devices named /dev/zramN, with their mm_stat (an empty one when unreadable). */
function findZramSwaps(sysroot: Sysroot): ZramSwap[] {
  const swaps = parseSwaps(sysroot.readNow('/proc/swaps') ?? '').filter((s) => /^\/dev\/zram\d+$/.test(s.name));
  return swaps.map((swap) => {
    const name = swap.name.slice('/dev/'.length);
    const text = sysroot.readNow(`/sys/block/${name}/mm_stat`);
    const stat = (text === undefined ? undefined : parseMmStat(name, text)) ?? { name, origDataBytes: 0, memUsedBytes: 0, memLimitBytes: 0 };
    return { stat, sizeBytes: swap.sizeBytes, usedBytes: swap.usedBytes };
  });
}
