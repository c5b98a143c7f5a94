// A real terminal for the wizard: tmux runs the built CLI, send-keys answers
// its prompts, capture-pane reads the screen.
import { execFileSync } from 'node:child_process';

import { cliPath, stubBin, sysrootFixture, type Sandbox } from './sandbox.js';

export function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export class Terminal {
  constructor(readonly session = `tw-term-${process.pid}-${Math.random().toString(36).slice(2, 8)}`) {}

  /** Starts the built CLI on the sandbox, with stand-ins first on PATH. */
  start(sandbox: Sandbox, args: string[], env: Record<string, string> = {}, columns = 200): void {
    const vars = {
      PATH: `${stubBin}:${process.env.PATH}`,
      TW_STUB_SYSROOT: sandbox.sysroot,
      TW_STUB_SWITCH_STATE: sysrootFixture('rolled-back'),
      TW_STUB_LOG: sandbox.log,
      XDG_STATE_HOME: sandbox.state,
      TMPDIR: sandbox.dir,
      NO_COLOR: '1',
      ...env,
    };
    // As runCli does: undo works on the run's own flake and takes no --flake.
    const flake = args[0] === 'undo' ? [] : ['--flake', `${sandbox.flake}#kernelcore`];
    const command = ['env', ...Object.entries(vars).map(([k, v]) => `${k}=${v}`), process.execPath, cliPath, ...args, ...flake, '--sysroot', sandbox.sysroot]
      .map((word) => `'${word.replaceAll("'", "'\\''")}'`)
      .join(' ');
    this.tmux('new-session', '-d', '-s', this.session, '-x', String(columns), '-y', '50', `${command}; echo "EXIT=$?"; sleep 60`);
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', this.session, '-S', '-2000');
  }

  async waitFor(pattern: RegExp, count = 1): Promise<string> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const text = this.screen();
      if ((text.match(new RegExp(pattern, 'g')) ?? []).length >= count) return text;
      if (Date.now() > deadline) throw new Error(`screen never showed ${pattern} x${count}:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  keys(...names: string[]): void {
    this.tmux('send-keys', '-t', this.session, ...names);
  }

  close(): void {
    try {
      this.tmux('kill-session', '-t', this.session);
    } catch {
      // already gone
    }
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  }
}
