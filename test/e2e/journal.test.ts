// The journal, history and undo, end to end on the sample flake; plus the
// ways a write can fail: a second run, a symlinked checkout, a read-only
// directory and a full disk.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { changedFiles, makeSandbox, runCli, snapshot, startCli, waitForOutput, type Sandbox } from '../support/sandbox.js';

const rolledBackFiles = ['modules/security/nix-daemon.nix', 'modules/system/memory.nix', 'modules/system/nix.nix', 'sec/hardening.nix'];

let sandbox: Sandbox;
const mounts: string[] = [];
afterEach(() => {
  for (const dir of mounts.splice(0).reverse()) execFileSync('umount', [dir]);
  sandbox?.cleanup();
});

function stubCalls(): string[] {
  return existsSync(sandbox.log) ? readFileSync(sandbox.log, 'utf8').trim().split('\n') : [];
}

function journalDir(): string {
  return path.join(sandbox.state, 'tune-wizard');
}

function runIds(): string[] {
  return readdirSync(path.join(journalDir(), 'runs'));
}

function journalRecords(runId: string): Array<Record<string, unknown>> {
  const text = readFileSync(path.join(journalDir(), 'runs', runId, 'journal.jsonl'), 'utf8');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Mounts with `mount ARGS... dir` when the machine lets this test; false otherwise. */
function tryMount(dir: string, ...args: string[]): boolean {
  try {
    execFileSync('mount', [...args, dir], { stdio: 'ignore' });
    mounts.push(dir);
    return true;
  } catch {
    return false;
  }
}

function tempFilesIn(dir: string): string[] {
  return [...snapshot(dir).keys()].filter((name) => name.includes('.tune-wizard-'));
}

describe('the journal', () => {
  it('records each file with hashes and old bytes, the checks and the rebuild, in private files', async () => {
    sandbox = makeSandbox('tuned');
    const flakeFile = path.join(sandbox.flake, 'flake.nix');
    const original = readFileSync(flakeFile);

    const run = await runCli(sandbox, ['reenable', 'unified-llm', '--yes']);

    expect(run.exitCode).toBe(0);
    const [id] = runIds();
    const records = journalRecords(id!);
    expect(records[0]).toMatchObject({ type: 'start', id, command: ['reenable', 'unified-llm'], host: 'kernelcore', flake: sandbox.flake });
    const intent = records.find((r) => r.type === 'intent')!;
    expect(intent).toMatchObject({ file: flakeFile });
    const saved = readFileSync(path.join(journalDir(), 'runs', id!, String(intent.sha256Before)));
    expect(saved.equals(original)).toBe(true);
    expect(records.filter((r) => r.type === 'check' && r.kind === 'gate').map((r) => r.measured)).toContain(
      'headroom 13.9 GiB (MemAvailable 9.0 GiB + usable swap 4.9 GiB)',
    );
    expect(records.find((r) => r.type === 'rebuild')).toMatchObject({ status: 'switched' });
    expect(records.at(-1)).toMatchObject({ type: 'end', status: 'done', exitCode: 0 });

    expect(statSync(journalDir()).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(journalDir(), 'runs', id!)).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(path.join(journalDir(), 'runs', id!))) {
      expect(statSync(path.join(journalDir(), 'runs', id!, name)).mode & 0o777).toBe(0o600);
    }
  });

  it('history lists the runs newest first with their command, status and files', async () => {
    sandbox = makeSandbox('tuned');
    await runCli(sandbox, ['rollback', '--yes', '--only', 'zram', '--no-rebuild']);
    await runCli(sandbox, ['rollback', '--yes'], { TW_STUB_REBUILD: 'fail' });

    const history = await runCli(sandbox, ['history']);

    expect(history.exitCode).toBe(0);
    const lines = history.stdout.split('\n');
    expect(lines[0]).toMatch(/^RUN\s+STARTED\s+COMMAND\s+STATUS\s+FILES$/);
    expect(lines[1]).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+rollback\s+rebuild-failed\s+-$/);
    expect(lines[2]).toMatch(/rollback\s+done\s+1: modules\/system\/memory.nix$/);
  });
});

describe('tune-wizard undo', () => {
  it('shows the diff, puts back the exact bytes and rebuilds; a second undo has nothing left to do', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);
    await runCli(sandbox, ['rollback', '--yes']);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual(rolledBackFiles);

    const undo = await runCli(sandbox, ['undo', '--yes']);

    expect(undo.exitCode).toBe(0);
    expect(undo.stdout).toContain('-      memoryPercent = 25;');
    expect(undo.stdout).toContain('+      memoryPercent = 50;  # Was 25% - now gives ~24GB effective RAM');
    expect(undo.stdout).toContain('Undone: restored modules/system/nix.nix, sec/hardening.nix, modules/security/nix-daemon.nix, modules/system/memory.nix and rebuilt.');
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    // rollback's build and switch, then undo's build and switch
    expect(stubCalls()).toHaveLength(4);

    const again = await runCli(sandbox, ['undo', '--yes']);

    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/^Nothing left to undo: the last run that changed files, run \S+ \(tune-wizard rollback, .*\), was already undone by run \S+\.$/);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(stubCalls()).toHaveLength(4);
  });

  it('when its rebuild fails, says the files stay undone and names the command to run once fixed, not "run again" (exit 4)', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);
    await runCli(sandbox, ['rollback', '--yes']);

    const undo = await runCli(sandbox, ['undo', '--yes', '--elevate', 'none'], { TW_STUB_REBUILD: 'fail-build' });

    expect(undo.exitCode).toBe(4);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    const last = undo.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^tune-wizard: `nixos-rebuild build --flake \S+` exited with code 1/);
    expect(last).not.toContain('run again');
    expect(last).toContain(`Fix the error, then run \`nixos-rebuild switch --flake ${sandbox.flake}#kernelcore\` yourself.`);
    expect(last).toContain('The files stay as undo put them (');
    expect(last).toContain('`tune-wizard undo` again would find nothing left to undo.');
    expect(undo.stderr).not.toContain('the files stay restored');

    const again = await runCli(sandbox, ['undo', '--yes']);
    expect(again.stdout).toContain('Nothing left to undo');
  });

  it('refuses a file edited since the run, names it, and restores nothing; --force overwrites it', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);
    await runCli(sandbox, ['rollback', '--yes', '--no-rebuild']);
    const memory = path.join(sandbox.flake, 'modules/system/memory.nix');
    writeFileSync(memory, readFileSync(memory, 'utf8').replace('priority = 10;', 'priority = 5;'));
    const edited = snapshot(sandbox.flake);

    const refused = await runCli(sandbox, ['undo', '--yes', '--no-rebuild']);

    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`${memory} changed since run`);
    expect(refused.stderr).toContain('--force` to overwrite them');
    expect(refused.stderr).toContain('Nothing was restored.');
    expect(changedFiles(edited, snapshot(sandbox.flake))).toEqual([]);

    const forced = await runCli(sandbox, ['undo', '--yes', '--no-rebuild', '--force']);

    expect(forced.exitCode).toBe(0);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
  });

  it('names the saved copy of a deleted file and puts it back with --force; a missing folder is named', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);
    await runCli(sandbox, ['rollback', '--yes', '--no-rebuild']);
    const [runId] = runIds();
    const hardening = path.join(sandbox.flake, 'sec/hardening.nix');
    rmSync(hardening);
    const saved = path.join(journalDir(), 'runs', runId!, journalRecords(runId!).find((r) => r.type === 'intent' && r.file === hardening)!.sha256Before as string);

    const refused = await runCli(sandbox, ['undo', '--yes', '--no-rebuild']);

    expect(refused.exitCode).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([
      `tune-wizard: sec/hardening.nix (in ${sandbox.flake}) no longer exists; run ${runId} saved its bytes from before it in ${saved}. \`tune-wizard undo ${runId} --force\` puts it back. Nothing was restored.`,
    ]);
    expect(readFileSync(saved)).toEqual(before.get('sec/hardening.nix'));

    rmSync(path.join(sandbox.flake, 'sec'), { recursive: true });
    const noFolder = await runCli(sandbox, ['undo', '--yes', '--no-rebuild', '--force']);
    expect(noFolder.exitCode).toBe(1);
    expect(noFolder.stderr).toContain(`nor does the folder ${path.join(sandbox.flake, 'sec')}; run ${runId} saved its bytes`);
    expect(noFolder.stderr).toContain('Nothing was restored.');
    expect(changedFiles(before, snapshot(sandbox.flake))).toContain('modules/system/nix.nix'); // nothing restored

    mkdirSync(path.join(sandbox.flake, 'sec'));
    const forced = await runCli(sandbox, ['undo', '--yes', '--no-rebuild', '--force']);

    expect(forced.exitCode).toBe(0);
    expect(forced.stderr).toContain('(recreated sec/hardening.nix, which had been deleted)');
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
  });

  it('names every deleted file with its own saved copy, in the plural', async () => {
    sandbox = makeSandbox('tuned');
    await runCli(sandbox, ['rollback', '--yes', '--no-rebuild']);
    renameSync(sandbox.flake, `${sandbox.flake}-moved`);

    const refused = await runCli(sandbox, ['undo', '--yes', '--no-rebuild', '--force']);

    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/modules\/system\/nix\.nix, sec\/hardening\.nix, modules\/security\/nix-daemon\.nix, modules\/system\/memory\.nix \(in [^)]*\) no longer exist, nor do the folders /);
    expect(refused.stderr).toMatch(/saved their bytes from before it: modules\/system\/nix\.nix in \S+\/runs\/\S+\/[0-9a-f]{64}, sec\/hardening\.nix in /);
    expect(refused.stderr).toContain('Create the folders (or move the flake back)');
  });

  it('undoes the run named on the command line', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);
    await runCli(sandbox, ['rollback', '--yes', '--only', 'cpu', '--no-rebuild']);
    const [first] = runIds();
    await runCli(sandbox, ['rollback', '--yes', '--only', 'zram', '--no-rebuild']);

    const undo = await runCli(sandbox, ['undo', first!, '--yes', '--no-rebuild']);

    expect(undo.exitCode).toBe(0);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual(['modules/system/memory.nix']);
  });

  it('needs --yes when there is no terminal to ask on (exit 2)', async () => {
    sandbox = makeSandbox('tuned');
    await runCli(sandbox, ['rollback', '--yes', '--no-rebuild']);
    const after = snapshot(sandbox.flake);

    const undo = await runCli(sandbox, ['undo']);

    expect(undo.exitCode).toBe(2);
    expect(changedFiles(after, snapshot(sandbox.flake))).toEqual([]);
  });

  it('says there is nothing to undo when no run changed a file', async () => {
    sandbox = makeSandbox('tuned');
    const undo = await runCli(sandbox, ['undo', '--yes']);
    expect(undo.exitCode).toBe(0);
    expect(undo.stdout).toBe('Nothing to undo: no recorded run changed a file.');
  });
});

describe('a run killed half-way', () => {
  it('stops the next --yes run with a pointer to undo, and undo completes the rollback', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);
    const killed = await runCli(sandbox, ['rollback', '--yes'], { TUNE_WIZARD_TEST_KILL_AT: 'written-recorded@2' });
    expect(killed.exitCode).toBeUndefined();
    const halfway = snapshot(sandbox.flake);
    expect(changedFiles(before, halfway)).toEqual(['modules/system/nix.nix', 'sec/hardening.nix']);

    const next = await runCli(sandbox, ['rollback', '--yes']);

    expect(next.exitCode).toBe(1);
    expect(next.stderr).toMatch(/took over the lock of run \S+ \(pid \d+\), which is no longer running/);
    expect(next.stderr).toMatch(/run \S+ \(tune-wizard rollback, .*\) did not finish: it was killed or crashed/);
    expect(next.stderr).toContain('Run `tune-wizard undo` to put its files back');
    expect(changedFiles(halfway, snapshot(sandbox.flake))).toEqual([]);

    const dryRun = await runCli(sandbox, ['rollback', '--dry-run']);
    expect(dryRun.exitCode).toBe(0);
    expect(dryRun.stderr).toMatch(/⚠ run \S+ \(tune-wizard rollback, .*\) did not finish; `tune-wizard undo` puts its files back\./);

    const undo = await runCli(sandbox, ['undo', '--yes', '--no-rebuild']);

    expect(undo.exitCode).toBe(0);
    expect(undo.stdout).toContain('That run did not finish (killed or crashed); this completes its rollback.');
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    const history = await runCli(sandbox, ['history']);
    expect(history.stdout).toMatch(/rollback\s+interrupted, undone by \S+/);

    const retry = await runCli(sandbox, ['rollback', '--yes']);
    expect(retry.exitCode).toBe(0);
  });
});

describe('an undo killed half-way', () => {
  it('is finished by the next undo, which brings back the exact original bytes', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);
    await runCli(sandbox, ['rollback', '--yes', '--no-rebuild']);
    const killed = await runCli(sandbox, ['undo', '--yes', '--no-rebuild'], { TUNE_WIZARD_TEST_KILL_AT: 'renamed@4' });
    expect(killed.exitCode).toBeUndefined();
    expect(changedFiles(before, snapshot(sandbox.flake)).length).toBeGreaterThan(0);

    const undo = await runCli(sandbox, ['undo', '--yes', '--no-rebuild']);

    expect(undo.exitCode).toBe(0);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    const history = await runCli(sandbox, ['history']);
    expect(history.stdout).toMatch(/undo \S+\s+interrupted\s/);
    const again = await runCli(sandbox, ['undo', '--yes', '--no-rebuild']);
    expect(again.stdout).toMatch(/^Nothing left to undo/);
  });
});

describe('one run at a time', () => {
  it('refuses a second run on the same flake and names the pid of the first', async () => {
    sandbox = makeSandbox('tuned');
    const first = startCli(sandbox, ['rollback', '--yes'], { TW_STUB_REBUILD: 'hang' });
    await waitForOutput(first, /building '\/nix\/store\/.*unified-llm/);

    const second = await runCli(sandbox, ['rollback', '--yes']);

    first.kill('SIGINT');
    await first;
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain(`another tune-wizard run is working on ${sandbox.flake}: pid ${first.pid} (\`tune-wizard rollback\``);
  });
});

describe('one run at a time across state directories (sudo and you)', () => {
  it('refuses a run with another state directory on the same flake, naming the first run and its journal', async () => {
    sandbox = makeSandbox('tuned');
    const first = startCli(sandbox, ['rollback', '--yes'], { TW_STUB_REBUILD: 'hang' });
    await waitForOutput(first, /building '\/nix\/store\/.*unified-llm/);
    const otherState = path.join(sandbox.dir, 'other-state');
    const during = snapshot(sandbox.flake);

    const second = await runCli({ ...sandbox, state: otherState }, ['rollback', '--yes']);
    const reenable = await runCli({ ...sandbox, state: otherState }, ['reenable', 'unified-llm', '--yes', '--no-rebuild']);
    const after = snapshot(sandbox.flake);

    first.kill('SIGINT');
    await first;
    expect(second.exitCode).toBe(1);
    expect(second.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`^tune-wizard: another tune-wizard run is working on ${sandbox.flake.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: pid ${first.pid} as \\S+ \\(\`tune-wizard rollback\`, run \\S+, started [\\d-]+ [\\d:]+; its journal is in ${sandbox.state}/tune-wizard\\)\\. Wait for it to finish or stop it, then run again\\.$`),
      ),
    ]);
    expect(reenable.exitCode).toBe(1);
    expect(reenable.stderr).toContain('another tune-wizard run is working on');
    expect(changedFiles(during, after)).toEqual([]);
    expect(stubCalls().filter((call) => call.startsWith('build'))).toHaveLength(1);

    // Once the first run is gone, so is its claim.
    const later = await runCli({ ...sandbox, state: otherState }, ['rollback', '--yes', '--no-rebuild']);
    expect(later.exitCode).toBe(0);
  });
});

describe('where the files live', () => {
  it('writes through a symlinked flake directory and a symlinked module, and undo restores them', async () => {
    sandbox = makeSandbox('tuned');
    const checkout = path.join(sandbox.dir, 'checkout');
    renameSync(sandbox.flake, checkout);
    symlinkSync(checkout, sandbox.flake);
    const shared = path.join(sandbox.dir, 'shared');
    mkdirSync(shared);
    renameSync(path.join(checkout, 'modules/system/memory.nix'), path.join(shared, 'memory.nix'));
    symlinkSync(path.join(shared, 'memory.nix'), path.join(checkout, 'modules/system/memory.nix'));
    const before = snapshot(checkout);
    const sharedBefore = readFileSync(path.join(shared, 'memory.nix'));

    const run = await runCli(sandbox, ['rollback', '--yes']);

    expect(run.exitCode).toBe(0);
    expect(lstatSync(sandbox.flake).isSymbolicLink()).toBe(true);
    expect(lstatSync(path.join(checkout, 'modules/system/memory.nix')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(shared, 'memory.nix'), 'utf8')).toContain('memoryPercent = 25;');
    expect(changedFiles(before, snapshot(checkout))).toEqual(rolledBackFiles);

    const undo = await runCli(sandbox, ['undo', '--yes', '--no-rebuild']);

    expect(undo.exitCode).toBe(0);
    expect(lstatSync(path.join(checkout, 'modules/system/memory.nix')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(shared, 'memory.nix')).equals(sharedBefore)).toBe(true);
    expect(changedFiles(before, snapshot(checkout))).toEqual([]);
    expect(tempFilesIn(checkout)).toEqual([]);
    expect(tempFilesIn(shared)).toEqual([]);
  });

  it('shares the lock between a symlink and the real path of the same flake', async () => {
    sandbox = makeSandbox('tuned');
    const link = path.join(sandbox.dir, 'link');
    symlinkSync(sandbox.flake, link);
    const first = startCli(sandbox, ['rollback', '--yes'], { TW_STUB_REBUILD: 'hang' });
    await waitForOutput(first, /building '\/nix\/store\/.*unified-llm/);

    const second = await runCli(sandbox, ['rollback', '--yes', '--flake', `${link}#kernelcore`]);

    first.kill('SIGINT');
    await first;
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain(`pid ${first.pid}`);
  });

  // Tests run as root here, where chmod does not stop a write: the test
  // bind-mounts the flake read-only when it may mount, and otherwise makes the
  // write seam fail with EROFS through TUNE_WIZARD_TEST_WRITE_ERROR.
  it('on a read-only file system names the file, says what to do and changes nothing', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);
    const mounted = tryMount(sandbox.flake, '--bind', sandbox.flake) && remountReadOnly(sandbox.flake);
    const env: Record<string, string> = mounted ? {} : { TUNE_WIZARD_TEST_WRITE_ERROR: `EROFS@${sandbox.flake}` };
    console.log(`read-only test: ${mounted ? 'read-only bind mount' : 'EROFS injected at the write call (mount not permitted)'}`);

    const run = await runCli(sandbox, ['rollback', '--yes'], env);

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(
      'cannot write modules/system/nix.nix: read-only file system; remount it read-write, or point --flake at a writable checkout',
    );
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(tempFilesIn(sandbox.flake)).toEqual([]);
    expect(stubCalls()).toEqual([]);
  });

  it('on permission denied suggests sudo or a writable --flake (injected EACCES: root can write anywhere)', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);

    const run = await runCli(sandbox, ['rollback', '--yes'], { TUNE_WIZARD_TEST_WRITE_ERROR: `EACCES@${sandbox.flake}` });

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(
      'cannot write modules/system/nix.nix: permission denied; run with sudo, or point --flake at a checkout you can write',
    );
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
  });

  // A 1 MiB tmpfs, filled up, when the machine lets the test mount one;
  // otherwise ENOSPC injected at the write call.
  it('on a full disk writes nothing, removes its temporary file and says so', async () => {
    sandbox = makeSandbox('tuned');
    const disk = path.join(sandbox.dir, 'disk');
    mkdirSync(disk);
    const mounted = tryMount(disk, '-t', 'tmpfs', '-o', 'size=1m', 'tmpfs');
    const flake = mounted ? path.join(disk, 'flake') : sandbox.flake;
    if (mounted) {
      cpSync(sandbox.flake, flake, { recursive: true });
      fillUp(path.join(disk, 'filler'));
    }
    const before = snapshot(flake);
    const env: Record<string, string> = mounted ? {} : { TUNE_WIZARD_TEST_WRITE_ERROR: `ENOSPC@${flake}` };
    console.log(`full-disk test: ${mounted ? 'a full 1 MiB tmpfs' : 'ENOSPC injected at the write call (mount not permitted)'}`);

    const run = await runCli(sandbox, ['rollback', '--yes', '--flake', `${flake}#kernelcore`], env);

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(
      'cannot write modules/system/nix.nix: no space left on device; free some space and run again (nothing was written to it)',
    );
    expect(changedFiles(before, snapshot(flake))).toEqual([]);
    expect(tempFilesIn(flake)).toEqual([]);
    const undo = await runCli(sandbox, ['undo', '--yes']);
    expect(undo.stdout).toBe('Nothing to undo: no recorded run changed a file.');
  });
});

function remountReadOnly(dir: string): boolean {
  try {
    execFileSync('mount', ['-o', 'remount,bind,ro', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function fillUp(file: string): void {
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=4k'], { stdio: 'ignore' });
  } catch {
    // dd stops with "No space left on device": the disk is full.
  }
}
