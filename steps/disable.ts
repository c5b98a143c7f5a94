// The inverse of reenable: comment a heavy module's import out again, with
// a note saying why and when, then rebuild without it.
import type { Procedure } from '../src/engine/types.js';
import { newGenerationRunning, verify } from '../src/step-kinds/checks.js';
import { rebuild } from '../src/step-kinds/rebuild.js';
import { commentOutImport } from '../src/step-kinds/set-options.js';
import { knownModules } from './reenable.js';

/**
 * The note on the commented line: `DISABLED: REASON (DATE)` with --reason,
 * else `DISABLED by tune-wizard (DATE)`. reenable recognises both, and the
 * older `DISABLED: disabled with tune-wizard (DATE)`, by their `DISABLED`.
 */
export function disabledNote(reason: string | undefined, today: string): string {
  return reason === undefined ? `DISABLED by tune-wizard (${today})` : `DISABLED: ${reason.trim()} (${today})`;
}

/**
 * `earlier` is the exact line a previous reenable removed, when the journal
 * has it: disabling again then gives back the very same bytes.
 */
export function disable(name: string, reason: string | undefined, today: string, earlier?: string): Procedure {
  const importPath = knownModules[name] ?? name;
  return {
    name: 'disable',
    summary: `Comment ${importPath} out of the host's modules, with a note, and rebuild without it.`,
    steps: [
      commentOutImport({
        title: `Comment out ${importPath} in flake.nix`,
        importPath,
        comment: { note: disabledNote(reason, today), exact: earlier },
      }),
      rebuild({ watchMemory: false }),
      verify('the new generation is running', newGenerationRunning()),
    ],
  };
}
