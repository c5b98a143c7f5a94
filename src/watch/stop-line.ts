// Where the watchdog stops a build: --stop-below, or by default 5% of RAM
// or just above the highest line of another memory guard, whichever is
// higher, so the wizard stops its own build before they kill something.
import { formatBytes } from '../system/units.js';
import { guardLine, type MemoryGuard } from './memory-guards.js';

export type StopBelow = { kind: 'bytes'; bytes: number; text: string } | { kind: 'percent'; percent: number; text: string };

export interface StopLine {
  bytes: number;
  /** Why this value, for the user: "--stop-below 2G", "5% of RAM", ... */
  reason: string;
  /** A guard whose line is at or above the chosen one (it may act first). */
  overtakenBy: MemoryGuard | undefined;
}

const DEFAULT_PERCENT = 5;
/** How far above another guard's line the default sits: the larger of these. */
const MARGIN_BYTES = 256 * 1024 ** 2;
const MARGIN_SHARE = 0.01;

export function chooseStopLine(
  memTotal: number,
  swapTotal: number,
  stopBelow: StopBelow | undefined,
  guards: MemoryGuard[],
): StopLine {
  const lines = guards.map((guard) => ({ guard, bytes: guardLine(guard, memTotal, swapTotal) }));
  const highest = lines.sort((a, b) => b.bytes - a.bytes)[0];

  if (stopBelow) {
    const bytes = stopBelow.kind === 'bytes' ? stopBelow.bytes : (stopBelow.percent / 100) * memTotal;
    const overtakenBy = highest && highest.bytes >= bytes ? highest.guard : undefined;
    return { bytes, reason: `--stop-below ${stopBelow.text}`, overtakenBy };
  }

  const byShare = (DEFAULT_PERCENT / 100) * memTotal;
  if (highest) {
    const aboveGuard = highest.bytes + Math.max(MARGIN_BYTES, MARGIN_SHARE * memTotal);
    if (aboveGuard > byShare) {
      return {
        bytes: aboveGuard,
        reason: `just above ${highest.guard.name}'s ${formatBytes(highest.bytes)} (${highest.guard.source})`,
        overtakenBy: undefined,
      };
    }
  }
  return { bytes: byShare, reason: `${DEFAULT_PERCENT}% of RAM`, overtakenBy: undefined };
}
