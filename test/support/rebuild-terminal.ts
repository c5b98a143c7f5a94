// Runs the built CLI in a real terminal (a tmux session) for tests that
// need one, and reads the screen back.
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
  readonly session = `tw-term-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(private readonly sandbox: Sandbox) {}

  start(args: string[], env: Record<string, string> = {}): void {
    const vars = {
      PATH: `${stubBin}:${process.env.PATH}`,
      TW_STUB_SYSROOT: this.sandbox.sysroot,
      TW_STUB_SWITCH_STATE: sysrootFixture('rolled-back'),
      TW_STUB_LOG: this.sandbox.log,
      XDG_STATE_HOME: `${this.sandbox.dir}/state`,
      TMPDIR: this.sandbox.dir,
      NO_COLOR: '1',
      ...env,
    };
    const command = ['env', ...Object.entries(vars).map(([k, v]) => `${k}=${v}`), process.execPath, cliPath, ...args, '--flake', `${this.sandbox.flake}#kernelcore`, '--sysroot', this.sandbox.sysroot]
      .map((word) => `'${word.replaceAll("'", "'\\''")}'`)
      .join(' ');
    execFileSync('tmux', ['new-session', '-d', '-s', this.session, '-x', '200', '-y', '50', `${command}; echo "EXIT=$?"; sleep 60`]);
  }

  screen(): string {
    return execFileSync('tmux', ['capture-pane', '-p', '-t', this.session, '-S', '-2000'], { encoding: 'utf8' });
  }

  async waitFor(pattern: RegExp): Promise<string> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const text = this.screen();
      if (pattern.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`screen never showed ${pattern}:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  keys(...names: string[]): void {
    execFileSync('tmux', ['send-keys', '-t', this.session, ...names]);
  }

  close(): void {
    try {
      execFileSync('tmux', ['kill-session', '-t', this.session], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}
