// Samples memory a few times a second while a rebuild runs, keeps the
// figures for the summary, warns once at twice the stop line and calls
// onLimit once when headroom falls under it. It stops nothing itself: the
// caller stops the process group it started.
import type { Sysroot } from '../system/sysroot.js';
import { takeSample, type MemorySample } from './memory-sample.js';
import type { StopLine } from './stop-line.js';

export interface WatchdogEvents {
  onSample(sample: MemorySample): void;
  onWarn(sample: MemorySample): void;
  onLimit(sample: MemorySample): void;
  onReadError(error: Error): void;
}

export interface WatchStats {
  samples: number;
  startedAt: number;
  peakUsed: number;
  lowestHeadroom: number | undefined;
  lowestAt: number | undefined;
  swapPeak: number;
  /** The sample that crossed the stop line, if one did while armed. */
  crossing: MemorySample | undefined;
}

export interface Watchdog {
  stats: WatchStats;
  /** Only an armed watchdog warns and calls onLimit (the build, not the switch). */
  arm(armed: boolean): void;
  stop(): void;
}

export const DEFAULT_SAMPLE_MS = 250;

export function startWatchdog(
  sysroot: Sysroot,
  line: StopLine,
  intervalMs: number,
  events: WatchdogEvents,
): Watchdog {
  const stats: WatchStats = {
    samples: 0,
    startedAt: Date.now(),
    peakUsed: 0,
    lowestHeadroom: undefined,
    lowestAt: undefined,
    swapPeak: 0,
    crossing: undefined,
  };
  let armed = true;
  let warned = false;
  let reportedError = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const sampleOnce = (): void => {
    let sample: MemorySample;
    try {
      sample = takeSample(sysroot);
    } catch (error) {
      if (!reportedError) events.onReadError(error as Error);
      reportedError = true;
      return;
    }
    record(stats, sample);
    events.onSample(sample);
    if (!armed || stats.crossing) return;

    if (sample.headroom < line.bytes) {
      stats.crossing = sample;
      events.onLimit(sample);
    } else if (!warned && sample.headroom < 2 * line.bytes) {
      warned = true;
      events.onWarn(sample);
    }
  };

  const loop = (): void => {
    if (stopped) return;
    sampleOnce();
    timer = setTimeout(loop, intervalMs);
  };
  loop();

  return {
    stats,
    arm(value) {
      armed = value;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

function record(stats: WatchStats, sample: MemorySample): void {
  stats.samples++;
  stats.peakUsed = Math.max(stats.peakUsed, sample.memTotal - sample.memAvailable);
  stats.swapPeak = Math.max(stats.swapPeak, sample.swapUsed);
  if (stats.lowestHeadroom === undefined || sample.headroom < stats.lowestHeadroom) {
    stats.lowestHeadroom = sample.headroom;
    stats.lowestAt = sample.at;
  }
}
