// The seed's "Rollback Procedure": undo the build-memory tuning.
//   1. max-jobs = mkDefault "auto"; cores = mkDefault 0;
//   2. zramSwap.memoryPercent = 25;
//   3. "vm.swappiness" = 60;
//   4. nixos-rebuild switch, then check the running system shows all three.
import type { OptionTarget } from '../src/config/option-plan.js';
import type { Procedure } from '../src/engine/types.js';
import { newGenerationRunning, nixConfIs, sysctlIs, verify, zramSizeIs } from '../src/step-kinds/checks.js';
import { rebuild } from '../src/step-kinds/rebuild.js';
import { setOptions } from '../src/step-kinds/set-options.js';

const auto = { type: 'string', value: 'auto' } as const;
const int = (value: number) => ({ type: 'int', value }) as const;

/** What each group of the rollback sets, as data the tests use too. */
export const rollbackTargets: Record<'cpu' | 'zram' | 'swappiness', OptionTarget[]> = {
  cpu: [
    { option: 'nix.settings.max-jobs', aliases: ['nix.maxJobs'], value: auto, wrapPlainIn: 'mkDefault', confKeys: ['max-jobs'], nixosDefault: auto },
    { option: 'nix.settings.cores', aliases: ['nix.buildCores', 'nix.settings.build-cores'], value: int(0), wrapPlainIn: 'mkDefault', confKeys: ['cores', 'build-cores'], nixosDefault: int(0) },
  ],
  zram: [{ option: 'zramSwap.memoryPercent', value: int(25), nixosDefault: int(50), addInto: 'zramSwap' }],
  swappiness: [{ option: 'boot.kernel.sysctl."vm.swappiness"', value: int(60), nixosDefault: int(60) }],
};

export const rollback: Procedure = {
  name: 'rollback',
  summary: 'Undo the build-memory tuning: max-jobs "auto", cores 0, zram 25%, swappiness 60.',
  groups: ['cpu', 'zram', 'swappiness'],
  steps: [
    setOptions({ title: 'Revert CPU settings (max-jobs, cores)', group: 'cpu', targets: rollbackTargets.cpu }),
    setOptions({ title: 'Reduce zram to 25% of RAM', group: 'zram', targets: rollbackTargets.zram }),
    setOptions({ title: 'Lower vm.swappiness to 60', group: 'swappiness', targets: rollbackTargets.swappiness }),
    rebuild({ watchMemory: false }),
    verify('the new generation is running', newGenerationRunning()),
    verify('max-jobs in nix.conf is auto', nixConfIs('max-jobs', auto), 'cpu'),
    verify('cores in nix.conf is 0', nixConfIs('cores', int(0)), 'cpu'),
    verify('zram is 25% of RAM', zramSizeIs(25), 'zram'),
    verify('vm.swappiness is 60', sysctlIs('vm.swappiness', int(60)), 'swappiness'),
  ],
};

