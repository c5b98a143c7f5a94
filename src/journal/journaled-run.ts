// Wraps a procedure run (rollback, reenable) in the journal: take the
// flake's lock, deal with a run that never finished, record the start, every
// check and the rebuild, and close the record with the run's outcome.
import type { Prompter } from '../engine/prompt.js';
import type { RunSummary } from '../engine/run-procedure.js';
import type { Procedure, Step } from '../engine/types.js';
import type { Ui } from '../engine/ui.js';
import type { Sysroot } from '../system/sysroot.js';
import { AbortError, ExitCode, GateError, RebuildError, UserError } from '../errors.js';
import { refuseSecondBuild } from './live-builds.js';
import { isFinished, type EndStatus, type RunEntry } from './records.js';
import { acquireLock, type HeldLock } from './run-lock.js';
import { listRuns, newRunId, RunJournal } from './run-journal.js';
import { describeRun } from './undo-target.js';

export interface RunStart {
  stateDir: string;
  command: string[];
  flake: string;
  flakeRealPath: string;
  host: string;
  ui: Ui;
  prompter: Prompter;
  /** --yes: never ask; an unfinished run stops this one. */
  yes: boolean;
  /** Read for any nixos-rebuild already running on the machine. */
  sysroot: Sysroot;
  /** Whether this run may start a build (not --no-rebuild). */
  willBuild: boolean;
}

export interface JournaledRun {
  journal: RunJournal;
  lock: HeldLock;
}

export async function beginJournaledRun(start: RunStart): Promise<JournaledRun> {
  // One clock reading for the id, the lock and the start record: history's STARTED matches the id.
  const now = new Date();
  const id = newRunId(now);
  const time = now.toISOString();
  const lock = await acquireLock(start.stateDir, start.flakeRealPath, {
    pid: process.pid,
    runId: id,
    command: start.command.join(' '),
    startedAt: time,
  });
  try {
    if (lock.tookOverFrom) {
      start.ui.warn(`took over the lock of run ${lock.tookOverFrom.runId} (pid ${lock.tookOverFrom.pid}), which is no longer running`);
    }
    await refuseSecondBuild(start.stateDir, start.sysroot, start.ui, start.willBuild);
    await settleUnfinishedRun(start, id, time);
    const journal = await RunJournal.start(start.stateDir, {
      id,
      time,
      command: start.command,
      host: start.host,
      flake: start.flake,
      flakeRealPath: start.flakeRealPath,
      pid: process.pid,
    });
    return { journal, lock };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** A dry run changes nothing, so it only mentions a run that never finished. */
export async function warnOfUnfinishedRun(stateDir: string, flakeRealPath: string, ui: Ui): Promise<void> {
  const unfinished = findUnfinished(await listRuns(stateDir), flakeRealPath);
  if (unfinished) ui.warn(`${describeRun(unfinished)} did not finish; \`tune-wizard undo\` puts its files back.`);
}

function findUnfinished(runs: RunEntry[], flakeRealPath: string): RunEntry | undefined {
  return runs.find((run) => run.start.flakeRealPath === flakeRealPath && !isFinished(run));
}

/** A run of this flake that never finished must be undone before another starts. */
async function settleUnfinishedRun(start: RunStart, id: string, time: string): Promise<void> {
  const runs = await listRuns(start.stateDir);
  const unfinished = findUnfinished(runs, start.flakeRealPath);
  if (!unfinished) return;

  const target = unfinished.start.undoOf ? runs.find((run) => run.id === unfinished.start.undoOf) : unfinished;
  const what = `${describeRun(unfinished)} did not finish: it was killed or crashed, and may have left files half-way through its changes.`;
  if (start.yes || !target) {
    throw new UserError(`${what} Run \`tune-wizard undo\` to put its files back (it shows the diff first), then run this again.`);
  }
  start.ui.warn(what);
  const undoId = `${id}-undo`;
  const question = `Restore these files (undo ${target === unfinished ? 'that run' : `run ${target.id}`}), then go on with this run?`;
  const options = { stateDir: start.stateDir, ui: start.ui, prompter: start.prompter, force: false, dryRun: false, question, startedAt: time };
  const { undoRun } = await import('./undo-run.js');
  const result = await undoRun(target, undoId, target === unfinished ? undefined : unfinished, options);
  if (result === 'declined') {
    throw new UserError('Stopped; nothing was changed. Run `tune-wizard undo` to put its files back, then run this again.');
  }
  if (typeof result === 'string') return;
  await result.journal.recordRebuild('skipped', [], 'rebuilt by the run that follows');
  await result.journal.finish('done', ExitCode.ok);
}

/** The same procedure, with every gate and verification recorded as it is measured. */
export function recordChecks(procedure: Procedure, journal: RunJournal): Procedure {
  const record = (step: Step): Step => {
    if (step.kind !== 'gate' && step.kind !== 'verify') return step;
    const { kind, title } = step;
    return {
      ...step,
      check: async (ctx) => {
        const result = await step.check(ctx);
        await journal.recordCheck(kind, title, result);
        return result;
      },
    };
  };
  return { ...procedure, steps: procedure.steps.map(record) };
}

export async function finishJournaledRun(run: JournaledRun, summary: RunSummary | undefined, error: unknown): Promise<void> {
  try {
    if (summary?.rebuild) await run.journal.recordRebuild(summary.rebuild.status, summary.rebuild.command, undefined, summary.rebuild.load);
    if (error instanceof RebuildError) await run.journal.recordRebuild('failed', [], error.message);
    const exitCode = error === undefined ? ExitCode.ok : error instanceof UserError ? error.exitCode : ExitCode.error;
    await run.journal.finish(error === undefined ? 'done' : endStatusFor(error), exitCode, (error as Error | undefined)?.message);
  } finally {
    await run.lock.release();
  }
}

export function endStatusFor(error: unknown): EndStatus {
  if (error instanceof GateError) return 'gate-failed';
  if (error instanceof RebuildError) return 'rebuild-failed';
  if (error instanceof AbortError) return 'aborted';
  if (error instanceof UserError) return 'failed';
  return 'crashed';
}
