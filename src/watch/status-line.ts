// The one-line view of a running build: elapsed time, memory, swap, zram,
// pressure, headroom against the stop line, and derivations started.
import { formatBytes, formatDistinct } from '../system/units.js';
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

/** A field of the status line; the lowest `keep` goes first when the line is too wide. */
interface Field {
  text: string;
  keep: number;
}

const SEPARATOR = ' · ';

/**
 * The status line, at most `width` characters: when it is too wide the
 * least important fields go first (zram, pressure, swap, derivations,
 * available memory, elapsed time); headroom and the stop line stay.
 */
export function renderStatus(progress: BuildProgress, sample: MemorySample | undefined, stopBytes: number, now: number, width = Infinity): string {
  const fields: Field[] = [{ text: `${progress.phase} ${formatElapsed(now - progress.startedAt)}`, keep: 5 }];
  let headroom: Field | undefined;
  if (sample) {
    fields.push({ text: `avail ${formatBytes(sample.memAvailable)}`, keep: 4 });
    fields.push({ text: `swap ${formatBytes(sample.swapUsed)} used`, keep: 2 });
    if (sample.zramRatio !== undefined) fields.push({ text: `zram ${sample.zramRatio.toFixed(1)}:1`, keep: 0 });
    if (sample.pressure !== undefined) fields.push({ text: `psi ${sample.pressure.toFixed(1)}%`, keep: 1 });
    const [shown, stop] = formatDistinct(sample.headroom, stopBytes);
    headroom = { text: `headroom ${shown} (stop < ${stop})`, keep: Infinity };
    fields.push(headroom);
  }
  const planned = progress.derivationsPlanned === undefined ? '' : `/${progress.derivationsPlanned}`;
  fields.push({ text: `drv ${progress.derivationsStarted}${planned}`, keep: 3 });

  const joined = (): string => fields.map((f) => f.text).join(SEPARATOR);
  while (joined().length > width && fields.length > 1) {
    const least = fields.reduce((a, b) => (b.keep < a.keep ? b : a));
    if (least.keep === Infinity) break;
    fields.splice(fields.indexOf(least), 1);
  }
  if (headroom && joined().length > width) headroom.text = headroom.text.replace(/^headroom (.*) \(stop < (.*)\)$/, '$1 (stop < $2)');
  return joined().slice(0, width);
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
