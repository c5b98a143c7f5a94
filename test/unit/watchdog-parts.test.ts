import { describe, expect, it } from 'vitest';

import { HELP, parseCli } from '../../src/args.js';
import { openBuildDisplay } from '../../src/rebuild/build-display.js';
import { planRebuildCommands } from '../../src/rebuild/rebuild-commands.js';
import { Ui } from '../../src/engine/ui.js';
import { earlyoomFromArgs, type MemoryGuard } from '../../src/watch/memory-guards.js';
import type { MemorySample } from '../../src/watch/memory-sample.js';
import { describeGuardAction, findOomKills } from '../../src/watch/oom-report.js';
import { renderStatus, trackDerivations, type BuildProgress } from '../../src/watch/status-line.js';
import { chooseStopLine } from '../../src/watch/stop-line.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

const sample: MemorySample = {
  at: 65_000,
  memTotal: 16 * GiB,
  memAvailable: 3 * GiB,
  swapTotal: 8 * GiB,
  swapUsed: 2 * GiB,
  zramRatio: 3.1,
  pressure: 4.25,
  headroom: 7 * GiB,
};

describe('the stop line', () => {
  const earlyoom: MemoryGuard = { name: 'earlyoom', source: 'running: earlyoom -m 10 -s 10', memPercent: 10, swapPercent: 10 };

  it('defaults to 5% of RAM when no other guard runs', () => {
    expect(chooseStopLine(16 * GiB, 8 * GiB, undefined, [])).toEqual({ bytes: 0.05 * 16 * GiB, reason: '5% of RAM', overtakenBy: undefined });
  });

  it('sits just above earlyoom when earlyoom would act first', () => {
    // earlyoom: 1.6 GiB + 0.8 GiB = 2.4 GiB; margin max(256 MiB, 1% of 16 GiB) = 256 MiB.
    const line = chooseStopLine(16 * GiB, 8 * GiB, undefined, [earlyoom]);
    expect(line.bytes).toBeCloseTo(2.4 * GiB + 256 * MiB, 0);
    expect(line.reason).toContain("just above earlyoom's 2.4 GiB");
  });

  it('takes --stop-below as given and warns when a guard acts above it', () => {
    const line = chooseStopLine(16 * GiB, 8 * GiB, { kind: 'bytes', bytes: 1 * GiB, text: '1G' }, [earlyoom]);
    expect(line).toEqual({ bytes: GiB, reason: '--stop-below 1G', overtakenBy: earlyoom });
    expect(chooseStopLine(16 * GiB, 0, { kind: 'percent', percent: 25, text: '25%' }, []).bytes).toBe(4 * GiB);
  });

  it.each([
    [['earlyoom', '-m', '5', '-s', '20'], 5, 20],
    [['earlyoom', '-m10,5', '-s', '90,80'], 10, 90],
    [['earlyoom', '-r', '60'], 10, 10],
  ])('reads earlyoom %j as -m %d -s %d', (argv, mem, swap) => {
    expect(earlyoomFromArgs(argv)).toMatchObject({ memPercent: mem, swapPercent: swap });
  });
});

describe('rebuild flags and commands', () => {
  it('splits off the nixos-rebuild arguments after --', () => {
    const args = parseCli(['reenable', 'unified-llm', '--mode', 'test', '--elevate', 'run0', '--stop-below', '5%', '-q', '--', '--show-trace', '--max-jobs', '1']);
    expect(args.rebuild).toEqual({
      mode: 'test',
      elevate: 'run0',
      quiet: true,
      stopBelow: { kind: 'percent', percent: 5, text: '5%' },
      extraArgs: ['--show-trace', '--max-jobs', '1'],
    });
  });

  it.each([
    [['rollback', '--mode', 'dry-activate'], '--mode dry-activate: use one of switch, boot, test, build.'],
    [['rollback', '--elevate', 'su'], '--elevate su: use one of sudo, doas, run0, none.'],
    [['rollback', '--stop-below', 'low'], '--stop-below low: write a size such as 1G or 800M, or a share of RAM such as 5%.'],
    [['rollback', '--stop-below', '100%'], '--stop-below 100%: write a size such as 1G or 800M, or a share of RAM such as 5%.'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(message);
  });

  it('lists exit code 5 and the rebuild flags in --help', () => {
    expect(HELP).toContain('  5    the watchdog stopped the build before memory ran out; the files were restored\n');
    for (const flag of ['--mode MODE', '--elevate TOOL', '--stop-below LIMIT', '-q, --quiet', '-- NIXOS-REBUILD-ARGS']) expect(HELP).toContain(flag);
  });

  it('builds as the user and elevates only the final action', () => {
    const options = { mode: 'switch' as const, elevate: undefined, quiet: false, stopBelow: undefined, extraArgs: ['--cores', '2'] };
    expect(planRebuildCommands('/etc/nixos', 'kc', options, false)).toEqual({
      build: ['nixos-rebuild', 'build', '--flake', '/etc/nixos#kc', '--cores', '2'],
      final: ['sudo', 'nixos-rebuild', 'switch', '--flake', '/etc/nixos#kc', '--cores', '2'],
      mode: 'switch',
      elevation: 'sudo',
    });
    expect(planRebuildCommands('/etc/nixos', 'kc', options, true).final?.[0]).toBe('nixos-rebuild');
    expect(planRebuildCommands('/etc/nixos', 'kc', { ...options, mode: 'build' }, false).final).toBeUndefined();
  });
});

describe('the status line', () => {
  it('shows elapsed time, memory, swap, zram, pressure, headroom and derivations', () => {
    const progress: BuildProgress = { phase: 'build', startedAt: 0, derivationsStarted: 0, derivationsPlanned: undefined };
    for (const line of ['these 12 derivations will be built:', "  /nix/store/aaa-x.drv", "building '/nix/store/aaa-x.drv'...", "building '/nix/store/bbb-y.drv'..."]) {
      trackDerivations(progress, line);
    }
    expect(renderStatus(progress, sample, 800 * MiB, 65_000)).toBe(
      'build 1m05s · avail 3.0 GiB · swap 2.0 GiB used · zram 3.1:1 · psi 4.3% · headroom 7.0 GiB (stop < 800 MiB) · drv 2/12',
    );
  });

  it('redraws in place on a terminal, with the build output above it', () => {
    const written: string[] = [];
    const ui = new Ui({ out: () => {}, err: (t) => written.push(t), isTerminal: true }, false);
    const display = openBuildDisplay(ui, { terminal: true, log: undefined, plainEveryMs: 5000, stopBytes: GiB, columns: 200 });

    display.sample(sample);
    display.line("building '/nix/store/aaa-x.drv'...");
    display.close();

    const screen = written.join('');
    expect(screen).toMatch(/^\r\x1b\[2K {2}build \d+s · avail 3\.0 GiB .* drv 0\r\x1b\[2K {2}│ building '\/nix\/store\/aaa-x\.drv'\.\.\.\n\r\x1b\[2K {2}build \d+s · .* drv 1\r\x1b\[2K$/);
  });

  it('prints plain memory lines without a terminal, at most one per interval', () => {
    const written: string[] = [];
    const ui = new Ui({ out: () => {}, err: (t) => written.push(t), isTerminal: false }, false);
    const display = openBuildDisplay(ui, { terminal: false, log: undefined, plainEveryMs: 5000, stopBytes: GiB, columns: 80 });

    display.sample({ ...sample, at: 10_000 });
    display.sample({ ...sample, at: 12_000 });
    display.sample({ ...sample, at: 15_000 });

    expect(written).toEqual([
      '  · memory: 3.0 GiB available of 16.0 GiB, swap 2.0 GiB of 8.0 GiB used, zram 3.1:1, pressure 4.3%, headroom 7.0 GiB\n',
      '  · memory: 3.0 GiB available of 16.0 GiB, swap 2.0 GiB of 8.0 GiB used, zram 3.1:1, pressure 4.3%, headroom 7.0 GiB\n',
    ]);
  });
});

describe('which guard acted', () => {
  const records = [
    { sequence: 5, micros: 1, message: 'Out of memory: Killed process 100 (before)' },
    { sequence: 9, micros: 2, message: 'Out of memory: Killed process 4242 (rustc) total-vm:1kB' },
  ];

  it('names OOM victims logged after the build started', () => {
    expect(findOomKills(records, 5)).toEqual([{ pid: 4242, name: 'rustc' }]);
  });

  it('points at earlyoom when a builder was killed near its line', () => {
    const guard: MemoryGuard = { name: 'earlyoom', source: 'x', memPercent: 10, swapPercent: 10 };
    const text = describeGuardAction({ kills: [], builderKilled: true, guards: [guard], lowestHeadroom: 2 * GiB, memTotal: 16 * GiB, swapTotal: 0 });
    expect(text).toContain('earlyoom probably acted (its journal names the victim: journalctl -u earlyoom)');
    expect(describeGuardAction({ kills: [], builderKilled: false, guards: [guard], lowestHeadroom: 2 * GiB, memTotal: 16 * GiB, swapTotal: 0 })).toBeUndefined();
  });
});
