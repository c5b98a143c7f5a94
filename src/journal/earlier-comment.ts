// `disable` after `reenable` should give back the exact line the user had,
// note and all. The reenable run's journal kept flake.nix's old bytes; the
// commented-out import is read back from them.
import path from 'node:path';

import { parseImportComment } from '../config/commented-import.js';
import { parseBytes } from '../nix/parser.js';
import { fromByteString, tokens } from '../nix/syntax.js';
import { listRuns, readSavedBytes } from './run-journal.js';

/** The comment `# ./x # NOTE` a reenable of `importPath` removed, newest first. */
export async function findEarlierComment(stateDir: string, flakeDir: string, importPath: string): Promise<string | undefined> {
  const flakeFile = path.join(flakeDir, 'flake.nix');
  const wanted = path.resolve(flakeDir, importPath);
  for (const run of await listRuns(stateDir)) {
    if (run.start.command[0] !== 'reenable') continue;
    const trail = run.files.find((f) => path.resolve(f.file) === flakeFile);
    if (!trail) continue;
    const bytes = await readSavedBytes(run, trail.original).catch(() => undefined);
    if (!bytes) continue;
    let tree;
    try {
      tree = parseBytes(bytes, flakeFile);
    } catch {
      continue;
    }
    for (const token of tokens(tree.root)) {
      if (token.kind !== 'line_comment') continue;
      const parsed = parseImportComment(token.text);
      if (parsed && path.resolve(flakeDir, parsed.importText) === wanted) return fromByteString(token.text);
    }
  }
  return undefined;
}
