// The temporary directory each `nixos-rebuild build` runs in (its ./result
// link lands there). The name carries tune-wizard's pid, so a directory left
// by a run that was killed outright (SIGKILL, power loss) can be recognised
// and removed by the next rebuild once that process is gone. A result link
// there is a garbage-collector root pinning a whole system closure, so an
// abandoned one is removed too (the link itself, never what it points at).
// Only a directory marked to stay (`--mode build` leaves its result on
// purpose, see markKept) is never touched.
import { lstatSync, mkdtempSync, readdirSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { isAlive } from '../system/process-identity.js';

const PREFIX = 'tune-wizard-build-';
/** Written into a build directory whose result link is meant to stay. */
export const KEEP_MARKER = '.tune-wizard-keep';

export function makeBuildDir(tmp = os.tmpdir()): string {
  sweepAbandonedBuildDirs(tmp);
  return mkdtempSync(path.join(tmp, `${PREFIX}${process.pid}-`));
}

/** Marks a build directory as left on purpose: the sweep keeps it and its result link. */
export function markKept(dir: string): void {
  writeFileSync(path.join(dir, KEEP_MARKER), 'The result link here was left on purpose by `tune-wizard --mode build`.\n');
}

/**
 * Removes the build directories of tune-wizard processes that are gone and
 * did not mark them to stay: their symbolic links (a result link) first,
 * then the directory, which is kept if anything else is in it.
 */
export function sweepAbandonedBuildDirs(tmp: string): void {
  let names: string[];
  try {
    names = readdirSync(tmp);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^tune-wizard-build-(\d+)-/.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || isAlive(Number(pid))) continue;
    const dir = path.join(tmp, name);
    try {
      if (!lstatSync(dir).isDirectory()) continue;
      const entries = readdirSync(dir);
      if (entries.includes(KEEP_MARKER)) continue;
      for (const entry of entries) {
        const file = path.join(dir, entry);
        if (lstatSync(file).isSymbolicLink()) unlinkSync(file); // the link, never its target
      }
      rmdirSync(dir); // fails, and so keeps it, unless empty now
    } catch {
      // not ours, not empty, or gone already
    }
  }
}
