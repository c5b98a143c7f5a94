// `recommend --apply`: write the suggested numbers the way rollback writes
// its own, then rebuild and check the running system shows them.
//   1. nix.settings.max-jobs and cores, as mkDefault;
//   2. zramSwap.memoryPercent;
//   3. boot.kernel.sysctl."vm.swappiness";
//   4. nixos-rebuild switch, then the same checks `check` makes.
import type { Procedure } from '../src/engine/types.js';
import { SUGGESTION_OPTIONS, type Suggestion } from '../src/recommend/plan-recommendation.js';
import type { RecommendReport } from '../src/recommend/recommend-command.js';
import { newGenerationRunning, nixConfIs, sysctlIs, verify, zramSizeIs } from '../src/step-kinds/checks.js';
import { rebuild } from '../src/step-kinds/rebuild.js';
import { setOptions } from '../src/step-kinds/set-options.js';

const int = (value: number) => ({ type: 'int', value }) as const;

export function recommendProcedure(report: RecommendReport): Procedure {
  const value = (setting: Suggestion['setting']): number =>
    report.recommendation.suggestions.find((s) => s.setting === setting)!.value;
  const target = (setting: Suggestion['setting']) => ({ ...SUGGESTION_OPTIONS[setting], value: int(value(setting)) });
  const [jobs, cores, zram, swappiness] = [value('max-jobs'), value('cores'), value('zram'), value('swappiness')];

  return {
    name: 'recommend',
    summary: `Write the suggested numbers: max-jobs ${jobs}, cores ${cores}, zram ${zram}%, swappiness ${swappiness}.`,
    steps: [
      setOptions({
        title: `Set max-jobs ${jobs} and cores ${cores}`,
        group: 'cpu',
        targets: [
          { ...target('max-jobs'), wrapPlainIn: 'mkDefault' },
          { ...target('cores'), wrapPlainIn: 'mkDefault' },
        ],
      }),
      setOptions({ title: `Set zram to ${zram}% of RAM`, group: 'zram', targets: [target('zram')] }),
      setOptions({ title: `Set vm.swappiness to ${swappiness}`, group: 'swappiness', targets: [target('swappiness')] }),
      rebuild({ watchMemory: false }),
      verify('the new generation is running', newGenerationRunning()),
      verify(`max-jobs in nix.conf is ${jobs}`, nixConfIs('max-jobs', int(jobs)), 'cpu'),
      verify(`cores in nix.conf is ${cores}`, nixConfIs('cores', int(cores)), 'cpu'),
      verify(`zram is ${zram}% of RAM`, zramSizeIs(zram), 'zram'),
      verify(`vm.swappiness is ${swappiness}`, sysctlIs('vm.swappiness', int(swappiness)), 'swappiness'),
    ],
  };
}
