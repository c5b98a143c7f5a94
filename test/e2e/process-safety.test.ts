// Never two builds at once, whoever started the first (another state
// directory, another user, a nixos-rebuild typed by hand), nor a build
// while a killed run's switch still activates; abandoned result links go;
// a stop line above the headroom is refused before anything is written.
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { changedFiles, makeSandbox, runCli, snapshot, startCli, survivingStandIns, waitForOutput, type Sandbox } from '../support/sandbox.js';

const sandboxes: Sandbox[] = [];
afterEach(() => {
  for (const s of sandboxes.splice(0)) s.cleanup();
});

function sandbox(): Sandbox {
  const made = makeSandbox('tuned');
  sandboxes.push(made);
  return made;
}

const stubCalls = (s: Sandbox): string[] => (existsSync(s.log) ? readFileSync(s.log, 'utf8').trim().split('\n').filter(Boolean) : []);
const journalText = (s: Sandbox): string => {
  const runs = path.join(s.state, 'tune-wizard', 'runs');
  return existsSync(runs) ? readdirSync(runs).map((id) => readFileSync(path.join(runs, id, 'journal.jsonl'), 'utf8')).join('') : '';
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(test: () => boolean, ms = 10_000): Promise<void> {
  for (const deadline = Date.now() + ms; !test() && Date.now() < deadline; ) await sleep(50);
}

/** Stops the stand-ins this test started (by their recorded pids and groups), and waits for them to go. */
async function stopStandIns(pidFile: string): Promise<void> {
  for (const pid of survivingStandIns(pidFile)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await waitUntil(() => survivingStandIns(pidFile).length === 0);
}

describe('a nixos-rebuild running on the machine that no journal here knows', () => {
  it('stops a run that would build (exit 1, one line: pid, user, command, what to do), and only warns one that would not', async () => {
    const s = sandbox();
    const proc = path.join(s.sysroot, 'proc/4242');
    mkdirSync(proc);
    writeFileSync(path.join(proc, 'cmdline'), ['bash', '/nix/store/abc-nixos-rebuild/bin/nixos-rebuild', 'switch', '--flake', '/etc/nixos#other', ''].join('\0'));
    writeFileSync(path.join(proc, 'status'), 'Name:\tnixos-rebuild\nUid:\t0\t0\t0\t0\n');
    writeFileSync(path.join(s.sysroot, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
    const before = snapshot(s.flake);

    const refused = await runCli(s, ['rollback', '--yes']);

    expect(refused.exitCode).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([
      'tune-wizard: nixos-rebuild is already running on this machine (pid 4242, user root): `bash /nix/store/abc-nixos-rebuild/bin/nixos-rebuild switch --flake /etc/nixos#other`. Two builds at once are what runs a machine out of memory, so this run does not start a second one; nothing was changed. Wait for it to finish, or stop it if it is a build nobody needs, then run again.',
    ]);
    expect(changedFiles(before, snapshot(s.flake))).toEqual([]);
    expect(stubCalls(s)).toEqual([]);

    const noBuild = await runCli(s, ['rollback', '--yes', '--no-rebuild']);
    expect(noBuild.exitCode).toBe(0);
    expect(noBuild.stderr).toContain('nixos-rebuild is already running on this machine (pid 4242, user root)');
    expect(noBuild.stderr).toContain('This run does not build. Before a run that builds, wait for it to finish or stop it.');

    const undo = await runCli(s, ['undo', '--yes']);
    expect(undo.exitCode).toBe(1);
    expect(undo.stderr).toContain('nixos-rebuild is already running on this machine (pid 4242, user root)');
    expect(undo.stderr).toContain('`tune-wizard undo --no-rebuild` puts the files back without building.');
    expect(stubCalls(s)).toEqual([]);
  });

  it('is found for a real build started from another state directory and another flake', async () => {
    const first = sandbox();
    const second = sandbox();
    const pidFile = path.join(first.dir, 'stub.pids');
    const child = startCli(first, ['rollback', '--yes'], { TW_STUB_REBUILD: 'hang', TW_STUB_PIDFILE: pidFile });
    try {
      await waitForOutput(child, /building '\/nix\/store\/.*unified-llm/);
      const [buildPid] = readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
      // The second run's sysroot sees the real process of the first run's build.
      symlinkSync(`/proc/${buildPid}`, path.join(second.sysroot, 'proc', String(buildPid)));
      const before = snapshot(second.flake);

      const refused = await runCli(second, ['rollback', '--yes']);

      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`^tune-wizard: nixos-rebuild is already running on this machine \\(pid ${buildPid}, user [^)]+\\): \`\\S*bash \\S+/test/support/bin/nixos-rebuild build --flake ${first.flake}#kernelcore[^\`]*\`\\. Two builds at once`));
      expect(changedFiles(before, snapshot(second.flake))).toEqual([]);
      expect(stubCalls(second)).toEqual([]);
    } finally {
      child.kill('SIGINT');
      await child;
      await stopStandIns(pidFile);
    }
  });
});

describe('a switch left running by a tune-wizard killed with SIGKILL', () => {
  it('is recorded like the build: history names it, and undo does not start a second rebuild while it runs', async () => {
    const s = sandbox();
    const pidFile = path.join(s.dir, 'stub.pids');
    const child = startCli(s, ['rollback', '--yes'], { TW_STUB_SWITCH_SECONDS: '8', TW_STUB_PIDFILE: pidFile });
    try {
      await waitForOutput(child, /activating the configuration/);
      await waitUntil(() => journalText(s).includes('"phase":"switch"'));
      child.kill('SIGKILL');
      await child;
      const switchGroup = Number(readFileSync(pidFile, 'utf8').trim().split('\n').at(-1)!.split(' ')[1]);

      const history = await runCli(s, ['history']);
      expect(history.stdout).toMatch(new RegExp(`rollback +interrupted, switch still running \\(process group ${switchGroup}\\)`));

      const undo = await runCli(s, ['undo', '--yes']);
      expect(undo.exitCode).toBe(1);
      const lines = undo.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^tune-wizard: the switch of run \S+ is still running, unwatched \(its tune-wizard, pid \d+, is gone\): `nixos-rebuild switch --flake /);
      expect(lines[0]).toContain('Wait for it to finish (stopping it halfway would leave the system half-switched), then run again.');
      expect(stubCalls(s).filter((call) => call.startsWith('switch'))).toHaveLength(1);
      expect(stubCalls(s).filter((call) => call.startsWith('build'))).toHaveLength(1);
    } finally {
      await stopStandIns(pidFile);
    }
  });
});

describe('a build directory left by a tune-wizard killed with SIGKILL', () => {
  it('loses its result link (a GC root) at the next build; a --mode build result stays', async () => {
    const s = sandbox();
    const pidFile = path.join(s.dir, 'stub.pids');
    const kept = await runCli(s, ['rollback', '--yes', '--mode', 'build']);
    expect(kept.exitCode).toBe(0);
    const keptDir = /the result link stays in (\S+)\/result/.exec(kept.stderr)![1]!;
    const undone = await runCli(s, ['undo', '--yes', '--no-rebuild']);
    expect(undone.exitCode).toBe(0);

    const child = startCli(s, ['rollback', '--yes'], { TW_STUB_BUILD_SECONDS: '2', TW_STUB_PIDFILE: pidFile });
    await waitForOutput(child, /Compiling crate-1 /);
    child.kill('SIGKILL');
    await child;
    await waitUntil(() => survivingStandIns(pidFile).length === 0);
    const leftOver = readdirSync(s.dir).filter((n) => n.startsWith(`tune-wizard-build-${child.pid}-`));
    expect(leftOver).toHaveLength(1);
    // The stand-in dies of SIGPIPE once its reader is gone; a build that
    // got to its end leaves the link it would have made.
    const link = path.join(s.dir, leftOver[0]!, 'result');
    if (readdirSync(path.dirname(link)).length === 0) symlinkSync(keptDir, link);
    expect(readdirSync(path.dirname(link))).toEqual(['result']);

    const undo = await runCli(s, ['undo', '--yes']);

    expect(undo.exitCode).toBe(0);
    expect(existsSync(path.join(s.dir, leftOver[0]!))).toBe(false);
    expect(readdirSync(keptDir)).toContain('result');
  });
});

describe('--stop-below above the headroom there is now', () => {
  it('is refused before the first edit, with nothing written or restored (exit 5)', async () => {
    const s = sandbox();
    const before = snapshot(s.flake);

    const run = await runCli(s, ['rollback', '--yes', '--stop-below', '99%']);

    expect(run.exitCode).toBe(5);
    expect(run.stderr).toMatch(/tune-wizard: Not building: headroom 13\.9 GiB \(MemAvailable .*\) is already under [\d.]+ GiB \(.*\)\. Nothing was built and the running system was not touched\. Free memory first, or set --stop-below lower\.$/m);
    expect(run.stderr).not.toContain('wrote ');
    expect(run.stderr).not.toContain('restored');
    expect(changedFiles(before, snapshot(s.flake))).toEqual([]);
    expect(stubCalls(s)).toEqual([]);
  });
});
