// `tune-wizard undo [RUN]`: take the flake's lock, put back the run's files
// (undo-run.ts), then offer the same rebuild the procedures run.
import path from 'node:path';

import { createRunContext } from '../engine/context.js';
import { onInterrupt } from '../engine/interrupt.js';
import type { Prompter } from '../engine/prompt.js';
import { findMissingCommand, missingCommandMessage, rebuildCommand, runRebuild } from '../engine/rebuild.js';
import { shellCommand } from '../engine/shell-words.js';
import type { RebuildOptions } from '../rebuild/rebuild-flags.js';
import type { RunContext } from '../engine/types.js';
import type { Ui } from '../engine/ui.js';
import { AbortError, ExitCode, RebuildError, UserError, WatchdogError } from '../errors.js';
import { rebuild } from '../step-kinds/rebuild.js';
import type { CommandRunner } from '../system/command-runner.js';
import { Sysroot } from '../system/sysroot.js';
import { refuseSecondBuild } from './live-builds.js';
import { acquireLock } from './run-lock.js';
import { listRuns, newRunId } from './run-journal.js';
import { chooseUndoTarget } from './undo-target.js';
import { undoRun, type UndoResult } from './undo-run.js';
import { endStatusFor } from './journaled-run.js';

export interface UndoCommand {
  runId: string | undefined;
  force: boolean;
  dryRun: boolean;
  noRebuild: boolean;
  sysroot: string;
  stateDir: string;
  ui: Ui;
  prompter: Prompter;
  runner: CommandRunner;
  rebuild: RebuildOptions;
}

export async function runUndoCommand(command: UndoCommand): Promise<number> {
  const { ui } = command;
  const choice = chooseUndoTarget(await listRuns(command.stateDir), command.runId);
  if ('nothing' in choice) {
    ui.print(choice.nothing);
    return ExitCode.ok;
  }
  const { target, interruptedUndo } = choice;

  const now = new Date();
  const undoId = newRunId(now);
  const startedAt = now.toISOString();
  const lock = command.dryRun
    ? undefined
    : await acquireLock(command.stateDir, target.start.flakeRealPath, {
        pid: process.pid,
        runId: undoId,
        command: `undo ${target.id}`,
        startedAt,
      });
  try {
    const alternative = command.dryRun ? '' : ' `tune-wizard undo --no-rebuild` puts the files back without building.';
    await refuseSecondBuild(command.stateDir, new Sysroot(path.resolve(command.sysroot)), ui, !command.dryRun && !command.noRebuild, alternative);
    const stale = lock?.tookOverFrom;
    if (stale) ui.info(`took over the lock of run ${stale.runId} (pid ${stale.pid}), which is no longer running`);
    const result = await undoRun(target, undoId, interruptedUndo, { ...command, startedAt });
    if (typeof result === 'string') return ExitCode.ok;
    return await offerRebuild(command, result, target.start.flake, target.start.host);
  } finally {
    await lock?.release();
  }
}

async function offerRebuild(command: UndoCommand, result: UndoResult, flakeDir: string, host: string): Promise<number> {
  const { journal } = result;
  const { ui } = command;
  const ctx = rebuildContext(command, result, flakeDir, host);
  const shown = shellCommand(rebuildCommand(ctx));
  const missing = await findMissingCommand(ctx);

  if (command.noRebuild || missing) {
    const why = missing ? `not rebuilt because ${missingCommandMessage(missing, false).replace(/\.$/, '')}` : 'not rebuilt (--no-rebuild)';
    await journal.recordRebuild('skipped', rebuildCommand(ctx));
    await journal.finish('done', ExitCode.ok);
    ui.print(`Restored ${describe(result, flakeDir)}; ${why}. Next: ${shown}`);
    return ExitCode.ok;
  }
  let rebuildNow: boolean;
  try {
    rebuildNow = await command.prompter.confirm(`Rebuild now with \`${shown}\`?`);
  } catch (error) {
    // Ctrl-C at the question: the files are back already, and stay so.
    if (!(error instanceof AbortError)) throw error;
    await journal.recordRebuild('declined', rebuildCommand(ctx));
    await journal.finish('done', ExitCode.ok);
    ui.print(`Restored ${describe(result, flakeDir)}; they stay restored, not rebuilt. Next: ${shown}`);
    throw error;
  }
  if (!rebuildNow) {
    await journal.recordRebuild('declined', rebuildCommand(ctx));
    await journal.finish('done', ExitCode.ok);
    ui.print(`Restored ${describe(result, flakeDir)}; not rebuilt. Next: ${shown}`);
    return ExitCode.ok;
  }

  const interrupt = new AbortController();
  const stopListening = onInterrupt((name) => interrupt.abort(name));
  try {
    const outcome = await runRebuild(rebuild({ watchMemory: false }), { ...ctx, signal: interrupt.signal });
    await journal.recordRebuild(outcome.status, outcome.command, undefined, outcome.load);
  } catch (error) {
    if (error instanceof RebuildError || error instanceof AbortError) await journal.recordRebuild('failed', rebuildCommand(ctx), error.message);
    await journal.finish(endStatusFor(error), (error as UserError).exitCode ?? ExitCode.error, (error as Error).message);
    throw afterUndo(error, shown, describe(result, flakeDir));
  } finally {
    stopListening();
  }
  await journal.finish('done', ExitCode.ok);
  ui.print(`Undone: restored ${describe(result, flakeDir)} and rebuilt.`);
  return ExitCode.ok;
}

/**
 * A failed rebuild after undo: the files stay as undo put them, so
 * "run again" would find nothing left to undo. Say so, and name the
 * command that finishes the job once the error is fixed. Same error, same exit code.
 */
function afterUndo(error: unknown, command: string, files: string): unknown {
  if (!(error instanceof RebuildError || error instanceof WatchdogError || error instanceof AbortError)) return error;
  const next = `run \`${command}\` yourself`;
  const message = error.message
    .replace(/Fix the error and run again\.$/, `Fix the error, then ${next}.`)
    .replace(/then run again\.$/, `then ${next}.`);
  const told = message === error.message ? ` To finish the undo, ${next}.` : '';
  const stay = ` The files stay as undo put them (${files}): \`tune-wizard undo\` again would find nothing left to undo. The running system is still the one from before the undo.`;
  error.message = `${message}${told}${stay}`;
  return error;
}

function rebuildContext(command: UndoCommand, result: UndoResult, flakeDir: string, host: string): RunContext {
  return createRunContext({
    flakeDir,
    host,
    sysroot: new Sysroot(path.resolve(command.sysroot)),
    workspace: result.workspace,
    runner: command.runner,
    ui: command.ui,
    signal: new AbortController().signal,
    options: { yes: true, dryRun: false, noRebuild: false, minHeadroom: 0, only: undefined, rebuild: command.rebuild },
    systemAtStart: undefined,
    buildJournal: result.journal,
  });
}

function describe(result: UndoResult, flakeDir: string): string {
  return result.restored.map((f) => path.relative(flakeDir, f) || f).join(', ');
}
