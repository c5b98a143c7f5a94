import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { makeBuildDir, sweepAbandonedBuildDirs } from '../../src/rebuild/build-dirs.js';

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
    const withResult = path.join(tmp, `tune-wizard-build-${gone}-bbbbbb`);
    const live = path.join(tmp, `tune-wizard-build-${process.ppid}-cccccc`);
    const oldStyle = path.join(tmp, 'tune-wizard-build-dddddd');
    const other = path.join(tmp, `someone-else-${gone}-eeeeee`);
    for (const dir of [abandoned, withResult, live, oldStyle, other]) mkdirSync(dir);
    symlinkSync('/nix/store/0000000000000000000000000000000-nixos-system', path.join(withResult, 'result'));

    sweepAbandonedBuildDirs(tmp);

    expect(existsSync(abandoned)).toBe(false);
    expect(existsSync(withResult)).toBe(true); // --mode build keeps its result link
    expect(existsSync(live)).toBe(true);
    expect(existsSync(oldStyle)).toBe(true);
    expect(existsSync(other)).toBe(true);
  });

  it('says nothing when the temp directory cannot be read', () => {
    expect(() => sweepAbandonedBuildDirs(path.join(tmp, 'missing'))).not.toThrow();
  });
});
