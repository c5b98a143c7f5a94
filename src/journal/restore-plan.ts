// Plans putting back the files of a recorded run: each file goes back to
// the bytes it held before the run's first write, unless it now holds bytes
// the run never wrote (someone edited it since) or no longer exists, which
// only --force overwrites (or recreates, in a folder that still exists).
import { stat } from 'node:fs/promises';
import path from 'node:path';

import type { FileChange } from '../system/workspace.js';
import { readBytes } from './journal-files.js';
import type { RunEntry } from './records.js';
import { readSavedBytes, sha256 } from './run-journal.js';

export interface RefusedFile {
  file: string;
  /** missing-folder: deleted, and its folder too, so --force cannot put it back either. */
  why: 'changed' | 'missing' | 'missing-folder';
  /** The bytes the undo would write (shown as a diff for a changed file). */
  change: FileChange | undefined;
  /** The journal's copy of the file's bytes from before the run. */
  savedCopy: string;
}

export interface RestorePlan {
  changes: FileChange[];
  /** Of `changes`, the files that no longer exist and are written anew (--force). */
  recreated: Set<string>;
  refused: RefusedFile[];
  /** Files that already hold their bytes from before the run. */
  alreadyBack: string[];
}

export async function planRestore(run: RunEntry, force: boolean): Promise<RestorePlan> {
  const plan: RestorePlan = { changes: [], recreated: new Set(), refused: [], alreadyBack: [] };
  for (const trail of run.files) {
    const current = await readBytes(trail.file);
    const savedCopy = path.join(run.dir, trail.original);
    if (!current) {
      const folder = (await stat(path.dirname(trail.file)).catch(() => undefined))?.isDirectory() ?? false;
      if (force && folder) {
        plan.changes.push({ file: trail.file, before: Buffer.alloc(0), after: await readSavedBytes(run, trail.original) });
        plan.recreated.add(trail.file);
      } else {
        plan.refused.push({ file: trail.file, why: folder ? 'missing' : 'missing-folder', change: undefined, savedCopy });
      }
      continue;
    }
    const hash = sha256(current);
    if (hash === trail.original) {
      plan.alreadyBack.push(trail.file);
      continue;
    }
    const change = { file: trail.file, before: current, after: await readSavedBytes(run, trail.original) };
    if (trail.known.has(hash) || force) plan.changes.push(change);
    else plan.refused.push({ file: trail.file, why: 'changed', change, savedCopy });
  }
  return plan;
}
