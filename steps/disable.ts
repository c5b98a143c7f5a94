// The inverse of reenable: comment a heavy module's import out again, with
// a note saying why and when, then rebuild without it.
import type { Procedure } from '../src/engine/types.js';
import { newGenerationRunning, verify } from '../src/step-kinds/checks.js';
import { rebuild } from '../src/step-kinds/rebuild.js';
import { commentOutImport } from '../src/step-kinds/set-options.js';
import { knownModules } from './reenable.js';

/**
 * `earlier` is the exact line a previous reenable removed, when the journal
 * has it: disabling again then gives back the very same bytes.
 */
export function disable(name: string, reason: string, today: string, earlier?: string): Procedure {
  const importPath = knownModules[name] ?? name;
  return {
    name: 'disable',
    summary: `Comment ${importPath} out of the host's modules, with a note, and rebuild without it.`,
    steps: [
      commentOutImport({
        title: `Comment out ${importPath} in flake.nix`,
        importPath,
        comment: earlier ? { exact: earlier } : { note: `DISABLED: ${reason} (${today})` },
      }),
      rebuild({ title: 'Rebuild and switch', watchMemory: false }),
      verify('the new generation is running', newGenerationRunning()),
    ],
  };
}
