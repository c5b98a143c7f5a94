// Black-box tests of `tune-wizard check`: the built CLI on the sample flake
// and fixture sysroots of real machines, compared with expected output.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { makeSandbox, repoRoot, runCli, type Sandbox } from '../support/sandbox.js';

const expected = (file: string): string => readFileSync(path.join(repoRoot, 'test/fixtures/expected/check', file), 'utf8');
const journalDir = (sandbox: Sandbox): string => path.join(sandbox.sysroot, 'var/log/journal/3f0c5d1e9a7b4c2d8e6f1a0b9c8d7e6f');

let sandbox: Sandbox;
afterEach(() => sandbox?.cleanup());

describe('check and the watchdog', () => {
  it('report one headroom figure: MemAvailable + usable swap, zram discounted', async () => {
    sandbox = makeSandbox('tuned');
    const { takeSample } = await import('../../src/watch/memory-sample.js');
    const { Sysroot } = await import('../../src/system/sysroot.js');
    const { formatBytes } = await import('../../src/system/units.js');
    const watchdog = formatBytes(takeSample(new Sysroot(sandbox.sysroot)).headroom);
    expect(watchdog).toBe('13.9 GiB');

    const run = await runCli(sandbox, ['check', '--json']);

    expect(rowOf(run.stdout, 'memory headroom')?.shown).toBe(`${watchdog} available + usable swap`);
  });
});

type Row = { item: string; configured: string; shown: string; status: string; detail?: string };
const rowOf = (stdout: string, item: string): Row | undefined =>
  (JSON.parse(stdout) as { checks: Row[] }).checks.find((row) => row.item === item);

describe('tune-wizard check', () => {
  it.each([
    ['laptop', 1],
    ['workstation', 0],
    ['no-zram', 1],
    ['mixed-swap', 1],
  ])('prints the expected table for the %s sysroot and exits %i', async (name, code) => {
    sandbox = makeSandbox(name);

    const run = await runCli(sandbox, ['check']);

    expect(run.stderr).toBe('  · 2 modules outside this flake not read; what they set is not checked.');
    expect(`${run.stdout}\n`).toBe(expected(`${name}.txt`)); // execa drops the final newline
    expect(run.exitCode).toBe(code);
  });

  it.each([
    ['laptop', 1],
    ['workstation', 0],
    ['no-zram', 1],
    ['mixed-swap', 1],
  ])('prints the expected JSON, and only JSON, for the %s sysroot and exits %i', async (name, code) => {
    sandbox = makeSandbox(name);

    const run = await runCli(sandbox, ['check', '--json']);

    expect(`${run.stdout}\n`).toBe(expected(`${name}.json`));
    expect(() => JSON.parse(run.stdout)).not.toThrow();
    expect(run.exitCode).toBe(code);
  });

  it('exits 3 when the only findings are warnings', async () => {
    sandbox = makeSandbox('workstation');
    writeFileSync(path.join(sandbox.sysroot, 'proc/pressure/memory'), 'some avg10=40.00 avg60=31.50 avg300=12.00 total=1\nfull avg10=30.00 avg60=22.25 avg300=9.00 total=1\n');

    const run = await runCli(sandbox, ['check', '--json']);

    expect(run.exitCode).toBe(3);
    expect(rowOf(run.stdout, 'memory pressure')).toEqual({
      item: 'memory pressure',
      configured: 'stalled under 10% of the last minute',
      shown: 'some 31.50%, full 22.25% (avg60)',
      status: 'warn',
    });
    expect(JSON.parse(run.stdout)).toMatchObject({ result: 'warn', counts: { warn: 1, fail: 0 } });
  });

  it('fails the journal over SystemMaxUse and /var/log over 10 GiB, counting apparent sizes', async () => {
    sandbox = makeSandbox('laptop');
    const big = path.join(journalDir(sandbox), 'system@0006a1b2c3d4e5f7-0123456789abcdf0.journal~');
    writeFileSync(big, '');
    truncateSync(big, 3 * 1024 ** 3);
    const oldLog = path.join(sandbox.sysroot, 'var/log/Xorg.0.log.old');
    writeFileSync(oldLog, '');
    truncateSync(oldLog, 8 * 1024 ** 3);

    const run = await runCli(sandbox, ['check', '--json']);

    expect(rowOf(run.stdout, 'journal')).toMatchObject({ configured: 'SystemMaxUse=2.0 GiB', shown: '3.0 GiB', status: 'fail' });
    expect(rowOf(run.stdout, '/var/log')).toMatchObject({ shown: '11.0 GiB', status: 'fail' });
    expect(run.exitCode).toBe(1);
  });

  it('reports the maintenance timers as not checkable, not failed, where systemctl is missing', async () => {
    sandbox = makeSandbox('workstation');
    const emptyBin = mkdtempSync(path.join(os.tmpdir(), 'tune-wizard-path-'));
    try {
      const run = await runCli(sandbox, ['check', '--json'], { PATH: emptyBin });

      expect(rowOf(run.stdout, 'log-cleanup')).toMatchObject({ shown: 'not checkable: systemctl is not on PATH', status: 'skip' });
      expect(run.exitCode).toBe(0);
    } finally {
      rmSync(emptyBin, { recursive: true });
    }
  });

  it('fails a timer that is not installed, asking systemctl for exactly the properties it reads', async () => {
    sandbox = makeSandbox('workstation');
    rmSync(path.join(sandbox.sysroot, 'stub/systemctl/log-cleanup.timer'));

    const run = await runCli(sandbox, ['check', '--json']);

    expect(rowOf(run.stdout, 'log-cleanup')).toMatchObject({ shown: 'log-cleanup.timer not installed (not-found)', status: 'fail' });
    expect(readFileSync(sandbox.log, 'utf8').trim().split('\n')).toEqual([
      'systemctl show --property=LoadState,ActiveState,NextElapseUSecRealtime memory-pressure-relief.timer',
      'systemctl show --property=LoadState,Result,ExecMainStatus memory-pressure-relief.service',
      'systemctl show --property=LoadState,ActiveState,NextElapseUSecRealtime log-cleanup.timer',
      'systemctl show --property=LoadState,Result,ExecMainStatus log-cleanup.service',
    ]);
  });

  it('checks every sysctl the configuration sets, including ones just added: a value /proc/sys differs from fails, null passes', async () => {
    sandbox = makeSandbox('workstation');
    const memory = path.join(sandbox.flake, 'modules/system/memory.nix');
    writeFileSync(memory, readFileSync(memory, 'utf8').replace('"vm.page-cluster" = 0;', '"vm.page-cluster" = 0;\n      "vm.max_map_count" = 1048576;\n      "vm.oom_dump_tasks" = null;'));
    mkdirSync(path.join(sandbox.sysroot, 'proc/sys/vm'), { recursive: true });
    writeFileSync(path.join(sandbox.sysroot, 'proc/sys/vm/max_map_count'), '65530\n');

    const run = await runCli(sandbox, ['check', '--json']);

    expect(rowOf(run.stdout, 'vm.max_map_count')).toEqual({ item: 'vm.max_map_count', configured: '1048576', shown: '65530', status: 'fail' });
    expect(rowOf(run.stdout, 'vm.oom_dump_tasks')).toEqual({ item: 'vm.oom_dump_tasks', configured: 'kernel default (null)', shown: 'not in /proc/sys', status: 'ok' });
    expect(run.exitCode).toBe(1);
  });

  it('warns that the kernel OOM killer acts before earlyoom when zram is large and compresses poorly', async () => {
    sandbox = makeSandbox('mixed-swap');
    const zramKiB = 2 * 32803000;
    writeFileSync(path.join(sandbox.sysroot, 'proc/swaps'), `Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/zram0  partition\t${zramKiB}\t\t524288\t\t10\n`);
    writeFileSync(path.join(sandbox.sysroot, 'sys/block/zram0/mm_stat'), '1100000000 1000000000 1010000000 0 1010000000 0 0 0 0\n');

    const run = await runCli(sandbox, ['check', '--json']);

    expect(rowOf(run.stdout, 'earlyoom')).toEqual({
      item: 'earlyoom',
      configured: 'off',
      shown: 'running: -m 10 -s 10',
      status: 'warn',
      detail:
        "It runs although the configuration does not enable services.earlyoom. Filling zram that far takes 51.2 GiB of RAM at 1.1:1, all of the 28.2 GiB above -m 10: the kernel's OOM killer acts first.",
    });
  });

  it('colours the status only when stdout is a terminal or FORCE_COLOR asks for it', async () => {
    sandbox = makeSandbox('mixed-swap');

    const piped = await runCli(sandbox, ['check'], { NO_COLOR: '' });
    const forced = await runCli(sandbox, ['check'], { NO_COLOR: '', FORCE_COLOR: '1' });

    expect(piped.stdout).not.toContain('\u001b[');
    expect(forced.stdout).toMatch(/swap priority .* \u001b\[31mFAIL\u001b\[39m\n/);
  });

  it('rejects flags that change files (exit 2)', async () => {
    sandbox = makeSandbox('workstation');
    const run = await runCli(sandbox, ['check', '--yes']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim()).toBe('tune-wizard: check changes nothing; --yes is not for check.');
  });
});
