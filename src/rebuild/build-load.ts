// How heavy a build was, for the journal and `recommend`: the memory the
// build added at its peak (the most in use while it ran, less what was in use
// when it started), and the parallelism it ran with: nix.conf's max-jobs and
// cores as the running system has them, unless `--` overrode them.
import type { BuildLoad } from '../journal/records.js';

export interface Parallelism {
  maxJobs: number | 'auto';
  cores: number;
}

/** Nix's own defaults are max-jobs = 1 and cores = 0 (all of them). */
export function parallelismInEffect(nixConf: Map<string, string>, extraArgs: string[]): Parallelism {
  let maxJobs = parseJobs(nixConf.get('max-jobs')) ?? 1;
  let cores = parseCount(nixConf.get('cores')) ?? 0;
  for (let i = 0; i < extraArgs.length; i++) {
    const arg = extraArgs[i]!;
    const [flag, inline] = arg.startsWith('--') ? (arg.split('=', 2) as [string, string | undefined]) : [arg, undefined];
    if (flag === '--max-jobs' || flag === '-j') maxJobs = parseJobs(inline ?? extraArgs[++i]) ?? maxJobs;
    else if (/^-j\d+$/.test(flag)) maxJobs = Number(flag.slice(2));
    else if (flag === '--cores') cores = parseCount(inline ?? extraArgs[++i]) ?? cores;
  }
  return { maxJobs, cores };
}

export function buildLoad(peakUsedBytes: number, usedAtStartBytes: number, parallelism: Parallelism): BuildLoad | undefined {
  const peakMemoryBytes = peakUsedBytes - usedAtStartBytes;
  return peakMemoryBytes > 0 ? { peakMemoryBytes, ...parallelism } : undefined;
}

function parseJobs(value: string | undefined): number | 'auto' | undefined {
  if (value?.trim() === 'auto') return 'auto';
  const n = parseCount(value);
  return n !== undefined && n >= 1 ? n : undefined;
}

function parseCount(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value);
}
