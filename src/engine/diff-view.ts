// Renders a file change as a coloured unified diff with paths relative to
// the flake, so the user sees exactly the bytes that will be written.
import path from 'node:path';

import { structuredPatch } from 'diff/lib/patch/create.js';
import kleur from 'kleur';

import { describeBytes } from '../config/text-edit.js';
import type { FileChange } from '../system/workspace.js';

export function renderDiff(change: FileChange, baseDir: string): string {
  const name = path.relative(baseDir, change.file) || change.file;
  const before = describeBytes(change.before);
  const after = describeBytes(change.after);
  const patch = structuredPatch(`a/${name}`, `b/${name}`, before, after, '', '', { context: 3 });

  const lines = [kleur.bold(`--- ${patch.oldFileName}`), kleur.bold(`+++ ${patch.newFileName}`)];
  for (const hunk of patch.hunks) {
    lines.push(kleur.cyan(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`));
    for (const line of hunk.lines) {
      const shown = line.replace(/\r$/, '␍');
      if (line.startsWith('+')) lines.push(kleur.green(shown));
      else if (line.startsWith('-')) lines.push(kleur.red(shown));
      else lines.push(shown);
    }
  }
  return `${lines.join('\n')}\n`;
}
