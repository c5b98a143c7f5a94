// Black-box tests of `tune-wizard recommend`: suggestions for fixture
// machines, the run journal's peak memory as their basis, and --apply
// writing them with the same diff, confirm, rebuild and verify flow as rollback.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { changedFiles, makeSandbox, repoRoot, runCli, snapshot, sysrootFixture, type Sandbox } from '../support/sandbox.js';

const expected = (file: string): string => readFileSync(path.join(repoRoot, 'test/fixtures/expected/recommend', file), 'utf8');
const tunedFiles = ['modules/security/nix-daemon.nix', 'modules/system/memory.nix', 'modules/system/nix.nix', 'sec/hardening.nix'];

let sandbox: Sandbox;
afterEach(() => sandbox?.cleanup());

/** An empty state directory, so the user's real journal never leaks in. */
function stateHome(): string {
  const dir = path.join(sandbox.dir, 'state');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A finished run in the journal whose build was measured, as src/journal writes it. */
function recordRebuild(peakMemoryBytes: number, maxJobs: number | 'auto', cores: number, id = '20261201-100000-aaaa'): void {
  const dir = path.join(stateHome(), 'tune-wizard/runs', id);
  mkdirSync(dir, { recursive: true });
  const records = [
    { type: 'start', id, command: ['reenable', 'unified-llm'], time: '2026-12-01T10:00:00.000Z', host: 'kernelcore', flake: sandbox.flake, flakeRealPath: sandbox.flake, pid: 1 },
    { type: 'rebuild', status: 'switched', command: ['nixos-rebuild', 'switch'], peakMemoryBytes, maxJobs, cores },
    { type: 'end', status: 'done', exitCode: 0, time: '2026-12-01T10:05:00.000Z' },
  ];
  writeFileSync(path.join(dir, 'journal.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

describe('tune-wizard recommend', () => {
  it.each(['laptop', 'workstation', 'no-zram', 'mixed-swap'])('prints the expected suggestions and JSON for the %s sysroot', async (name) => {
    sandbox = makeSandbox(name);

    const table = await runCli(sandbox, ['recommend'], { XDG_STATE_HOME: stateHome() });
    const json = await runCli(sandbox, ['recommend', '--json'], { XDG_STATE_HOME: stateHome() });

    expect(`${table.stdout}\n`).toBe(expected(`${name}.txt`));
    expect(`${json.stdout}\n`).toBe(expected(`${name}.json`));
    expect([table.exitCode, json.exitCode]).toEqual([0, 0]);
  });

  it('bases the numbers on the heaviest recorded build job when the journal has one', async () => {
    sandbox = makeSandbox('workstation');
    recordRebuild(4 * 1024 ** 3, 4, 3, '20261201-100000-aaaa');
    recordRebuild(12 * 1024 ** 3, 2, 2, '20261201-110000-bbbb');

    const run = await runCli(sandbox, ['recommend', '--json'], { XDG_STATE_HOME: stateHome() });

    const report = JSON.parse(run.stdout) as { basis: string; suggestions: { setting: string; suggested: number }[] };
    expect(report.basis).toBe('your rebuild history: a build job peaked at 6.0 GiB with 2 cores (2 runs)');
    expect(report.suggestions.map((s) => [s.setting, s.suggested])).toEqual([
      ['max-jobs', 5],
      ['cores', 3],
      ['zram', 25],
      ['swappiness', 150],
    ]);
  });

  it('learns from a real rebuild: the journal records how much memory the build took', async () => {
    sandbox = makeSandbox('tuned');
    // The stand-in build really allocates 64 MiB and lowers the fixture's MemAvailable by its growth.
    const rollback = await runCli(sandbox, ['rollback', '--yes'], {
      XDG_STATE_HOME: stateHome(),
      TW_STUB_REBUILD: 'allocate',
      TW_ALLOC_MEMINFO: path.join(sandbox.sysroot, 'proc/meminfo'),
      TW_ALLOC_AVAIL_KB: '9437184',
      TW_ALLOC_MAX_MB: '64',
      TW_ALLOC_QUIET: '1',
      TW_ALLOC_GIVE_UP_MS: '1500',
    });
    expect(rollback.exitCode).toBe(0);
    // The tuned fixture has no CPU list; recommend needs one.
    mkdirSync(path.join(sandbox.sysroot, 'sys/devices/system/cpu'), { recursive: true });
    writeFileSync(path.join(sandbox.sysroot, 'sys/devices/system/cpu/online'), '0-11\n');

    const run = await runCli(sandbox, ['recommend', '--json'], { XDG_STATE_HOME: stateHome() });

    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as { basis: string };
    expect(report.basis).toMatch(/^your rebuild history: a build job peaked at [\d.]+ (MiB|GiB) with \d+ cores? \(1 run\)$/);
  });

  it('--apply --no-rebuild writes the four suggestions into every module that defines them', async () => {
    sandbox = makeSandbox('laptop');
    const before = snapshot(sandbox.flake);

    const run = await runCli(sandbox, ['recommend', '--apply', '--yes', '--no-rebuild'], { XDG_STATE_HOME: stateHome() });

    expect(run.exitCode).toBe(0);
    const after = snapshot(sandbox.flake);
    expect(changedFiles(before, after)).toEqual(tunedFiles);
    const text = (file: string): string => after.get(file)!.toString('utf8');
    expect(text('modules/system/nix.nix')).toContain('    max-jobs = mkDefault 2;  # Was "auto" (12 jobs)\n    cores = mkDefault 2;     # Was 0');
    expect(text('modules/security/nix-daemon.nix')).toContain('max-jobs = lib.mkDefault 2;');
    expect(text('modules/system/memory.nix')).toContain('      memoryPercent = 100;  # Was 25%');
    expect(text('modules/system/memory.nix')).toContain('      "vm.swappiness" = 150;  # Was 80');
    expect(run.stdout).toContain('+      memoryPercent = 100;');
    expect(run.stdout).toMatch(/not rebuilt. Next: (sudo )?nixos-rebuild switch --flake /);

    const again = await runCli(sandbox, ['recommend'], { XDG_STATE_HOME: stateHome() });
    expect(again.stdout).toContain('The configuration already has every suggested value.');
    expect(again.stdout).not.toContain('recommend --apply');
  });

  it('--apply rebuilds and verifies the running system shows every suggested number', async () => {
    sandbox = makeSandbox('laptop');
    const switched = path.join(sandbox.dir, 'switched');
    cpSync(sysrootFixture('laptop'), switched, { recursive: true });
    const conf = path.join(switched, 'etc/nix/nix.conf');
    writeFileSync(conf, readFileSync(conf, 'utf8').replace('cores = 3', 'cores = 2').replace('max-jobs = 4', 'max-jobs = 2'));
    writeFileSync(path.join(switched, 'proc/sys/vm/swappiness'), '150\n');
    writeFileSync(path.join(switched, 'sys/block/zram0/disksize'), `${7990684 * 1024}\n`);

    const run = await runCli(sandbox, ['recommend', '--apply', '--yes'], { XDG_STATE_HOME: stateHome(), TW_STUB_SWITCH_STATE: switched });

    expect(run.stderr).not.toContain('unexpected error');
    expect(run.exitCode).toBe(0);
    expect(readFileSync(sandbox.log, 'utf8').trim().split('\n')).toEqual([`build --flake ${sandbox.flake}#kernelcore`, `switch --flake ${sandbox.flake}#kernelcore`]);
    expect(run.stderr).toContain('zram 7.6 GiB = 100.0% of 7.6 GiB RAM (needed 100% (7.6 GiB))');
    expect(run.stdout).toContain('rebuilt and checked (5 checks passed).');
  });

  it('--apply --dry-run shows the diffs and writes nothing', async () => {
    sandbox = makeSandbox('workstation');
    const before = snapshot(sandbox.flake);

    const run = await runCli(sandbox, ['recommend', '--apply', '--dry-run'], { XDG_STATE_HOME: stateHome() });

    expect(run.exitCode).toBe(0);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(run.stdout).toContain('+    cores = mkDefault 4;');
    expect(run.stdout).toContain('Nothing was written');
  });

  it.each([
    [['recommend', '--json', '--apply'], 'recommend --json prints the suggestions; --apply writes them. Use one of them.'],
    [['recommend', '--yes'], '--yes, --dry-run and --no-rebuild only mean something with recommend --apply.'],
    [['rollback', '--json'], '--json is for check and recommend, not rollback.'],
  ])('rejects %j with one line and exit 2', async (args, message) => {
    sandbox = makeSandbox('laptop');
    const run = await runCli(sandbox, args);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim()).toBe(`tune-wizard: ${message}`);
  });
});
