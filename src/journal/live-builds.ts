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
import { describeRunningRebuild, findRunningRebuilds } from '../system/rebuild-processes.js';
import type { Sysroot } from '../system/sysroot.js';
import { isAlive, isGroupStillRunning } from '../system/process-identity.js';
import type { BuildStartedRecord, RunEntry } from './records.js';
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

/** The recorded phase: `build` (also for journals from before phases were recorded), or the final mode. */
export function phaseOf(build: BuildStartedRecord): string {
  return build.phase ?? 'build';
}

/** One line: whose build, which process group, what this run does about it and what to do. */
export function describeLiveBuild({ run, build }: LiveBuild, consequence: string, willBuild = true): string {
  const watched = isAlive(run.start.pid);
  const phase = phaseOf(build);
  const doing = phase === 'build' ? 'building' : `running ${phase}`;
  const owner = watched
    ? `run ${run.id} is still ${doing} (its tune-wizard is pid ${run.start.pid})`
    : `the ${phase} of run ${run.id} is still running, unwatched (its tune-wizard, pid ${run.start.pid}, is gone)`;
  // A watched build is stopped through its tune-wizard, which restores its files too.
  // An activation is never stopped halfway: only waited for.
  const stop = phase !== 'build' ? undefined : watched ? `stop that run with Ctrl-C in its terminal (or \`kill -INT ${run.start.pid}\`)` : `stop it with \`kill -- -${build.pgid}\``;
  const advice = stop
    ? willBuild ? `Wait for it to finish, or ${stop}, then run again.` : `Before a run that builds, wait for it to finish or ${stop}.`
    : willBuild ? 'Wait for it to finish (stopping it halfway would leave the system half-switched), then run again.' : 'Before a run that builds, wait for it to finish.';
  return `${owner}: \`${shellCommand(build.command)}\`, process group ${build.pgid}, started ${formatTime(build.time)}. ${consequence} ${advice}`;
}


const REFUSAL = 'Two builds at once are what runs a machine out of memory, so this run does not start a second one; nothing was changed.';

/**
 * Before a run: a recorded build (or switch) still running, or any
 * nixos-rebuild running on the machine (found in <sysroot>/proc, whoever
 * started it), stops a run that would build (nothing changed); one that
 * would not build is only told.
 */
export async function refuseSecondBuild(stateDir: string, sysroot: Sysroot, ui: Ui, willBuild: boolean, alternative = ''): Promise<void> {
  const live = findLiveBuilds(await listRuns(stateDir))[0];
  if (live) {
    if (willBuild) throw new UserError(describeLiveBuild(live, `${REFUSAL}${alternative}`));
    ui.warn(describeLiveBuild(live, 'This run does not build.', false));
    return;
  }
  await refuseRunningRebuild(sysroot, ui, willBuild, alternative);
}

/** Any nixos-rebuild running on the machine, not started by this process. */
export async function refuseRunningRebuild(sysroot: Sysroot, ui: Ui, willBuild: boolean, alternative = ''): Promise<void> {
  const running = (await findRunningRebuilds(sysroot))[0];
  if (!running) return;
  if (willBuild) throw new UserError(describeRunningRebuild(running, `${REFUSAL}${alternative}`));
  ui.warn(describeRunningRebuild(running, 'This run does not build.', false));
}
