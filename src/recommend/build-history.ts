// Peak memory per build job from the user's own rebuild history, where the
// run journal (issue 5, $XDG_STATE_HOME/tune-wizard) has recorded it.
// Reads run records shaped { rebuild: { peakMemoryBytes, maxJobs, cores } }
// under runs/; anything else is ignored, so until the journal writes that
// field, recommend falls back to its stated assumption.
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface BuildPeak {
  /** The highest peak of any recorded rebuild, divided by its max-jobs. */
  perJobBytes: number;
  /** Threads each job could use in that rebuild (its cores setting). */
  coresPerJob: number;
  runs: number;
}

export function findStateDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local/state');
  return path.join(base, 'tune-wizard');
}

export async function findBuildPeak(stateDir: string, cpus: number): Promise<BuildPeak | undefined> {
  const runsDir = path.join(stateDir, 'runs');
  const names = await readdir(runsDir).catch(() => [] as string[]);
  let best: BuildPeak | undefined;
  let runs = 0;
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const record = await readRebuild(path.join(runsDir, name));
    if (!record) continue;
    runs++;
    const jobs = record.maxJobs === 'auto' ? cpus : record.maxJobs;
    const perJobBytes = record.peakMemoryBytes / Math.max(1, jobs);
    if (!best || perJobBytes > best.perJobBytes) {
      best = { perJobBytes, coresPerJob: record.cores === 0 ? cpus : record.cores, runs: 0 };
    }
  }
  return best && { ...best, runs };
}

interface RebuildRecord {
  peakMemoryBytes: number;
  maxJobs: number | 'auto';
  cores: number;
}

async function readRebuild(file: string): Promise<RebuildRecord | undefined> {
  try {
    const rebuild = (JSON.parse(await readFile(file, 'utf8')) as { rebuild?: Partial<RebuildRecord> }).rebuild;
    const { peakMemoryBytes, maxJobs, cores } = rebuild ?? {};
    if (typeof peakMemoryBytes !== 'number' || peakMemoryBytes <= 0) return undefined;
    if (maxJobs !== 'auto' && (typeof maxJobs !== 'number' || maxJobs < 1)) return undefined;
    if (typeof cores !== 'number' || cores < 0) return undefined;
    return { peakMemoryBytes, maxJobs, cores };
  } catch {
    return undefined;
  }
}
