// The numbers recommend suggests, worked out from the machine alone: RAM,
// CPUs, zram, and what one build thread needs. Pure, so every rule is
// tested with a table of machines.
import { formatBytes } from '../system/units.js';
import type { BuildPeak } from './build-history.js';

export interface MachineFacts {
  memTotal: number;
  cpus: number;
  /** zram is in use, or the configuration turns it on. */
  hasZram: boolean;
  /** Measured compression ratio, when zram holds data. */
  zramRatio: number | undefined;
}

export interface Suggestion {
  setting: 'max-jobs' | 'cores' | 'zram' | 'swappiness';
  value: number;
  /** How the value reads in the table: "4", "50% of RAM". */
  text: string;
  reason: string;
}

export interface Recommendation {
  threads: number;
  perThreadBytes: number;
  basis: string;
  suggestions: Suggestion[];
}

/** Without history: rustc and g++ commonly peak at 0.5-2 GiB per thread. */
export const ASSUMED_BYTES_PER_THREAD = 1024 ** 3;
/** Builds get three quarters of RAM; the rest is the desktop, the page cache and the daemon. */
const BUILD_SHARE = 0.75;
const ASSUMED_RATIO = 2.5;

export function planRecommendation(machine: MachineFacts, peak: BuildPeak | undefined): Recommendation {
  const perThreadBytes = peak ? peak.perJobBytes / Math.max(1, peak.coresPerJob) : ASSUMED_BYTES_PER_THREAD;
  const basis = peak
    ? `your rebuild history: a build job peaked at ${formatBytes(peak.perJobBytes)} with ${peak.coresPerJob} cores (${peak.runs} ${peak.runs === 1 ? 'run' : 'runs'})`
    : `assumed ${formatBytes(ASSUMED_BYTES_PER_THREAD)} per compiler thread (no peak memory in the run journal yet)`;

  const budget = machine.memTotal * BUILD_SHARE;
  const byMemory = Math.max(1, Math.floor(budget / perThreadBytes));
  const threads = Math.min(machine.cpus, byMemory);
  const { jobs, cores } = splitThreads(threads);
  const limit = byMemory < machine.cpus
    ? `${formatBytes(budget)} for builds / ${formatBytes(perThreadBytes)} per thread = ${byMemory} threads, fewer than ${machine.cpus} CPUs`
    : `${machine.cpus} CPUs, and ${formatBytes(budget)} for builds covers ${byMemory} threads`;

  const zramPercent = machine.memTotal <= 8 * 1024 ** 3 ? 100 : machine.memTotal <= 32 * 1024 ** 3 ? 50 : 25;
  const ratio = machine.zramRatio ?? ASSUMED_RATIO;
  const ratioSource = machine.zramRatio === undefined ? 'assumed for zstd' : 'measured';
  const zramBytes = (machine.memTotal * zramPercent) / 100;

  return {
    threads,
    perThreadBytes,
    basis,
    suggestions: [
      { setting: 'max-jobs', value: jobs, text: String(jobs), reason: `${jobs} × ${cores} = ${jobs * cores} threads at most: ${limit}.` },
      { setting: 'cores', value: cores, text: String(cores), reason: `Split about evenly: many derivations build on one thread, the heavy ones use all ${cores}.` },
      {
        setting: 'zram',
        value: zramPercent,
        text: `${zramPercent}% of RAM`,
        reason: `${formatBytes(zramBytes)} of swap costs at most ${formatBytes(zramBytes / ratio)} of RAM at ${ratio.toFixed(1)}:1 (${ratioSource}); ${zramPercent === 100 ? 'small machines gain most' : zramPercent === 50 ? 'the NixOS default suits mid-sized RAM' : 'large RAM needs zram only for peaks'}.`,
      },
      machine.hasZram
        ? { setting: 'swappiness', value: 150, text: '150', reason: 'Swapping to zram is cheaper than re-reading evicted files from disk; above 100 the kernel prefers it.' }
        : { setting: 'swappiness', value: 60, text: '60', reason: 'Swap here is on disk (or absent): keep the kernel default so build memory is not pushed to slow disk early.' },
    ],
  };
}

/**
 * jobs × cores as close to `threads` as it gets with the two about equal
 * (within 2); on a tie, more jobs, since most derivations use one thread.
 */
export function splitThreads(threads: number): { jobs: number; cores: number } {
  let best = { jobs: 1, cores: 1 };
  for (let jobs = 1; jobs <= threads; jobs++) {
    const cores = Math.floor(threads / jobs);
    if (cores < 1 || Math.abs(jobs - cores) > 2) continue;
    if (jobs * cores >= best.jobs * best.cores) best = { jobs, cores };
  }
  return best;
}
