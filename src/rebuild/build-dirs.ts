// The temporary directory each `nixos-rebuild build` runs in (its ./result
// link lands there). The name carries tune-wizard's pid, so a directory left
// by a run that was killed outright (SIGKILL, power loss) can be recognised
// and removed by the next rebuild: only when that process is gone and the
// directory is empty. A directory holding a result link is never touched:
// `--mode build` leaves it on purpose.
import { mkdtempSync, readdirSync, rmdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PREFIX = 'tune-wizard-build-';

export function makeBuildDir(tmp = os.tmpdir()): string {
  sweepAbandonedBuildDirs(tmp);
  return mkdtempSync(path.join(tmp, `${PREFIX}${process.pid}-`));
}

/** Removes empty build directories whose tune-wizard process is gone. */
export function sweepAbandonedBuildDirs(tmp: string): void {
  let names: string[];
  try {
    names = readdirSync(tmp);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^tune-wizard-build-(\d+)-/.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || isRunning(Number(pid))) continue;
    try {
      rmdirSync(path.join(tmp, name)); // fails, and so keeps it, unless empty
    } catch {
      // not empty, not ours, or gone already
    }
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
