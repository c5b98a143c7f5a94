import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { makeBuildDir, markKept, sweepAbandonedBuildDirs } from '../../src/rebuild/build-dirs.js';

// A pid that was just used and is gone: a finished child's.
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('build directories', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'tune-wizard-build-dirs-test-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('names the directory after this process', () => {
    const dir = makeBuildDir(tmp);
    expect(path.basename(dir)).toMatch(new RegExp(`^tune-wizard-build-${process.pid}-`));
    expect(existsSync(dir)).toBe(true);
  });

  it('removes an empty directory left by a process that is gone, and nothing else', () => {
    const gone = deadPid();
    const abandoned = path.join(tmp, `tune-wizard-build-${gone}-aaaaaa`);
    const live = path.join(tmp, `tune-wizard-build-${process.ppid}-cccccc`);
    const oldStyle = path.join(tmp, 'tune-wizard-build-dddddd');
    const other = path.join(tmp, `someone-else-${gone}-eeeeee`);
    for (const dir of [abandoned, live, oldStyle, other]) mkdirSync(dir);

    sweepAbandonedBuildDirs(tmp);

    expect(existsSync(abandoned)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(oldStyle)).toBe(true);
    expect(existsSync(other)).toBe(true);
  });

  it('removes the result link of a killed run (the link, not its target), and keeps one --mode build marked to stay', () => {
    const gone = deadPid();
    const target = path.join(tmp, 'closure');
    mkdirSync(target);
    writeFileSync(path.join(target, 'kept'), 'x');
    const killed = path.join(tmp, `tune-wizard-build-${gone}-bbbbbb`);
    const kept = path.join(tmp, `tune-wizard-build-${gone}-ffffff`);
    const withFile = path.join(tmp, `tune-wizard-build-${gone}-gggggg`);
    for (const dir of [killed, kept, withFile]) {
      mkdirSync(dir);
      symlinkSync(target, path.join(dir, 'result'));
    }
    markKept(kept);
    writeFileSync(path.join(withFile, 'notes'), 'not a link');

    sweepAbandonedBuildDirs(tmp);

    expect(existsSync(killed)).toBe(false);
    expect(readlinkSync(path.join(kept, 'result'))).toBe(target);
    // Something else in it: the directory stays, without its result link.
    expect(readdirSync(withFile)).toEqual(['notes']);
    expect(readdirSync(target)).toEqual(['kept']);
  });

  it('says nothing when the temp directory cannot be read', () => {
    expect(() => sweepAbandonedBuildDirs(path.join(tmp, 'missing'))).not.toThrow();
  });
});
