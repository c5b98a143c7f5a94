// Which run `tune-wizard undo` puts back: the one named, else a run that was
// stopped mid-way, else the newest run that left files changed. A run that
// was already undone is not undone again; that is "nothing left to undo".
import { UserError } from '../errors.js';
import { formatTime } from '../system/local-time.js';
import { filesLeftChanged, isFinished, type RunEntry } from './records.js';

export type UndoChoice = { target: RunEntry; interruptedUndo: RunEntry | undefined } | { nothing: string };

export function chooseUndoTarget(runs: RunEntry[], requested: string | undefined): UndoChoice {
  if (requested !== undefined) return { target: findRun(runs, requested), interruptedUndo: undefined };

  const unfinished = runs.find((run) => !isFinished(run));
  if (unfinished?.start.undoOf) {
    return { target: findRun(runs, unfinished.start.undoOf), interruptedUndo: unfinished };
  }
  if (unfinished) return { target: unfinished, interruptedUndo: undefined };

  const last = runs.find((run) => !run.start.undoOf && filesLeftChanged(run).length > 0);
  if (!last) return { nothing: 'Nothing to undo: no recorded run changed a file.' };
  if (last.undoneBy !== undefined || last.records.some((r) => r.type === 'undone')) {
    const by = last.undoneBy ? ` by run ${last.undoneBy}` : '';
    return { nothing: `Nothing left to undo: the last run that changed files, ${describeRun(last)}, was already undone${by}.` };
  }
  return { target: last, interruptedUndo: undefined };
}

function findRun(runs: RunEntry[], requested: string): RunEntry {
  const matches = runs.filter((run) => run.id === requested || run.id.startsWith(requested));
  const exact = matches.find((run) => run.id === requested);
  if (exact) return exact;
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new UserError(`run "${requested}" matches ${matches.length} runs (${matches.map((r) => r.id).join(', ')}); give more of its id.`);
  }
  throw new UserError(`no run "${requested}" in the journal; \`tune-wizard history\` lists the runs.`);
}

export function describeRun(run: RunEntry): string {
  return `run ${run.id} (tune-wizard ${run.start.command.join(' ')}, ${formatTime(run.start.time)})`;
}
