// The rebuild in a real terminal (tmux): the live status line, and one
// Ctrl-C on the keyboard stopping the whole build.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { changedFiles, makeSandbox, snapshot, survivingStandIns, type Sandbox } from '../support/sandbox.js';
import { hasTmux, Terminal } from '../support/terminal.js';

const tmuxAvailable = hasTmux();
let sandbox: Sandbox;
let terminal: Terminal | undefined;
afterEach(() => {
  terminal?.close();
  sandbox?.cleanup();
});

function setup(): Map<string, Buffer> {
  sandbox = makeSandbox('tuned');
  mkdirSync(path.join(sandbox.sysroot, 'proc/pressure'), { recursive: true });
  writeFileSync(path.join(sandbox.sysroot, 'proc/pressure/memory'), 'some avg10=7.25 avg60=2.00 avg300=0.50 total=1234\nfull avg10=1.00 avg60=0.00 avg300=0.00 total=10\n');
  terminal = new Terminal();
  return snapshot(sandbox.flake);
}

const STATUS = /build \d+s · avail 9\.0 GiB · swap 800 MiB used · zram 3\.3:1 · psi 7\.3% · headroom 13\.9 GiB \(stop < 797 MiB\) · drv 1\/2/;

describe.skipIf(!tmuxAvailable)('the rebuild in a terminal', () => {
  it('redraws the status line below the build output while it builds, then gives way to the summary', async () => {
    setup();
    terminal!.start(sandbox, ['rollback', '--yes'], { TW_STUB_BUILD_SECONDS: '3' });

    const during = await terminal!.waitFor(/Compiling crate-3 /);
    expect(during).toMatch(STATUS);
    expect(during.match(/· drv \d/g)).toHaveLength(1);
    const lines = during.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(STATUS);
    expect(lines.at(-2)).toMatch(/│ unified-llm> Compiling crate-\d+ /);

    const after = await terminal!.waitFor(/EXIT=\d+/);
    expect(after).toContain('EXIT=0');
    expect(after).not.toMatch(/· drv \d/);
    // The stand-in switch replaces the fixture meminfo, so the figures depend on when it sampled.
    expect(after).toMatch(/rebuild summary: \d+s; peak memory used [\d.]+ GiB, lowest headroom [\d.]+ GiB, swap peak \d+ MiB; 2 derivations started; result: switched/);
  });

  it('with --quiet keeps the status line but not the build output', async () => {
    setup();
    terminal!.start(sandbox, ['rollback', '--yes', '--quiet'], { TW_STUB_BUILD_SECONDS: '3' });

    const during = await terminal!.waitFor(STATUS);
    expect(during).toMatch(/build output: \S+\/state\/tune-wizard\/logs\/rebuild-\S+\.log/);
    expect(during).not.toContain('Compiling crate');
    expect(await terminal!.waitFor(/EXIT=\d+/)).toContain('EXIT=0');
  });

  it('keeps headroom and the stop line on a narrow terminal, and a ^C echo does not stay on the status line', async () => {
    const before = setup();
    const pidFile = path.join(sandbox.dir, 'stub.pids');
    terminal!.start(sandbox, ['rollback', '--yes'], { TW_STUB_REBUILD: 'hang', TW_STUB_PIDFILE: pidFile }, 50);

    let after: string;
    try {
      const during = await terminal!.waitFor(/headroom 13\.9 GiB \(stop < 797 MiB\)/);
      const status = during.trimEnd().split('\n').at(-1)!;
      expect(status).toMatch(/^ {2}build \d+s · headroom 13\.9 GiB \(stop < 797 MiB\)$/);
      expect(status.length).toBeLessThanOrEqual(48);

      terminal!.keys('C-c');
      after = await terminal!.waitFor(/EXIT=\d+/);
    } finally {
      // Closing the terminal does not stop the stand-in (tune-wizard does not handle SIGHUP): never leave it behind.
      for (const pid of survivingStandIns(pidFile)) process.kill(pid, 'SIGKILL');
    }

    expect(after).toContain('EXIT=130');
    expect(after).not.toMatch(/\^C?$|^C$/m);
    expect(after).toContain('Ctrl-C: stopping the build');
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
  });

  it('stops the whole build on one Ctrl-C from the keyboard, even one that ignores SIGTERM', async () => {
    const before = setup();
    const pidFile = path.join(sandbox.dir, 'stub.pids');
    terminal!.start(sandbox, ['rollback', '--yes'], { TW_STUB_REBUILD: 'ignore-term', TW_STUB_PIDFILE: pidFile, TUNE_WIZARD_KILL_GRACE_MS: '700' });

    await terminal!.waitFor(/Compiling candle-core/);
    terminal!.keys('C-c');
    const after = await terminal!.waitFor(/EXIT=\d+/);

    expect(after).toContain('EXIT=130');
    expect(after).toContain('Stopped: restored');
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(survivingStandIns(pidFile)).toEqual([]);
  });

  it('treats a closed terminal (SIGHUP) like Ctrl-C: the build is stopped and the files go back', async () => {
    const before = setup();
    const pidFile = path.join(sandbox.dir, 'stub.pids');
    terminal!.start(sandbox, ['rollback', '--yes'], { TW_STUB_REBUILD: 'ignore-term', TW_STUB_PIDFILE: pidFile, TUNE_WIZARD_KILL_GRACE_MS: '700' });

    await terminal!.waitFor(/Compiling candle-core/);
    expect(changedFiles(before, snapshot(sandbox.flake))).not.toEqual([]);
    terminal!.close(); // the window goes away: tune-wizard gets SIGHUP, the build (its own group) nothing

    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (survivingStandIns(pidFile).length > 0 || changedFiles(before, snapshot(sandbox.flake)).length > 0)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(survivingStandIns(pidFile)).toEqual([]);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    const journal = readdirSync(path.join(sandbox.state, 'tune-wizard/runs')).map((id) => readFileSync(path.join(sandbox.state, 'tune-wizard/runs', id, 'journal.jsonl'), 'utf8'));
    expect(journal.join('')).toMatch(/"type":"end","status":"(aborted|interrupted|stopped)"/);
  });
});
