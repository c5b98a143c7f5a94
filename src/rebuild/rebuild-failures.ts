// The messages for a rebuild that did not succeed: what ran, how it
// ended, the tail of its output, the state the system is in, and what to
// run next.
import { shellCommand } from '../engine/shell-words.js';
import type { RunContext } from '../engine/types.js';
import { RebuildError, WatchdogError } from '../errors.js';
import type { CommandResult } from '../system/command-runner.js';
import { formatBytes, formatDistinct } from '../system/units.js';
import { formatElapsed } from '../watch/status-line.js';
import type { StopLine } from '../watch/stop-line.js';
import type { MemorySample } from '../watch/memory-sample.js';
import type { Watchdog } from '../watch/watchdog.js';
import { rollbackAdvice, type RebuildCommands } from './rebuild-commands.js';

function describeExit(result: CommandResult): string {
  return result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode ?? 'unknown'}`;
}

function tailOf(result: CommandResult): string {
  return result.tail.filter((l) => l.trim() !== '').slice(-3).join(' | ');
}

/** What to do when a build ran short of memory. */
const LESS_PARALLELISM = 'Build with less parallelism, e.g. add `-- --max-jobs 1 --cores 2`, or free memory first, then run again.';

export function buildFailure(command: string[], result: CommandResult, guardAction: string | undefined): RebuildError {
  const tail = tailOf(result);
  const guard = guardAction ? ` Memory: ${guardAction}.` : '';
  const next = guardAction ? LESS_PARALLELISM : 'Fix the error and run again.';
  return new RebuildError(
    `\`${shellCommand(command)}\` ${describeExit(result)}${tail ? `: ${tail}` : ''}.${guard} The running system was not touched. ${next}`,
  );
}

export async function finalFailure(ctx: RunContext, commands: RebuildCommands, result: CommandResult): Promise<RebuildError> {
  const tail = tailOf(result);
  const now = await ctx.sysroot.currentSystem();
  const moved = now !== undefined && now !== ctx.systemAtStart;
  const state = moved
    ? 'The system is partly switched: /run/current-system points at the new generation.'
    : 'The system may be partly switched.';
  return new RebuildError(
    `The build succeeded, but \`${shellCommand(commands.final!)}\` ${describeExit(result)}${tail ? `: ${tail}` : ''}. ${state} Check \`systemctl --failed\`; ${rollbackAdvice(commands.mode, commands.elevation, moved)}.`,
  );
}

function describeCrossing(sample: MemorySample, line: StopLine): { measured: string; limit: string } {
  const swap = sample.headroom - sample.memAvailable;
  const [headroom, stop] = formatDistinct(sample.headroom, line.bytes);
  return {
    measured: `headroom ${headroom} (MemAvailable ${formatBytes(sample.memAvailable)} + usable swap ${formatBytes(swap)})`,
    limit: `${stop} (${line.reason})`,
  };
}

/** Headroom is under the stop line before the build: it would be stopped at once. */
export function notBuilding(sample: MemorySample, line: StopLine): WatchdogError {
  const { measured, limit } = describeCrossing(sample, line);
  return new WatchdogError(`Not building: ${measured} is already under ${limit}. Nothing was built and the running system was not touched. Free memory first, or set --stop-below lower.`);
}

/** `started`: false when headroom was under the line before the build began. */
export function watchdogStop(watchdog: Watchdog, line: StopLine, started: boolean): WatchdogError {
  const sample = watchdog.stats.crossing!;
  if (!started) return notBuilding(sample, line);
  const { measured, limit } = describeCrossing(sample, line);
  const at = new Date(sample.at).toLocaleTimeString('en-GB');
  const after = formatElapsed(sample.at - watchdog.stats.startedAt);
  return new WatchdogError(
    `The watchdog stopped the build at ${at} (${after} in): ${measured} fell under ${limit}. The running system was not touched. ${LESS_PARALLELISM}`,
  );
}
