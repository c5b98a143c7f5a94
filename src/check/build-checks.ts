// Build parallelism: max-jobs × cores threads against the CPUs there are.
import { configured, type Check } from '../step-kinds/checks.js';
import type { NixLiteral } from '../nix/query.js';

/** The options and their NixOS defaults ("auto" jobs, 0 = every core). */
export const MAX_JOBS = {
  option: 'nix.settings.max-jobs',
  aliases: ['nix.maxJobs'],
  fallback: { type: 'string', value: 'auto' } as NixLiteral,
};
export const CORES = {
  option: 'nix.settings.cores',
  aliases: ['nix.buildCores', 'nix.settings.build-cores'],
  fallback: { type: 'int', value: 0 } as NixLiteral,
};

/** Threads Nix may run at once: "auto" jobs and 0 cores both mean every CPU. */
export function countBuildThreads(jobs: string, cores: string, cpus: number): number | undefined {
  const jobCount = jobs === 'auto' ? cpus : Number(jobs);
  const coreCount = cores === '0' ? cpus : Number(cores);
  if (!Number.isInteger(jobCount) || !Number.isInteger(coreCount)) return undefined;
  return jobCount * coreCount;
}

function literalText(value: NixLiteral | string): string | undefined {
  if (typeof value === 'string' || value.type === 'null') return undefined;
  return String(value.value);
}

export function buildThreadsFitCpus(): Check {
  return async (ctx) => {
    const cpus = await ctx.sysroot.cpuCount();
    const jobs = literalText(await configured(ctx, MAX_JOBS.option, MAX_JOBS.aliases, MAX_JOBS.fallback));
    const cores = literalText(await configured(ctx, CORES.option, CORES.aliases, CORES.fallback));
    const wantedThreads = jobs && cores && cpus ? countBuildThreads(jobs, cores, cpus) : undefined;
    const threadsText = wantedThreads ? ` = ${wantedThreads} threads` : '';
    const needed = jobs && cores ? `${jobs} × ${cores}${threadsText}` : 'computed in the configuration';
    if (cpus === undefined) {
      return { ok: false, level: 'skip', measured: 'CPU count not readable', needed, shown: 'CPU count not readable' };
    }

    const conf = await ctx.sysroot.nixConf();
    const runningJobs = conf.get('max-jobs') ?? '1';
    const runningCores = conf.get('cores') ?? '0';
    const threads = countBuildThreads(runningJobs, runningCores, cpus);
    const shown = `${runningJobs} × ${runningCores} = ${threads ?? '?'} threads on ${cpus} CPUs`;
    const fits = threads !== undefined && threads <= cpus;
    const detail = threads !== undefined && !fits
      ? `${threads} compiler threads on ${cpus} CPUs compete for memory as well as time; see tune-wizard recommend.`
      : undefined;
    return { ok: fits, level: 'warn', measured: `build threads ${shown}`, needed, shown, detail };
  };
}
