// Peak memory per build job from the user's own rebuilds, as the run journal
// ($XDG_STATE_HOME/tune-wizard/runs/<RUN>/journal.jsonl) records them: each
// finished build's `rebuild` record carries the memory it added at its peak
// and the max-jobs and cores it ran with (src/rebuild/build-load.ts).
import { listRuns } from '../journal/run-journal.js';
import type { RebuildRecord } from '../journal/records.js';

export interface BuildPeak {
  /** The highest peak of any recorded rebuild, divided by its max-jobs. */
  perJobBytes: number;
  /** Threads each job could use in that rebuild (its cores setting). */
  coresPerJob: number;
  runs: number;
}

export async function findBuildPeak(stateDir: string, cpus: number): Promise<BuildPeak | undefined> {
  let best: BuildPeak | undefined;
  let runs = 0;
  for (const run of await listRuns(stateDir)) {
    for (const record of run.records) {
      if (record.type !== 'rebuild' || !isMeasured(record)) continue;
      runs++;
      const jobs = record.maxJobs === 'auto' ? cpus : record.maxJobs;
      const perJobBytes = record.peakMemoryBytes / Math.max(1, jobs);
      if (!best || perJobBytes > best.perJobBytes) {
        best = { perJobBytes, coresPerJob: record.cores === 0 ? cpus : record.cores, runs: 0 };
      }
    }
  }
  return best && { ...best, runs };
}

type MeasuredRebuild = RebuildRecord & Required<Pick<RebuildRecord, 'peakMemoryBytes' | 'maxJobs' | 'cores'>>;

function isMeasured(record: RebuildRecord): record is MeasuredRebuild {
  const { peakMemoryBytes, maxJobs, cores } = record;
  if (typeof peakMemoryBytes !== 'number' || peakMemoryBytes <= 0) return false;
  if (maxJobs !== 'auto' && (typeof maxJobs !== 'number' || maxJobs < 1)) return false;
  return typeof cores === 'number' && cores >= 0;
}
