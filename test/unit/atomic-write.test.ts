// writeFileAtomic on real files in a temporary directory.
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { writeFileAtomic } from '../../src/system/atomic-write.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tune-wizard-atomic-'));
});
afterEach(() => {
  delete process.env.TUNE_WIZARD_TEST_WRITE_ERROR;
  rmSync(dir, { recursive: true, force: true });
});

const isRoot = process.getuid?.() === 0;

describe('writeFileAtomic', () => {
  it('replaces the bytes and keeps the mode', async () => {
    const file = path.join(dir, 'memory.nix');
    writeFileSync(file, 'old\n');
    chmodSync(file, 0o640);

    await writeFileAtomic(file, Buffer.from('new\n'));

    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(statSync(file).mode & 0o7777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(['memory.nix']);
  });

  it.skipIf(!isRoot)('keeps the owner and group (as root)', async () => {
    const file = path.join(dir, 'nix.nix');
    writeFileSync(file, 'old\n');
    chownSync(file, 1234, 5678);

    await writeFileAtomic(file, Buffer.from('new\n'));

    expect(statSync(file)).toMatchObject({ uid: 1234, gid: 5678 });
  });

  it('writes through a symlink to its target, which stays a regular file', async () => {
    const target = path.join(dir, 'checkout', 'hardening.nix');
    const link = path.join(dir, 'hardening.nix');
    mkdirSync(path.dirname(target));
    writeFileSync(target, 'old\n');
    symlinkSync(target, link);

    await writeFileAtomic(link, Buffer.from('new\n'));

    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(lstatSync(target).isFile()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('new\n');
  });

  it.each([
    ['ENOSPC', 'no space left on device; free some space and run again (nothing was written to it)'],
    ['EROFS', 'read-only file system; remount it read-write, or point --flake at a writable checkout'],
    ['EACCES', 'permission denied; run with sudo, or point --flake at a checkout you can write'],
  ])('on %s names the file, says what to do, leaves the old bytes and no temporary file', async (code, reason) => {
    const file = path.join(dir, 'flake.nix');
    writeFileSync(file, 'old\n');
    process.env.TUNE_WIZARD_TEST_WRITE_ERROR = `${code}@${dir}`;

    await expect(writeFileAtomic(file, Buffer.from('new\n'))).rejects.toThrow(`cannot write ${file}: ${reason}`);

    expect(readFileSync(file, 'utf8')).toBe('old\n');
    expect(readdirSync(dir)).toEqual(['flake.nix']);
  });
});
