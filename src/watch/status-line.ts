// The one-line view of a running build: elapsed time, memory, swap, zram,
// pressure, headroom against the stop line, and derivations started.
import { formatBytes } from '../system/units.js';
import type { MemorySample } from './memory-sample.js';

export interface BuildProgress {
  phase: string;
  startedAt: number;
  /** `building '/nix/store/…drv'` lines seen so far. */
  derivationsStarted: number;
  /** From `these N derivations will be built:`, when printed. */
  derivationsPlanned: number | undefined;
}

export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}

export function renderStatus(progress: BuildProgress, sample: MemorySample | undefined, stopBytes: number, now: number): string {
  const parts = [`${progress.phase} ${formatElapsed(now - progress.startedAt)}`];
  if (sample) {
    parts.push(`avail ${formatBytes(sample.memAvailable)}`);
    parts.push(`swap ${formatBytes(sample.swapUsed)} used`);
    if (sample.zramRatio !== undefined) parts.push(`zram ${sample.zramRatio.toFixed(1)}:1`);
    if (sample.pressure !== undefined) parts.push(`psi ${sample.pressure.toFixed(1)}%`);
    parts.push(`headroom ${formatBytes(sample.headroom)} (stop < ${formatBytes(stopBytes)})`);
  }
  const planned = progress.derivationsPlanned === undefined ? '' : `/${progress.derivationsPlanned}`;
  parts.push(`drv ${progress.derivationsStarted}${planned}`);
  return parts.join(' · ');
}

/** The plain memory line for logs and non-terminals. */
export function renderMemoryLine(sample: MemorySample): string {
  const zram = sample.zramRatio === undefined ? '' : `, zram ${sample.zramRatio.toFixed(1)}:1`;
  const psi = sample.pressure === undefined ? '' : `, pressure ${sample.pressure.toFixed(1)}%`;
  return `memory: ${formatBytes(sample.memAvailable)} available of ${formatBytes(sample.memTotal)}, swap ${formatBytes(sample.swapUsed)} of ${formatBytes(sample.swapTotal)} used${zram}${psi}, headroom ${formatBytes(sample.headroom)}`;
}

/** Counts the derivations nix reports while it builds. */
export function trackDerivations(progress: BuildProgress, line: string): void {
  const text = line.trim();
  if (/^building '\/nix\/store\/[^']+\.drv'/.test(text)) progress.derivationsStarted++;
  const planned = /^these (\d+) derivations will be built:/.exec(text)?.[1] ?? (/^this derivation will be built:/.test(text) ? '1' : undefined);
  if (planned) progress.derivationsPlanned = (progress.derivationsPlanned ?? 0) + Number(planned);
}
