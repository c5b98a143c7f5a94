// Runs a rebuild the safe way round: `nixos-rebuild build` as the user,
// watched by the watchdog and stoppable (Ctrl-C, low memory), then the
// chosen mode only if the build succeeded. The final action is never
// stopped halfway, so the machine is not left half-switched by us.
import { readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';

import { describeInterruptAtStart } from '../engine/interrupt.js';
import { shellCommand } from '../engine/shell-words.js';
import type { RunContext } from '../engine/types.js';
import type { BuildLoad } from '../journal/records.js';
import { AbortError, AfterSwitchError, ExitCode, UserError } from '../errors.js';
import { describeRunningRebuild, findRunningRebuilds } from '../system/rebuild-processes.js';
import type { CommandResult, RunningCommand, StartOptions } from '../system/command-runner.js';
import { identifyProcess } from '../system/process-identity.js';
import type { MemInfo } from '../system/sysroot.js';
import { formatBytes, formatDistinct } from '../system/units.js';
import { findMemoryGuards, type MemoryGuard } from '../watch/memory-guards.js';
import { takeSample, type MemorySample } from '../watch/memory-sample.js';
import { describeGuardAction, findOomKills, lastSequence, wasBuilderKilled } from '../watch/oom-report.js';
import { formatElapsed } from '../watch/status-line.js';
import { chooseStopLine, type StopLine } from '../watch/stop-line.js';
import { DEFAULT_SAMPLE_MS, startWatchdog, type Watchdog } from '../watch/watchdog.js';
import { openBuildDisplay, type BuildDisplay } from './build-display.js';
import { makeBuildDir, markKept } from './build-dirs.js';
import { buildLoad, parallelismInEffect, type Parallelism } from './build-load.js';
import { openBuildLog } from './build-log.js';
import { planCommands, type RebuildCommands } from './rebuild-commands.js';
import { buildFailure, finalFailure, notBuilding, watchdogStop } from './rebuild-failures.js';

export interface RebuildReport {
  status: 'built' | 'switched';
  lowestHeadroom: number | undefined;
  /** How heavy the build was, for the journal (undefined when nothing could be measured). */
  load: BuildLoad | undefined;
}

const SAMPLE_MS = Number(process.env.TUNE_WIZARD_SAMPLE_MS ?? DEFAULT_SAMPLE_MS);
const PLAIN_EVERY_MS = Number(process.env.TUNE_WIZARD_MEMORY_INTERVAL_MS ?? 5000);
/** A build not marked heavy (watchMemory) prints its plain memory lines this much less often. */
const LIGHT_BUILD_FACTOR = 6;
const GRACE_MS = Number(process.env.TUNE_WIZARD_KILL_GRACE_MS ?? 5000);

/** What one rebuild carries from phase to phase. */
interface RebuildSession {
  ctx: RunContext;
  commands: RebuildCommands;
  line: StopLine;
  guards: MemoryGuard[];
  memAtStart: MemInfo;
  /** max-jobs and cores the build runs with. */
  parallelism: Parallelism;
  kernelMark: number;
  workDir: string;
  display: BuildDisplay;
  watchdog: Watchdog;
  stopper: { current: RunningCommand | undefined };
  /** How it ended, for the summary. */
  result: string;
}

export async function runWatchedRebuild(ctx: RunContext, showMemory: boolean): Promise<RebuildReport> {
  const session = await openSession(ctx, showMemory);
  let keepWorkDir = false;
  try {
    await runBuild(session);
    // Measured before the activation, which is not part of the build.
    const load = buildLoad(session.watchdog.stats.peakUsed, session.memAtStart.memTotal - session.memAtStart.memAvailable, session.parallelism);
    if (!session.commands.final) {
      keepWorkDir = true;
      return { status: 'built', lowestHeadroom: session.watchdog.stats.lowestHeadroom, load };
    }

    await runFinalAction(session);
    // After `boot` the new generation is installed but not running yet.
    const status = session.commands.mode === 'boot' ? 'built' : 'switched';
    return { status, lowestHeadroom: session.watchdog.stats.lowestHeadroom, load };
  } finally {
    session.watchdog.stop();
    session.display.close();
    printSummary(session);
    if (!keepWorkDir) rmSync(session.workDir, { recursive: true, force: true });
  }
}

/**
 * Before the first edit: a stop line already above the headroom (say
 * --stop-below 99%) would stop the build at once, after the files were
 * written; say so now, with nothing changed.
 */
export async function refuseCrossedStopLine(ctx: RunContext): Promise<void> {
  const mem = await ctx.sysroot.memInfo();
  const guards = await findMemoryGuards(ctx.sysroot, await ctx.configuration().catch(() => undefined));
  const line = chooseStopLine(mem.memTotal, mem.swapTotal, ctx.options.rebuild.stopBelow, guards);
  let sample: MemorySample;
  try {
    sample = takeSample(ctx.sysroot);
  } catch {
    return; // unreadable: the watchdog reports it when the build starts
  }
  if (sample.headroom < line.bytes) throw notBuilding(sample, line);
}

async function openSession(ctx: RunContext, showMemory: boolean): Promise<RebuildSession> {
  const commands = planCommands(ctx);
  const memAtStart = await ctx.sysroot.memInfo();
  const guards = await findMemoryGuards(ctx.sysroot, await ctx.configuration().catch(() => undefined));
  const line = chooseStopLine(memAtStart.memTotal, memAtStart.swapTotal, ctx.options.rebuild.stopBelow, guards);
  reportStopLine(ctx, guards, line);
  const kernelMark = lastSequence(await ctx.sysroot.kernelRecords());

  const log = ctx.options.rebuild.quiet ? openBuildLog() : undefined;
  if (log) ctx.ui.info(`build output: ${log.file}`);
  const display = openBuildDisplay(ctx.ui, {
    // The line is drawn on stderr: both it and the session must be a terminal.
    terminal: ctx.ui.streams.isTerminal && Boolean(process.stderr.isTTY),
    log,
    plainEveryMs: showMemory ? PLAIN_EVERY_MS : LIGHT_BUILD_FACTOR * PLAIN_EVERY_MS,
    stopBytes: line.bytes,
    columns: process.stderr.columns ?? 120,
  });
  const stopper: RebuildSession['stopper'] = { current: undefined };
  const watchdog = startWatchdog(ctx.sysroot, line, SAMPLE_MS, watchEvents(display, line, stopper));
  const workDir = makeBuildDir();
  const parallelism = parallelismInEffect(await ctx.sysroot.nixConf(), ctx.options.rebuild.extraArgs);
  return { ctx, commands, line, guards, memAtStart, parallelism, kernelMark, workDir, display, watchdog, stopper, result: 'build failed' };
}

/** `nixos-rebuild build`, as the user, stoppable; throws unless it succeeded. */
async function runBuild(session: RebuildSession): Promise<void> {
  const { ctx, commands, display, watchdog, line } = session;
  if (watchdog.stats.crossing) {
    session.result = 'not started: headroom already under the stop line';
    throw watchdogStop(watchdog, line, false);
  }

  // Checked again here: the prompts may have taken minutes since the run began.
  const running = (await findRunningRebuilds(ctx.sysroot))[0];
  if (running) {
    session.result = 'not started: nixos-rebuild already running';
    throw new UserError(describeRunningRebuild(running, 'Two builds at once are what runs a machine out of memory, so this run did not start a second one.'));
  }

  display.notice('info', `running ${shellCommand(commands.build)} (in ${session.workDir})`);
  const build = await runPhase(ctx, commands.build, { cwd: session.workDir, ownGroup: true }, display, session.stopper, 'build');

  if (watchdog.stats.crossing) {
    session.result = 'stopped by the watchdog';
    throw watchdogStop(watchdog, line, true);
  }
  if (ctx.signal.aborted) {
    session.result = 'interrupted';
    throw new AbortError('Interrupted during the rebuild (while building); the build was stopped and the running system was not touched.');
  }
  if (build.exitCode !== 0) {
    const guardAction = await findGuardAction(session, build);
    if (guardAction) session.result = `build failed: ${guardAction}`;
    throw buildFailure(commands.build, build, guardAction);
  }

  const result = readlinkOrUndefined(path.join(session.workDir, 'result'));
  session.result = `built${result ? ` ${result}` : ''}`;
  if (!commands.final) {
    markKept(session.workDir);
    display.notice('ok', `built; the result link stays in ${session.workDir}/result`);
  }
}

/** The chosen mode, elevated, never stopped halfway; throws unless it succeeded. */
async function runFinalAction(session: RebuildSession): Promise<void> {
  const { ctx, commands, display, watchdog } = session;
  const final = commands.final!;
  watchdog.arm(false);
  display.progress.phase = commands.mode;

  display.notice('info', `running ${shellCommand(final)}`);
  const done = await runPhase(ctx, final, { ownGroup: commands.elevation === 'none' }, display, session.stopper, commands.mode);

  if (done.exitCode !== 0) {
    session.result = `${commands.mode} failed`;
    throw await finalFailure(ctx, commands, done);
  }
  session.result = { switch: 'switched', boot: 'the new generation is the boot default', test: 'activated (test)', build: 'built' }[commands.mode];
  if (ctx.signal.aborted) {
    throw new AfterSwitchError(
      `Interrupted during ${commands.mode}, which was let finish so the system is not half-switched. The files keep this run's changes, which match the system now; the checks after the rebuild were skipped.`,
      ExitCode.aborted,
    );
  }
}

function readlinkOrUndefined(file: string): string | undefined {
  try {
    return readlinkSync(file);
  } catch {
    return undefined;
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
      const [headroom, stop] = formatDistinct(sample.headroom, line.bytes);
      display.notice('fail', `headroom ${headroom} fell under ${stop}: stopping the build`);
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
  phase: string,
): Promise<CommandResult> {
  const isStoppable = phase === 'build';
  await ctx.runner.ready();
  const running = ctx.runner.start(command[0]!, command.slice(1), (text) => display.line(text), { ...options, graceMs: GRACE_MS });
  stopper.current = isStoppable ? running : undefined;
  // The group is recorded at once, the build's and the activation's alike,
  // so that if tune-wizard is killed the next run knows it may still be
  // running (and never starts a second build or switch alongside it).
  const identity = running.pid !== undefined ? identifyProcess(running.pid) : undefined;
  if (identity) await ctx.buildJournal?.buildStarted(command, identity, phase);
  const onAbort = (): void => {
    if (isStoppable) {
      display.notice('warn', `${describeInterruptAtStart(ctx.signal.reason)}: stopping the build`);
      running.stop();
    } else {
      display.notice('warn', `${describeInterruptAtStart(ctx.signal.reason)}: letting the activation finish, so the system is not left half-switched`);
    }
  };
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await running.result;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    stopper.current = undefined;
    if (identity) await ctx.buildJournal?.buildEnded(identity.pid);
  }
}

async function findGuardAction(session: RebuildSession, build: CommandResult): Promise<string | undefined> {
  const records = await session.ctx.sysroot.kernelRecords();
  return describeGuardAction({
    kills: records === undefined ? undefined : findOomKills(records, session.kernelMark),
    builderKilled: wasBuilderKilled(build.tail),
    guards: session.guards,
    lowestHeadroom: session.watchdog.stats.lowestHeadroom,
    memTotal: session.memAtStart.memTotal,
    swapTotal: session.memAtStart.swapTotal,
  });
}

function printSummary(session: RebuildSession): void {
  const stats = session.watchdog.stats;
  const duration = formatElapsed(Date.now() - stats.startedAt);
  const figures =
    stats.lowestHeadroom === undefined
      ? 'memory not measured'
      : `peak memory used ${formatBytes(stats.peakUsed)}, lowest headroom ${formatBytes(stats.lowestHeadroom)}, swap peak ${formatBytes(stats.swapPeak)}`;
  const derivations = session.display.progress.derivationsStarted;
  session.ctx.ui.info(`rebuild summary: ${duration}; ${figures}; ${derivations} derivation${derivations === 1 ? '' : 's'} started; result: ${session.result}`);
}
