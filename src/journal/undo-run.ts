// Puts back the files of one recorded run, with the flake's lock already
// held: plan, show the diff, ask, then write each file through a journaled
// Workspace, so the undo is itself recorded and can be finished if killed.
import path from 'node:path';

import { renderDiff } from '../engine/diff-view.js';
import type { Prompter } from '../engine/prompt.js';
import type { Ui } from '../engine/ui.js';
import { UserError } from '../errors.js';
import { Workspace } from '../system/workspace.js';
import { removeLeftoverTemps } from './journal-files.js';
import { isFinished, type RunEntry } from './records.js';
import { planRestore, type RestorePlan } from './restore-plan.js';
import { appendToRun, RunJournal } from './run-journal.js';
import { describeRun } from './undo-target.js';

export interface UndoOptions {
  stateDir: string;
  ui: Ui;
  prompter: Prompter;
  force: boolean;
  dryRun: boolean;
  /** The yes/no question asked after the diff. */
  question?: string;
  /** The clock reading the undo's id was made from. */
  startedAt?: string;
}

export interface UndoResult {
  /** The undo's own journal, still open: the caller records the rebuild and finishes it. */
  journal: RunJournal;
  workspace: Workspace;
  restored: string[];
}

/** What happened when nothing was written: nothing to restore, the user said no, or a dry run. */
export type UndoSkipped = 'nothing' | 'declined' | 'dry-run';

export async function undoRun(
  target: RunEntry,
  undoId: string,
  interruptedUndo: RunEntry | undefined,
  options: UndoOptions,
): Promise<UndoResult | UndoSkipped> {
  const { ui } = options;
  const plan = await planRestore(target, options.force);
  refuseEditedFiles(target, plan, ui);

  if (plan.changes.length === 0) {
    if (!options.dryRun && (!isFinished(target) || interruptedUndo)) await removeTempFiles(target, ui);
    if (!options.dryRun) await closeTarget(target, interruptedUndo, undefined);
    const why = isFinished(target) ? 'its files already hold their bytes from before it' : 'it was stopped before it changed any file';
    ui.print(`Nothing to restore for ${describeRun(target)}: ${why}.`);
    return 'nothing';
  }

  ui.print(`Undo ${describeRun(target)}: put back ${plan.changes.length} file(s) in ${target.start.flake}`);
  if (!isFinished(target)) ui.print('That run did not finish (killed or crashed); this completes its rollback.');
  for (const change of plan.changes) ui.print(renderDiff(change, target.start.flake));
  if (options.dryRun) {
    ui.print('Dry run: nothing was restored. Run again without --dry-run to restore these files.');
    return 'dry-run';
  }
  const question = options.question ?? `Restore ${plan.changes.length} file(s) to their bytes from before run ${target.id}?`;
  if (!(await options.prompter.confirm(question))) {
    ui.print('Nothing was restored.');
    return 'declined';
  }

  const journal = await RunJournal.start(options.stateDir, {
    id: undoId,
    ...(options.startedAt ? { time: options.startedAt } : {}),
    command: ['undo', target.id],
    host: target.start.host,
    flake: target.start.flake,
    flakeRealPath: target.start.flakeRealPath,
    pid: process.pid,
    undoOf: target.id,
  });
  const workspace = new Workspace(false, journal);
  try {
    for (const change of plan.changes) {
      if (plan.recreated.has(change.file)) await workspace.create(change.file, change.after);
      else await workspace.write(change.file, change.before, change.after);
    }
    if (!isFinished(target) || interruptedUndo) await removeTempFiles(target, ui);
    await closeTarget(target, interruptedUndo, undoId);
  } catch (error) {
    await journal.finish('failed', (error as UserError).exitCode ?? 1, (error as Error).message);
    throw error;
  }
  const restored = plan.changes.map((c) => c.file);
  const recreated = restored.filter((f) => plan.recreated.has(f)).map((f) => path.relative(target.start.flake, f) || f);
  ui.ok(`restored ${restored.map((f) => path.relative(target.start.flake, f) || f).join(', ')}${recreated.length > 0 ? ` (recreated ${recreated.join(', ')}, which had been deleted)` : ''}`);
  return { journal, workspace, restored };
}

function refuseEditedFiles(target: RunEntry, plan: RestorePlan, ui: Ui): void {
  if (plan.refused.length === 0) return;
  for (const refused of plan.refused) if (refused.change) ui.print(renderDiff(refused.change, target.start.flake));
  const name = (file: string): string => path.relative(target.start.flake, file) || file;
  const changed = plan.refused.filter((r) => r.why === 'changed').map((r) => r.file);
  const deleted = plan.refused.filter((r) => r.why !== 'changed');
  const parts = [];
  if (changed.length > 0) {
    const one = changed.length === 1;
    parts.push(
      `${changed.join(', ')} changed since run ${target.id} wrote ${one ? 'it' : 'them'}; the diff above shows what undo would overwrite. Keep your edits, or run \`tune-wizard undo ${target.id} --force\` to overwrite them`,
    );
  }
  const missing = deleted.filter((r) => r.why === 'missing');
  const homeless = deleted.filter((r) => r.why === 'missing-folder');
  const force = `\`tune-wizard undo ${target.id} --force\``;
  for (const group of [missing, homeless]) {
    if (group.length === 0) continue;
    const one = group.length === 1;
    const saved = group.map((r) => (one ? r.savedCopy : `${name(r.file)} in ${r.savedCopy}`)).join(', ');
    const what = `${group.map((r) => name(r.file)).join(', ')} (in ${target.start.flake}) no longer exist${one ? 's' : ''}`;
    if (group === missing) {
      parts.push(`${what}; run ${target.id} saved ${one ? 'its' : 'their'} bytes from before it${one ? ' in ' : ': '}${saved}. ${force} puts ${one ? 'it' : 'them'} back`);
    } else {
      const folders = [...new Set(group.map((r) => path.dirname(r.file)))];
      parts.push(
        `${what}, nor ${folders.length === 1 ? `does the folder ${folders[0]}` : `do the folders ${folders.join(', ')}`}; run ${target.id} saved ${one ? 'its' : 'their'} bytes from before it${one ? ' in ' : ': '}${saved}. Create the folder${folders.length === 1 ? '' : 's'} (or move the flake back) and run ${force}, or copy the saved ${one ? 'copy' : 'copies'} into place yourself`,
      );
    }
  }
  throw new UserError(`${parts.join('. ')}. Nothing was restored.`);
}

/** Marks the target as put back, and as interrupted if it never finished. */
async function closeTarget(target: RunEntry, interruptedUndo: RunEntry | undefined, by: string | undefined): Promise<void> {
  const time = new Date().toISOString();
  for (const run of [target, interruptedUndo]) {
    if (run && !isFinished(run)) await appendToRun(run, { type: 'end', status: 'interrupted', time });
  }
  if (by !== undefined || target.files.length > 0) {
    await appendToRun(target, { type: 'undone', ...(by === undefined ? {} : { by }), time });
  }
}

/** A run killed mid-write can leave a temporary file next to the file it was writing. */
async function removeTempFiles(target: RunEntry, ui: Ui): Promise<void> {
  for (const trail of target.files) {
    for (const file of await removeLeftoverTemps(trail.file)) ui.info(`removed ${file}, left by the interrupted write`);
  }
}
