// Where a running build shows up. On a terminal: its output scrolls above a
// status line that is redrawn in place. Elsewhere: its output, and a plain
// memory line every few seconds. With --quiet its output goes to the log
// file instead; the status (or memory lines) stay.
import type { Ui } from '../engine/ui.js';
import type { MemorySample } from '../watch/memory-sample.js';
import { renderMemoryLine, renderStatus, trackDerivations, type BuildProgress } from '../watch/status-line.js';
import type { BuildLog } from './build-log.js';

export interface BuildDisplay {
  progress: BuildProgress;
  line(text: string): void;
  sample(sample: MemorySample): void;
  notice(kind: 'info' | 'ok' | 'warn' | 'fail', text: string): void;
  close(): void;
}

export interface DisplayOptions {
  terminal: boolean;
  log: BuildLog | undefined;
  /** Without a terminal, print a plain memory line at most this often. */
  plainEveryMs: number;
  stopBytes: number;
  columns: number;
}

const CLEAR_LINE = '\r\x1b[2K';

export function openBuildDisplay(ui: Ui, options: DisplayOptions): BuildDisplay {
  const progress: BuildProgress = { phase: 'build', startedAt: Date.now(), derivationsStarted: 0, derivationsPlanned: undefined };
  let latest: MemorySample | undefined;
  let lastPlainAt = 0;
  let statusShown = false;

  const clearStatus = (): void => {
    if (statusShown) ui.streams.err(CLEAR_LINE);
    statusShown = false;
  };
  const drawStatus = (): void => {
    if (!options.terminal) return;
    // Two columns of indent, and two left free at the end: a ^C the
    // terminal echoes after the line then stays on it (not wrapping onto
    // the next one), and the next redraw or notice clears it.
    const text = renderStatus(progress, latest, options.stopBytes, Date.now(), Math.max(20, options.columns - 4));
    ui.streams.err(`${CLEAR_LINE}  ${text}`);
    statusShown = true;
  };

  return {
    progress,
    line(text) {
      trackDerivations(progress, text);
      options.log?.write(text);
      if (options.log) {
        drawStatus();
        return;
      }
      clearStatus();
      ui.output(text);
      drawStatus();
    },
    sample(sample) {
      latest = sample;
      options.log?.write(renderMemoryLine(sample));
      if (options.terminal) {
        drawStatus();
        return;
      }
      if (sample.at - lastPlainAt >= options.plainEveryMs) {
        lastPlainAt = sample.at;
        ui.info(renderMemoryLine(sample));
      }
    },
    notice(kind, text) {
      clearStatus();
      ui[kind](text);
      options.log?.write(`tune-wizard: ${text}`);
      drawStatus();
    },
    /** Clears the status line and closes the log file. */
    close() {
      clearStatus();
      options.log?.close();
    },
  };
}
