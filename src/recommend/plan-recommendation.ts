// The numbers recommend suggests, worked out from the machine alone: RAM,
// CPUs, zram, and what one build thread needs. Pure, so every rule is
// tested with a table of machines.
import { CORES, MAX_JOBS } from '../check/build-checks.js';
import { formatBytes } from '../system/units.js';
import type { BuildPeak } from './build-history.js';

export interface MachineFacts {
  memTotal: number;
  cpus: number;
  /** A /dev/zram device is swap on the machine now (/proc/swaps). */
  zramActive: boolean;
  /** The configuration turns zram on (zramSwap.enable = true). */
  zramConfigured: boolean;
  /** Measured compression ratio, when zram holds data. */
  zramRatio: number | undefined;
}

export interface Suggestion {
  setting: 'max-jobs' | 'cores' | 'zram' | 'swappiness';
  value: number;
  /** How the value reads in the table, with its unit: "4", "50% of RAM". */
  text: string;
  reason: string;
}

export interface Recommendation {
  threads: number;
  perThreadBytes: number;
  basis: string;
  suggestions: Suggestion[];
}

/** The option each suggestion writes (and older names that set it). */
export const SUGGESTION_OPTIONS: Record<Suggestion['setting'], { option: string; aliases: string[] }> = {
  'max-jobs': { option: MAX_JOBS.option, aliases: MAX_JOBS.aliases },
  cores: { option: CORES.option, aliases: CORES.aliases },
  zram: { option: 'zramSwap.memoryPercent', aliases: [] },
  swappiness: { option: 'boot.kernel.sysctl."vm.swappiness"', aliases: [] },
};

/** Without history: rustc and g++ commonly peak at 0.5-2 GiB per thread. */
export const ASSUMED_BYTES_PER_THREAD = 1024 ** 3;
/** Builds get three quarters of RAM; the rest is the desktop, the page cache and the daemon. */
const BUILD_SHARE = 0.75;
const ASSUMED_RATIO = 2.5;

export function planRecommendation(machine: MachineFacts, peak: BuildPeak | undefined): Recommendation {
  const perThreadBytes = peak ? peak.perJobBytes / Math.max(1, peak.coresPerJob) : ASSUMED_BYTES_PER_THREAD;
  const { threads, suggestions } = planParallelism(machine, perThreadBytes);
  return {
    threads,
    perThreadBytes,
    basis: describeBasis(peak),
    suggestions: [...suggestions, planZram(machine), planSwappiness(machine)],
  };
}

function describeBasis(peak: BuildPeak | undefined): string {
  if (!peak) {
    return `assumed ${formatBytes(ASSUMED_BYTES_PER_THREAD)} per compiler thread (no peak memory in the run journal yet)`;
  }
  const runs = `${peak.runs} ${peak.runs === 1 ? 'run' : 'runs'}`;
  return `your rebuild history: a build job peaked at ${formatBytes(peak.perJobBytes)} with ${peak.coresPerJob} cores (${runs})`;
}

/** As many threads as CPUs, unless memory runs out first. */
function planParallelism(machine: MachineFacts, perThreadBytes: number): { threads: number; suggestions: Suggestion[] } {
  const budget = machine.memTotal * BUILD_SHARE;
  const byMemory = Math.max(1, Math.floor(budget / perThreadBytes));
  const threads = Math.min(machine.cpus, byMemory);
  const { jobs, cores } = splitThreads(threads);

  const limit =
    byMemory < machine.cpus
      ? `${formatBytes(budget)} for builds / ${formatBytes(perThreadBytes)} per thread = ${byMemory} threads, fewer than ${machine.cpus} CPUs`
      : `${machine.cpus} CPUs, and ${formatBytes(budget)} for builds covers ${byMemory} threads`;
  return {
    threads,
    suggestions: [
      { setting: 'max-jobs', value: jobs, text: String(jobs), reason: `${jobs} × ${cores} = ${jobs * cores} threads at most: ${limit}.` },
      {
        setting: 'cores',
        value: cores,
        text: String(cores),
        reason: `Split about evenly: many derivations build on one thread, the heavy ones use all ${cores}.`,
      },
    ],
  };
}

function planZram(machine: MachineFacts): Suggestion {
  const GiB = 1024 ** 3;
  const percent = machine.memTotal <= 8 * GiB ? 100 : machine.memTotal <= 32 * GiB ? 50 : 25;
  const why = percent === 100 ? 'small machines gain most' : percent === 50 ? 'the NixOS default suits mid-sized RAM' : 'large RAM needs zram only for peaks';
  const ratio = machine.zramRatio ?? ASSUMED_RATIO;
  const source = machine.zramRatio === undefined ? 'assumed for zstd' : 'measured';
  const bytes = (machine.memTotal * percent) / 100;
  return {
    setting: 'zram',
    value: percent,
    text: `${percent}% of RAM`,
    reason: `${formatBytes(bytes)} of swap costs at most ${formatBytes(bytes / ratio)} of RAM at ${ratio.toFixed(1)}:1 (${source}); ${why}.`,
  };
}

/** By the swap the machine has now: a zram the configuration only promises swaps nothing yet. */
function planSwappiness(machine: MachineFacts): Suggestion {
  if (machine.zramActive) {
    const reason = 'zram is active: swapping to it is cheaper than re-reading evicted files from disk; above 100 the kernel prefers it.';
    return { setting: 'swappiness', value: 150, text: '150', reason };
  }
  if (machine.zramConfigured) {
    const reason =
      'zram is configured but not active (no /dev/zram in /proc/swaps), so swap here is on disk or absent: keep the kernel default; once zram runs, recommend suggests 150.';
    return { setting: 'swappiness', value: 60, text: '60', reason };
  }
  const reason = 'No zram: swap here is on disk (or absent): keep the kernel default so build memory is not pushed to slow disk early.';
  return { setting: 'swappiness', value: 60, text: '60', reason };
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
