// In a real terminal (tmux): a file edited by hand while the wizard waits at
// a prompt is never overwritten, and a run that finds an earlier run killed
// half-way offers to undo it first.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { changedFiles, makeSandbox, runCli, snapshot, type Sandbox } from '../support/sandbox.js';
import { hasTmux, Terminal } from '../support/terminal.js';

const tmuxAvailable = hasTmux();
const terminal = new Terminal(`tw-journal-${process.pid}`);
let sandbox: Sandbox;

afterEach(() => {
  terminal.close();
  sandbox?.cleanup();
});

function editByHand(relative: string, from: string, to: string): Buffer {
  const file = path.join(sandbox.flake, relative);
  writeFileSync(file, readFileSync(file, 'utf8').replace(from, to));
  return readFileSync(file);
}

describe.skipIf(!tmuxAvailable)('edits made by hand while the wizard waits', () => {
  it('refuses to write a file changed between the diff and the answer, and writes nothing of that step', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);
    terminal.start(sandbox, ['rollback', '--no-rebuild']);

    await terminal.waitFor(/apply this change\?/);
    const edited = editByHand('modules/system/nix.nix', 'keep-outputs = true;', 'keep-outputs = false;');
    terminal.keys('Up', 'Enter');
    const text = await terminal.waitFor(/EXIT=\d+/);

    expect(text).toContain('EXIT=1');
    expect(text).toContain('modules/system/nix.nix was changed by someone else during this run; nothing was written to it.');
    expect(readFileSync(path.join(sandbox.flake, 'modules/system/nix.nix')).equals(edited)).toBe(true);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual(['modules/system/nix.nix']);
  });

  it('refuses a later step on a file an earlier step wrote and the user then edited, and points to undo', async () => {
    sandbox = makeSandbox('tuned');
    terminal.start(sandbox, ['rollback', '--no-rebuild']);

    await terminal.waitFor(/apply this change\?/);
    terminal.keys('Up', 'Enter'); // cpu
    await terminal.waitFor(/apply this change\?/, 2);
    terminal.keys('Up', 'Enter'); // zram: writes memory.nix
    await terminal.waitFor(/apply this change\?/, 3);
    const edited = editByHand('modules/system/memory.nix', 'priority = 10;', 'priority = 5;');
    terminal.keys('Up', 'Enter'); // swappiness: planned against memory.nix as zram left it
    const text = await terminal.waitFor(/EXIT=\d+/);

    expect(text).toContain('EXIT=1');
    expect(text).toContain('modules/system/memory.nix was changed by someone else during this run; nothing was written to it.');
    expect(text).toContain('Stopped by an error: restored modules/system/nix.nix, sec/hardening.nix, modules/security/nix-daemon.nix to their previous bytes.');
    expect(text).toContain('modules/system/memory.nix was edited by someone else after this run wrote it; left as it is.');
    expect(text).toMatch(/this run left 1 file\(s\) changed; `tune-wizard undo` puts them back/);
    expect(readFileSync(path.join(sandbox.flake, 'modules/system/memory.nix')).equals(edited)).toBe(true);
  });
});

describe.skipIf(!tmuxAvailable)('a run that finds an earlier run unfinished', () => {
  it('shows what that run changed, and on yes restores it and goes on', async () => {
    sandbox = makeSandbox('tuned');
    const original = snapshot(sandbox.flake);
    const killed = await runCli(sandbox, ['rollback', '--yes'], { TUNE_WIZARD_TEST_KILL_AT: 'written-recorded@2' });
    expect(killed.exitCode).toBeUndefined();

    terminal.start(sandbox, ['rollback', '--no-rebuild', '--only', 'zram']);
    const offer = await terminal.waitFor(/then go on with this run\?/);
    expect(offer).toMatch(/did not finish: it was killed or crashed/);
    expect(offer).toContain('+        max-jobs = mkDefault 4;  # Was "auto" (12 jobs)');
    terminal.keys('y', 'Enter');
    await terminal.waitFor(/apply this change\?/);
    terminal.keys('Up', 'Enter');
    const text = await terminal.waitFor(/EXIT=\d+/);

    expect(text).toContain('EXIT=0');
    expect(changedFiles(original, snapshot(sandbox.flake))).toEqual(['modules/system/memory.nix']);
  });

  it('on no (the default) stops and changes nothing', async () => {
    sandbox = makeSandbox('tuned');
    await runCli(sandbox, ['rollback', '--yes'], { TUNE_WIZARD_TEST_KILL_AT: 'written-recorded@2' });
    const halfway = snapshot(sandbox.flake);

    terminal.start(sandbox, ['rollback', '--no-rebuild']);
    await terminal.waitFor(/then go on with this run\?/);
    terminal.keys('Enter');
    const text = await terminal.waitFor(/EXIT=\d+/);

    expect(text).toContain('EXIT=1');
    expect(text).toContain('Stopped; nothing was changed. Run `tune-wizard undo`');
    expect(changedFiles(halfway, snapshot(sandbox.flake))).toEqual([]);
  });
});

describe.skipIf(!tmuxAvailable)('undo in a terminal', () => {
  it('Ctrl-C at "Rebuild now?" keeps the files restored and says what to run next', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);
    expect((await runCli(sandbox, ['rollback', '--yes', '--no-rebuild'])).exitCode).toBe(0);
    expect(changedFiles(before, snapshot(sandbox.flake))).not.toEqual([]);

    terminal.start(sandbox, ['undo']);
    await terminal.waitFor(/Restore 4 file\(s\)/);
    terminal.keys('y', 'Enter');
    await terminal.waitFor(/Rebuild now with/);
    terminal.keys('C-c');
    const text = await terminal.waitFor(/EXIT=\d+/);

    expect(text).toContain('EXIT=130');
    expect(text).toMatch(/they stay restored, not rebuilt\. Next:\s+(sudo )?nixos-rebuild switch --flake/);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
  });
});
