// A build a killed tune-wizard left running. tune-wizard records each
// build's process group in the run's journal as it starts and again when
// it is gone; a run killed outright (kill -9, a crash) never writes the
// second record, and its build goes on unwatched. The next run, undo and
// history find it, say so, and a run that would build refuses to start a
// second build alongside it. Nothing here ever signals a process.
import { shellCommand } from '../engine/shell-words.js';
import type { Ui } from '../engine/ui.js';
import { UserError } from '../errors.js';
import { formatTime } from '../system/local-time.js';
import { isGroupStillRunning } from '../system/process-identity.js';
import type { BuildStartedRecord, RunEntry } from './records.js';
import { isAlive } from './run-lock.js';
import { listRuns } from './run-journal.js';

export interface LiveBuild {
  run: RunEntry;
  build: BuildStartedRecord;
}

/** Recorded builds whose process group is still running. */
export function findLiveBuilds(runs: RunEntry[]): LiveBuild[] {
  const live: LiveBuild[] = [];
  for (const run of runs) {
    const ended = new Set<number>();
    for (const record of run.records) if (record.type === 'build-ended') ended.add(record.pid);
    for (const record of run.records) {
      if (record.type !== 'build-started' || ended.has(record.pid)) continue;
      if (isGroupStillRunning(record)) live.push({ run, build: record });
    }
  }
  return live;
}

/** One line: whose build, which process group, what this run does about it and what to do. */
export function describeLiveBuild({ run, build }: LiveBuild, consequence: string, willBuild = true): string {
  const watched = isAlive(run.start.pid);
  const owner = watched
    ? `run ${run.id} is still building (its tune-wizard is pid ${run.start.pid})`
    : `the build of run ${run.id} is still running, unwatched (its tune-wizard, pid ${run.start.pid}, is gone)`;
  // A watched build is stopped through its tune-wizard, which restores its files too.
  const stop = watched ? `stop that run with Ctrl-C in its terminal (or \`kill -INT ${run.start.pid}\`)` : `stop it with \`kill -- -${build.pgid}\``;
  const advice = willBuild ? `Wait for it to finish, or ${stop}, then run again.` : `Before a run that builds, wait for it to finish or ${stop}.`;
  return `${owner}: \`${shellCommand(build.command)}\`, process group ${build.pgid}, started ${formatTime(build.time)}. ${consequence} ${advice}`;
}

/**
 * Before a run: a recorded build still running stops a run that would
 * build (nothing changed); one that would not build is only told.
 */
export async function refuseSecondBuild(stateDir: string, ui: Ui, willBuild: boolean, alternative = ''): Promise<void> {
  const live = findLiveBuilds(await listRuns(stateDir))[0];
  if (!live) return;
  if (willBuild) {
    throw new UserError(describeLiveBuild(live, `Two builds at once are what runs a machine out of memory, so this run does not start a second one; nothing was changed.${alternative}`));
  }
  ui.warn(describeLiveBuild(live, 'This run does not build.', false));
}
