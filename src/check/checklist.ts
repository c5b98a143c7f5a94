// The seed's testing checklist and monitoring commands, as a list of checks
// read like a procedure: one item per line of the report. The configuration
// decides some items (one per sysctl it sets).
import { listAttributeNames } from '../config/attribute-names.js';
import type { RunContext } from '../engine/types.js';
import {
  headroomAtLeast,
  nixConfMatchesConfig,
  sysctlMatchesConfig,
  zramMatchesConfig,
  zramSizeMatchesConfig,
  type Check,
} from '../step-kinds/checks.js';
import { buildThreadsFitCpus, CORES, MAX_JOBS } from './build-checks.js';
import { journalUnderLimit, logDirUnderLimit } from './log-checks.js';
import { memoryPressureIsLow, noOomKillsSinceBoot, overcommitSuitsBuilds, ramIsKnown } from './memory-checks.js';
import { maintenanceTimerRuns } from './service-checks.js';
import { earlyoomFitsSwap, isZramConfigured, zramCompressesWell, zramPriorityFirst } from './swap-checks.js';

export interface CheckItem {
  item: string;
  check: Check;
}

/** The seed's two housekeeping services (modules/system/memory.nix). */
export const MAINTENANCE_SERVICES = ['memory-pressure-relief', 'log-cleanup'];

export async function planChecklist(ctx: RunContext): Promise<CheckItem[]> {
  const sysctls = listAttributeNames(await ctx.configuration(), 'boot.kernel.sysctl');
  return [
    { item: 'RAM', check: ramIsKnown() },
    { item: 'memory headroom', check: asWarning(headroomAtLeast()) },
    { item: 'memory pressure', check: memoryPressureIsLow() },
    { item: 'OOM kills', check: noOomKillsSinceBoot() },
    { item: 'overcommit', check: overcommitSuitsBuilds() },

    { item: 'zram device', check: whenZramConfigured(zramMatchesConfig()) },
    { item: 'zram size', check: whenZramConfigured(zramSizeMatchesConfig()) },
    { item: 'zram compression', check: whenZramConfigured(zramCompressesWell()) },
    { item: 'swap priority', check: whenZramConfigured(zramPriorityFirst()) },
    { item: 'earlyoom', check: earlyoomFitsSwap() },

    ...sysctls.map((key) => ({
      item: key,
      check: sysctlMatchesConfig(key, `boot.kernel.sysctl."${key}"`, { type: 'null' }),
    })),

    { item: 'max-jobs', check: nixConfMatchesConfig('max-jobs', MAX_JOBS.option, MAX_JOBS.aliases, MAX_JOBS.fallback) },
    { item: 'cores', check: nixConfMatchesConfig('cores', CORES.option, CORES.aliases, CORES.fallback) },
    { item: 'build threads', check: buildThreadsFitCpus() },

    { item: '/var/log', check: logDirUnderLimit() },
    { item: 'journal', check: journalUnderLimit() },
    ...MAINTENANCE_SERVICES.map((name) => ({ item: name, check: maintenanceTimerRuns(name) })),
  ];
}

/** A gate's failure is only a warning in the report (headroom changes minute by minute). */
function asWarning(check: Check): Check {
  return async (ctx) => ({ ...(await check(ctx)), level: 'warn' });
}

function whenZramConfigured(check: Check): Check {
  return async (ctx) => {
    if (await isZramConfigured(ctx)) return check(ctx);
    const devices = await ctx.sysroot.zramDevices();
    const shown = devices.length === 0 ? 'no zram device' : `${devices.map((d) => d.name).join(', ')} present`;
    return { ok: devices.length === 0, level: 'warn', measured: `zram: ${shown}`, needed: 'zramSwap not enabled', shown };
  };
}
