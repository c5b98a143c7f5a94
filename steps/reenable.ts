// The seed's "Re-enable Procedure": bring a heavy module back.
//   1-2. the memory optimizations are active and there is headroom;
//   3.   uncomment the module's line in flake.nix;
//   4-5. rebuild and switch, watching memory.
import { shellCommand } from '../src/engine/shell-words.js';
import type { CheckResult, Procedure, RunContext } from '../src/engine/types.js';
import { isRoot, planRebuildCommands } from '../src/rebuild/rebuild-commands.js';
import {
  gate,
  headroomAtLeast,
  ONE_CLEAR_VALUE,
  importIsListed,
  newGenerationRunning,
  nixConfMatchesConfig,
  sysctlMatchesConfig,
  verify,
  zramActive,
} from '../src/step-kinds/checks.js';
import { rebuild } from '../src/step-kinds/rebuild.js';
import { uncommentImport } from '../src/step-kinds/set-options.js';

/** Short names for the modules the seed disabled. */
export const knownModules: Record<string, string> = {
  'unified-llm': './modules/ml/offload',
};

/**
 * The running system does not show a setting the configuration makes:
 * switching to this very flake and host may help. When the configuration
 * has no one literal value (computed, conflicting), switching cannot.
 */
export function notApplied(ctx: RunContext, result: CheckResult): string {
  if (result.needed === ONE_CLEAR_VALUE) {
    return 'tune-wizard compares only a value written out as a literal, so switching will not help: write the option as one plain value (or make its definitions agree), then run again.';
  }
  const options = { ...ctx.options.rebuild, mode: 'switch' as const, extraArgs: [] };
  const command = planRebuildCommands(ctx.flakeDir, ctx.host, options, isRoot()).final!;
  return `The running system does not show what the configuration says: switch to the configuration first (\`${shellCommand(command)}\`), or find what else sets it, then run again.`;
}

export function reenable(name: string): Procedure {
  const importPath = knownModules[name] ?? name;
  return {
    name: 'reenable',
    summary: `Bring ${importPath} back into the host's modules, once memory is ready for it.`,
    steps: [
      gate(`${importPath} is commented out in flake.nix`, importIsListed(importPath)),
      gate('zram swap is active and uses zstd', zramActive('zstd'), undefined, 'Rebuild with the memory module enabled (zramSwap with algorithm "zstd") and run again.'),
      gate('vm.swappiness is what the configuration says', sysctlMatchesConfig('vm.swappiness', 'boot.kernel.sysctl."vm.swappiness"', { type: 'int', value: 60 }), undefined, notApplied),
      gate('max-jobs in nix.conf is what the configuration says', nixConfMatchesConfig('max-jobs', 'nix.settings.max-jobs', ['nix.maxJobs'], { type: 'string', value: 'auto' }), undefined, notApplied),
      gate('cores in nix.conf is what the configuration says', nixConfMatchesConfig('cores', 'nix.settings.cores', ['nix.buildCores', 'nix.settings.build-cores'], { type: 'int', value: 0 }), undefined, notApplied),
      gate('enough memory headroom for a heavy build', headroomAtLeast(), undefined, 'Free memory (close programs, stop services) or lower --min-headroom, then run again.'),
      uncommentImport({ title: `Uncomment ${importPath} in flake.nix`, importPath }),
      rebuild({ watchMemory: true }),
      verify('the new generation is running', newGenerationRunning()),
      verify('zram swap is still active after the build', zramActive('zstd')),
    ],
  };
}
