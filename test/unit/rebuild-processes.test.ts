// Finding a nixos-rebuild running anywhere on the machine from a fixture
// /proc: its pid, its user (from /etc/passwd) and its command, leaving out
// this process's own children.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { describeRunningRebuild, findRunningRebuilds, isRebuildCommand } from '../../src/system/rebuild-processes.js';
import { Sysroot } from '../../src/system/sysroot.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'tune-wizard-procs-'));
  mkdirSync(path.join(root, 'etc'));
  writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\nalice:x:1000:100::/home/alice:/bin/sh\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function addProcess(pid: number, argv: string[], uid?: number, ppid = 1): void {
  const dir = path.join(root, 'proc', String(pid));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'cmdline'), `${argv.join('\0')}\0`);
  writeFileSync(path.join(dir, 'stat'), `${pid} (${path.basename(argv[0] ?? 'x')}) S ${ppid} ${pid} ${pid} 0 -1 0`);
  if (uid !== undefined) writeFileSync(path.join(dir, 'status'), `Name:\tx\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\n`);
}

describe('running nixos-rebuild processes', () => {
  it('recognises nixos-rebuild however it was started, and nothing else', () => {
    expect(isRebuildCommand(['nixos-rebuild', 'switch'])).toBe(true);
    expect(isRebuildCommand(['/run/current-system/sw/bin/bash', '/nix/store/x-nixos-rebuild/bin/nixos-rebuild', 'build'])).toBe(true);
    expect(isRebuildCommand(['sudo', 'nixos-rebuild', 'switch', '--flake', '.#h'])).toBe(true);
    expect(isRebuildCommand(['/nix/store/y-python3/bin/python3', '/nix/store/z/bin/.nixos-rebuild-ng-wrapped', 'boot'])).toBe(true);
    expect(isRebuildCommand(['vim', 'nixos-rebuild'])).toBe(false);
    expect(isRebuildCommand(['grep', 'nixos-rebuild', 'notes'])).toBe(false);
    expect(isRebuildCommand(['bash', 'build.sh', 'nixos-rebuild'])).toBe(false);
    expect(isRebuildCommand([])).toBe(false);
  });

  it('names pid, user and command, lowest pid first, and leaves out the children of this process', async () => {
    addProcess(900, ['bash', '/nix/store/x-nixos-rebuild/bin/nixos-rebuild', 'switch', '--flake', '/etc/nixos#h'], 0);
    addProcess(77, ['nixos-rebuild', 'build'], 1000);
    addProcess(78, ['nixos-rebuild', 'build'], 4321);
    addProcess(79, ['nixos-rebuild', 'build']); // status unreadable
    addProcess(500, ['nixos-rebuild', 'build'], 1000, 400); // started by pid 400, standing for "this run"
    addProcess(501, ['nix-daemon', '--daemon'], 0);
    mkdirSync(path.join(root, 'proc/self'));

    const found = await findRunningRebuilds(new Sysroot(root), 400);

    expect(found.map((p) => [p.pid, p.user])).toEqual([[77, 'alice'], [78, 'uid 4321'], [79, undefined], [900, 'root']]);
    expect(describeRunningRebuild(found[3]!, 'Not started.')).toBe(
      'nixos-rebuild is already running on this machine (pid 900, user root): `bash /nix/store/x-nixos-rebuild/bin/nixos-rebuild switch --flake /etc/nixos#h`. Not started. Wait for it to finish, or stop it if it is a build nobody needs, then run again.',
    );
  });

  it('finds none without a readable /proc', async () => {
    expect(await findRunningRebuilds(new Sysroot(path.join(root, 'missing')))).toEqual([]);
  });
});
