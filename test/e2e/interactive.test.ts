// The wizard in a real terminal: tmux runs the built CLI, send-keys answers
// its prompts, capture-pane reads the screen.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { changedFiles, cliPath, makeSandbox, snapshot, stubBin, sysrootFixture, type Sandbox } from '../support/sandbox.js';

function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const tmuxAvailable = hasTmux();
if (!tmuxAvailable) {
  if (process.env.CI) throw new Error('tmux is not installed; CI needs it for the terminal tests (apt-get install tmux).');
  console.warn('tmux not found: skipping the terminal tests (install tmux to run them).');
}

const session = `tw-test-${process.pid}`;
let sandbox: Sandbox;

afterEach(() => {
  try {
    execFileSync('tmux', ['kill-session', '-t', session], { stdio: 'ignore' });
  } catch {
    // already gone
  }
  sandbox?.cleanup();
});

function tmux(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8' });
}

function startInTerminal(args: string[]): void {
  const env = [
    `PATH=${stubBin}:${process.env.PATH}`,
    `TW_STUB_SYSROOT=${sandbox.sysroot}`,
    `TW_STUB_SWITCH_STATE=${sysrootFixture('rolled-back')}`,
    `TW_STUB_LOG=${sandbox.log}`,
    `XDG_STATE_HOME=${sandbox.state}`,
    'NO_COLOR=1',
  ];
  const command = ['env', ...env, process.execPath, cliPath, ...args, '--flake', `${sandbox.flake}#kernelcore`, '--sysroot', sandbox.sysroot]
    .map((word) => `'${word.replaceAll("'", "'\\''")}'`)
    .join(' ');
  tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '50', `${command}; echo "EXIT=$?"; sleep 60`);
}

function screen(): string {
  return tmux('capture-pane', '-p', '-t', session, '-S', '-2000');
}

async function waitForScreen(pattern: RegExp, count = 1): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const text = screen();
    if ((text.match(new RegExp(pattern, 'g')) ?? []).length >= count) return text;
    if (Date.now() > deadline) throw new Error(`screen never showed ${pattern} x${count}:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function keys(...names: string[]): void {
  tmux('send-keys', '-t', session, ...names);
}

describe.skipIf(!tmuxAvailable)('in a terminal', () => {
  it('asks at each step; Skip is the default, Apply writes, Abort puts back what was written', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);
    startInTerminal(['rollback']);

    await waitForScreen(/apply this change\?/);
    keys('Up', 'Enter'); // Apply the CPU step
    await waitForScreen(/✔ wrote modules\/system\/nix.nix/);
    const afterCpu = snapshot(sandbox.flake);
    expect(changedFiles(before, afterCpu)).toEqual(['modules/security/nix-daemon.nix', 'modules/system/nix.nix', 'sec/hardening.nix']);

    await waitForScreen(/apply this change\?/, 2);
    keys('Enter'); // Skip zram
    await waitForScreen(/skipped; files left as they are/);

    await waitForScreen(/apply this change\?/, 3);
    keys('Down', 'Enter'); // Abort at swappiness
    const text = await waitForScreen(/EXIT=\d+/);

    expect(text).toContain('EXIT=130');
    expect(text).toContain('Stopped: restored');
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
  });

  it('shows the diff before asking and applies every answered step', async () => {
    sandbox = makeSandbox('tuned');
    startInTerminal(['rollback', '--no-rebuild']);

    for (let step = 1; step <= 3; step++) {
      const text = await waitForScreen(/apply this change\?/, step);
      if (step === 3) expect(text).toContain('+      "vm.swappiness" = 60;  # Was 80 - more aggressive for builds');
      keys('Up', 'Enter');
    }
    const text = await waitForScreen(/EXIT=\d+/);

    expect(text).toContain('EXIT=0');
    expect(text).toMatch(/not rebuilt. Next: (sudo )?nixos-rebuild switch --flake /);
    expect(readFileSync(path.join(sandbox.flake, 'modules/system/memory.nix'), 'utf8')).toContain('memoryPercent = 25;');
  });
});
