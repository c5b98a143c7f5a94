// Plans putting back the files of a recorded run: each file goes back to
// the bytes it held before the run's first write, unless it now holds bytes
// the run never wrote (someone edited it since), which only --force overwrites.
import type { FileChange } from '../system/workspace.js';
import { readBytes } from './journal-files.js';
import type { RunEntry } from './records.js';
import { readSavedBytes, sha256 } from './run-journal.js';

export interface RefusedFile {
  file: string;
  why: 'changed' | 'missing';
  /** The bytes the undo would write (shown as a diff for a changed file). */
  change: FileChange | undefined;
}

export interface RestorePlan {
  changes: FileChange[];
  refused: RefusedFile[];
  /** Files that already hold their bytes from before the run. */
  alreadyBack: string[];
}

export async function planRestore(run: RunEntry, force: boolean): Promise<RestorePlan> {
  const plan: RestorePlan = { changes: [], refused: [], alreadyBack: [] };
  for (const trail of run.files) {
    const current = await readBytes(trail.file);
    if (!current) {
      plan.refused.push({ file: trail.file, why: 'missing', change: undefined });
      continue;
    }
    const hash = sha256(current);
    if (hash === trail.original) {
      plan.alreadyBack.push(trail.file);
      continue;
    }
    const change = { file: trail.file, before: current, after: await readSavedBytes(run, trail.original) };
    if (trail.known.has(hash) || force) plan.changes.push(change);
    else plan.refused.push({ file: trail.file, why: 'changed', change });
  }
  return plan;
}
