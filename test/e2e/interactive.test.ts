// The wizard in a real terminal: tmux runs the built CLI, send-keys answers
// its prompts, capture-pane reads the screen.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { changedFiles, makeSandbox, snapshot, type Sandbox } from '../support/sandbox.js';
import { hasTmux, Terminal } from '../support/terminal.js';

const tmuxAvailable = hasTmux();
if (!tmuxAvailable) {
  if (process.env.CI) throw new Error('tmux is not installed; CI needs it for the terminal tests (apt-get install tmux).');
  console.warn('tmux not found: skipping the terminal tests (install tmux to run them).');
}

const terminal = new Terminal(`tw-test-${process.pid}`);
let sandbox: Sandbox;

afterEach(() => {
  terminal.close();
  sandbox?.cleanup();
});

describe.skipIf(!tmuxAvailable)('in a terminal', () => {
  it('asks at each step; Skip is the default, Apply writes, Abort puts back what was written', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);
    terminal.start(sandbox, ['rollback']);

    await terminal.waitFor(/apply this change\?/);
    terminal.keys('Up', 'Enter'); // Apply the CPU step
    await terminal.waitFor(/✔ wrote modules\/system\/nix.nix/);
    const afterCpu = snapshot(sandbox.flake);
    expect(changedFiles(before, afterCpu)).toEqual(['modules/security/nix-daemon.nix', 'modules/system/nix.nix', 'sec/hardening.nix']);

    await terminal.waitFor(/apply this change\?/, 2);
    terminal.keys('Enter'); // Skip zram
    await terminal.waitFor(/skipped; files left as they are/);

    await terminal.waitFor(/apply this change\?/, 3);
    terminal.keys('Down', 'Enter'); // Abort at swappiness
    const text = await terminal.waitFor(/EXIT=\d+/);

    expect(text).toContain('EXIT=130');
    expect(text).toContain('Stopped: restored');
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
  });

  it('shows the diff before asking and applies every answered step', async () => {
    sandbox = makeSandbox('tuned');
    terminal.start(sandbox, ['rollback', '--no-rebuild']);

    for (let step = 1; step <= 3; step++) {
      const text = await terminal.waitFor(/apply this change\?/, step);
      if (step === 3) expect(text).toContain('+      "vm.swappiness" = 60;  # Was 80 - more aggressive for builds');
      terminal.keys('Up', 'Enter');
    }
    const text = await terminal.waitFor(/EXIT=\d+/);

    expect(text).toContain('EXIT=0');
    expect(text).toMatch(/not rebuilt. Next: (sudo )?nixos-rebuild switch --flake /);
    expect(readFileSync(path.join(sandbox.flake, 'modules/system/memory.nix'), 'utf8')).toContain('memoryPercent = 25;');
  });
});
