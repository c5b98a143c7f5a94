// Runs a rebuild the safe way round: `nixos-rebuild build` as the user,
// watched by the watchdog and stoppable (Ctrl-C, low memory), then the
// chosen mode only if the build succeeded. The final action is never
// stopped halfway, so the machine is not left half-switched by us.
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { RunContext } from '../engine/types.js';
import { AbortError, ExitCode, RebuildError, UserError, WatchdogError } from '../errors.js';
import type { CommandResult, RunningCommand, StartOptions } from '../system/command-runner.js';
import { formatBytes } from '../system/units.js';
import { findMemoryGuards, type MemoryGuard } from '../watch/memory-guards.js';
import type { MemorySample } from '../watch/memory-sample.js';
import { describeGuardAction, findOomKills, lastSequence, wasBuilderKilled } from '../watch/oom-report.js';
import { formatElapsed } from '../watch/status-line.js';
import { chooseStopLine, type StopLine } from '../watch/stop-line.js';
import { DEFAULT_SAMPLE_MS, startWatchdog, type Watchdog } from '../watch/watchdog.js';
import { openBuildDisplay, type BuildDisplay } from './build-display.js';
import { openBuildLog } from './build-log.js';
import { planRebuildCommands, rollbackAdvice, type RebuildCommands } from './rebuild-commands.js';

export interface RebuildReport {
  status: 'built' | 'switched';
  lowestHeadroom: number | undefined;
}

const SAMPLE_MS = Number(process.env.TUNE_WIZARD_SAMPLE_MS ?? DEFAULT_SAMPLE_MS);
const PLAIN_EVERY_MS = Number(process.env.TUNE_WIZARD_MEMORY_INTERVAL_MS ?? 5000);
const GRACE_MS = Number(process.env.TUNE_WIZARD_KILL_GRACE_MS ?? 5000);

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function planCommands(ctx: RunContext): RebuildCommands {
  return planRebuildCommands(ctx.flakeDir, ctx.host, ctx.options.rebuild, isRoot());
}

export async function runWatchedRebuild(ctx: RunContext, showMemory: boolean): Promise<RebuildReport> {
  const commands = planCommands(ctx);
  const mem = await ctx.sysroot.memInfo();
  const guards = await findMemoryGuards(ctx.sysroot, await ctx.configuration().catch(() => undefined));
  const line = chooseStopLine(mem.memTotal, mem.swapTotal, ctx.options.rebuild.stopBelow, guards);
  reportStopLine(ctx, guards, line);
  const kernelMark = lastSequence(await ctx.sysroot.kernelLog());

  const workDir = mkdtempSync(path.join(os.tmpdir(), 'tune-wizard-build-'));
  const log = ctx.options.rebuild.quiet ? openBuildLog() : undefined;
  if (log) ctx.ui.info(`build output: ${log.file}`);
  const display = openBuildDisplay(ctx.ui, {
    // The line is drawn on stderr: both it and the session must be a terminal.
    terminal: ctx.ui.streams.isTerminal && Boolean(process.stderr.isTTY),
    log,
    plainEveryMs: showMemory || log ? PLAIN_EVERY_MS : undefined,
    stopBytes: line.bytes,
    columns: process.stderr.columns ?? 120,
  });
  const stopper: { current: RunningCommand | undefined } = { current: undefined };
  const watchdog = startWatchdog(ctx.sysroot, line, SAMPLE_MS, watchEvents(display, line, stopper));
  let result = 'build failed';

  try {
    if (watchdog.stats.crossing) {
      result = 'not started: headroom already under the stop line';
      throw watchdogStop(watchdog, line);
    }
    display.notice('info', `running ${commands.build.join(' ')} (in ${workDir})`);
    const build = await runPhase(ctx, commands.build, { cwd: workDir, ownGroup: true }, display, stopper, true);
    if (watchdog.stats.crossing) {
      result = 'stopped by the watchdog';
      throw watchdogStop(watchdog, line);
    }
    if (ctx.signal.aborted) {
      result = 'interrupted';
      throw new AbortError('Interrupted during the rebuild (while building); the build was stopped and the running system was not touched.');
    }
    if (build.exitCode !== 0) {
      const guardAction = await findGuardAction(ctx, build, kernelMark, guards, watchdog, mem);
      if (guardAction) result = `build failed: ${guardAction}`;
      throw buildFailure(commands.build, build, guardAction);
    }

    if (!commands.final) {
      result = `built ${readlinkSync(path.join(workDir, 'result'))}`;
      display.notice('ok', `built; the result link stays in ${workDir}/result`);
      return { status: 'built', lowestHeadroom: watchdog.stats.lowestHeadroom };
    }

    watchdog.arm(false);
    display.progress.phase = commands.mode;
    display.notice('info', `running ${commands.final.join(' ')}`);
    const final = await runPhase(ctx, commands.final, { ownGroup: commands.elevation === 'none' }, display, stopper, false);
    if (final.exitCode !== 0) {
      result = `${commands.mode} failed`;
      throw await finalFailure(ctx, commands, final);
    }
    result = commands.mode === 'boot' ? 'built; the new generation is the boot default' : `${commands.mode === 'switch' ? 'switched' : 'activated (test)'}`;
    if (ctx.signal.aborted) {
      throw new UserError(`Interrupted during ${commands.mode}, which was let finish so the system is not half-switched. The files keep this run's changes, which match the system now; the checks after the rebuild were skipped.`, ExitCode.aborted);
    }
    // After `boot` the new generation is installed but not running yet.
    return { status: commands.mode === 'boot' ? 'built' : 'switched', lowestHeadroom: watchdog.stats.lowestHeadroom };
  } finally {
    watchdog.stop();
    display.close();
    log?.close();
    printSummary(ctx, watchdog, display, result);
    if (commands.final) rmSync(workDir, { recursive: true, force: true });
  }
}

function reportStopLine(ctx: RunContext, guards: MemoryGuard[], line: StopLine): void {
  for (const guard of guards) ctx.ui.info(`memory guard: ${guard.name} (${guard.source})`);
  ctx.ui.info(`watchdog: stops the build when headroom falls under ${formatBytes(line.bytes)} (${line.reason})`);
  if (line.overtakenBy) {
    ctx.ui.warn(`${line.overtakenBy.name} acts at or above this line (${line.overtakenBy.source}), so it may kill a process first; raise --stop-below above it.`);
  }
}

function watchEvents(display: BuildDisplay, line: StopLine, stopper: { current: RunningCommand | undefined }) {
  return {
    onSample: (sample: MemorySample) => display.sample(sample),
    onWarn: (sample: MemorySample) =>
      display.notice('warn', `headroom ${formatBytes(sample.headroom)} is under twice the stop line; the build will be stopped at ${formatBytes(line.bytes)}`),
    onLimit: (sample: MemorySample) => {
      display.notice('fail', `headroom ${formatBytes(sample.headroom)} fell under ${formatBytes(line.bytes)}: stopping the build`);
      stopper.current?.stop();
    },
    onReadError: (error: Error) => display.notice('warn', `cannot read memory (${error.message}); the build runs unwatched`),
  };
}

async function runPhase(
  ctx: RunContext,
  command: string[],
  options: StartOptions,
  display: BuildDisplay,
  stopper: { current: RunningCommand | undefined },
  isStoppable: boolean,
): Promise<CommandResult> {
  const running = ctx.runner.start(command[0]!, command.slice(1), (text) => display.line(text), { ...options, graceMs: GRACE_MS });
  stopper.current = isStoppable ? running : undefined;
  const onAbort = (): void => {
    if (isStoppable) {
      display.notice('warn', 'Ctrl-C: stopping the build');
      running.stop();
    } else {
      display.notice('warn', 'Ctrl-C: letting the activation finish, so the system is not left half-switched');
    }
  };
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await running.result;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    stopper.current = undefined;
  }
}

function describeExit(result: CommandResult): string {
  return result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode ?? 'unknown'}`;
}

function tailOf(result: CommandResult): string {
  return result.tail.filter((l) => l.trim() !== '').slice(-3).join(' | ');
}

function buildFailure(command: string[], result: CommandResult, guardAction: string | undefined): RebuildError {
  const tail = tailOf(result);
  const guard = guardAction ? ` Memory: ${guardAction}.` : '';
  return new RebuildError(
    `\`${command.join(' ')}\` ${describeExit(result)}${tail ? `: ${tail}` : ''}.${guard} The running system was not touched. Fix the error and run again.`,
  );
}

async function finalFailure(ctx: RunContext, commands: RebuildCommands, result: CommandResult): Promise<RebuildError> {
  const tail = tailOf(result);
  const now = await ctx.sysroot.currentSystem();
  const moved = now !== undefined && now !== ctx.systemAtStart;
  const state = moved
    ? 'The system is partly switched: /run/current-system points at the new generation.'
    : 'The system may be partly switched.';
  return new RebuildError(
    `The build succeeded, but \`${commands.final!.join(' ')}\` ${describeExit(result)}${tail ? `: ${tail}` : ''}. ${state} Check \`systemctl --failed\`; ${rollbackAdvice(commands.mode, commands.elevation, moved)}.`,
  );
}

function watchdogStop(watchdog: Watchdog, line: StopLine): WatchdogError {
  const sample = watchdog.stats.crossing!;
  const at = new Date(sample.at).toLocaleTimeString('en-GB');
  const after = formatElapsed(sample.at - watchdog.stats.startedAt);
  const swap = sample.headroom - sample.memAvailable;
  return new WatchdogError(
    `The watchdog stopped the build at ${at} (${after} in): headroom ${formatBytes(sample.headroom)} (MemAvailable ${formatBytes(sample.memAvailable)} + usable swap ${formatBytes(swap)}) fell under ${formatBytes(line.bytes)} (${line.reason}). The running system was not touched. Build with less parallelism, e.g. add \`-- --max-jobs 1 --cores 2\`, or free memory first.`,
  );
}

async function findGuardAction(
  ctx: RunContext,
  build: CommandResult,
  kernelMark: number,
  guards: MemoryGuard[],
  watchdog: Watchdog,
  mem: { memTotal: number; swapTotal: number },
): Promise<string | undefined> {
  const records = await ctx.sysroot.kernelLog();
  return describeGuardAction({
    kills: records === undefined ? undefined : findOomKills(records, kernelMark),
    builderKilled: wasBuilderKilled(build.tail),
    guards,
    lowestHeadroom: watchdog.stats.lowestHeadroom,
    memTotal: mem.memTotal,
    swapTotal: mem.swapTotal,
  });
}

function printSummary(ctx: RunContext, watchdog: Watchdog, display: BuildDisplay, result: string): void {
  const stats = watchdog.stats;
  const duration = formatElapsed(Date.now() - stats.startedAt);
  const figures =
    stats.lowestHeadroom === undefined
      ? 'memory not measured'
      : `peak memory used ${formatBytes(stats.peakUsed)}, lowest headroom ${formatBytes(stats.lowestHeadroom)}, swap peak ${formatBytes(stats.swapPeak)}`;
  const derivations = display.progress.derivationsStarted;
  ctx.ui.info(`rebuild summary: ${duration}; ${figures}; ${derivations} derivation${derivations === 1 ? '' : 's'} started; result: ${result}`);
}
