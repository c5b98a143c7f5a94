// The watched rebuild, end to end: the built CLI with the stand-in
// nixos-rebuild in each of its outcomes. Each test asserts the files, the
// exit code, the message, and that no stand-in process is left running.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import {
  changedFiles,
  makeSandbox,
  runCli,
  snapshot,
  startCli,
  survivingStandIns,
  waitForOutput,
  type Sandbox,
} from '../support/sandbox.js';

let sandbox: Sandbox;
afterEach(() => sandbox?.cleanup());

const pidFile = (): string => path.join(sandbox.dir, 'stub.pids');
const stubCalls = (): string[] => (existsSync(sandbox.log) ? readFileSync(sandbox.log, 'utf8').trim().split('\n') : []);
const target = (): string => `--flake ${sandbox.flake}#kernelcore`;

function setup(): Map<string, Buffer> {
  sandbox = makeSandbox('tuned');
  return snapshot(sandbox.flake);
}

describe('building first, switching second', () => {
  it('builds as the user, then switches with the chosen elevation, and prints a summary', async () => {
    const before = setup();

    const run = await runCli(sandbox, ['rollback', '--yes', '--elevate', 'sudo'], { TW_STUB_PIDFILE: pidFile() });

    expect(run.exitCode).toBe(0);
    expect(changedFiles(before, snapshot(sandbox.flake))).toHaveLength(4);
    expect(stubCalls()).toEqual([`build ${target()}`, `sudo nixos-rebuild switch ${target()}`, `switch ${target()}`]);
    // 13.9 GiB before the switch; 11.5 GiB if a sample lands after the stand-in switch swapped in the rolled-back meminfo.
    expect(run.stderr).toMatch(/rebuild summary: \d+s; peak memory used 6\.6 GiB, lowest headroom (13\.9|11\.5) GiB, swap peak 800 MiB; 2 derivations started; result: switched/);
    expect(run.stderr).toContain('  · memory: 9.0 GiB available of 15.6 GiB, swap 800 MiB of 7.8 GiB used, zram 3.3:1, pressure 3.4%, headroom 13.9 GiB\n');
    expect(survivingStandIns(pidFile())).toEqual([]);
  });

  it('passes the arguments after -- to both nixos-rebuild runs', async () => {
    setup();

    const run = await runCli(sandbox, ['rollback', '--yes', '--', '--max-jobs', '1', '--cores', '2']);

    expect(run.exitCode).toBe(0);
    expect(stubCalls()).toEqual([`build ${target()} --max-jobs 1 --cores 2`, `switch ${target()} --max-jobs 1 --cores 2`]);
  });

  it('refuses an argument after -- that would change what is built or switched (exit 2), before anything is changed', async () => {
    const before = setup();

    for (const extra of [['--flake', '/etc/nixos#other'], ['switch']]) {
      const run = await runCli(sandbox, ['rollback', '--yes', '--', ...extra]);

      expect(run.exitCode).toBe(2);
      expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining(`\`-- ${extra[0]}\` is not a build option tune-wizard passes on`)]);
    }
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(stubCalls()).toEqual([]);
  });

  it('with --mode build only builds, keeps the result link and skips the checks', async () => {
    setup();

    const run = await runCli(sandbox, ['rollback', '--yes', '--mode', 'build']);

    expect(run.exitCode).toBe(0);
    expect(stubCalls()).toEqual([`build ${target()}`]);
    const link = /the result link stays in (\S+)\/result/.exec(run.stderr)?.[1];
    expect(link).toBeDefined();
    expect(path.dirname(link!)).toBe(sandbox.dir);
    expect(readdirSync(link!)).toEqual(['.tune-wizard-keep', 'result']); // the marker keeps it from the sweep
    expect(run.stdout).toContain('built (--mode build), not running yet, so not checked.');
  });

  it('with --mode boot builds, then runs boot, and does not check a system that is not running yet', async () => {
    setup();

    const run = await runCli(sandbox, ['rollback', '--yes', '--mode', 'boot']);

    expect(run.exitCode).toBe(0);
    expect(stubCalls()).toEqual([`build ${target()}`, `boot ${target()}`]);
    expect(run.stdout).toContain('built (--mode boot)');
    expect(`${run.stdout}${run.stderr}`).toContain('[4/9] Rebuild and install for next boot');
    expect(`${run.stdout}${run.stderr}`).not.toContain('Rebuild and switch');
  });

  it.each([
    ['build', 'Rebuild (build only)'],
    ['test', 'Rebuild and test (not kept after reboot)'],
  ])('with --mode %s titles the rebuild step "%s"', async (mode, title) => {
    setup();

    const run = await runCli(sandbox, ['rollback', '--yes', '--mode', mode]);

    expect(run.exitCode).toBe(0);
    expect(`${run.stdout}${run.stderr}`).toContain(`[4/9] ${title}\n`);
    expect(`${run.stdout}${run.stderr}`).not.toContain('Rebuild and switch');
  });

  it('never switches after a failed build, restores the files and exits 4', async () => {
    const before = setup();

    const run = await runCli(sandbox, ['rollback', '--yes'], { TW_STUB_REBUILD: 'fail-build', TW_STUB_PIDFILE: pidFile() });

    expect(run.exitCode).toBe(4);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(stubCalls()).toEqual([`build ${target()}`]);
    expect(run.stderr).toContain(`\`nixos-rebuild build ${target()}\` exited with code 1: `);
    expect(run.stderr).toContain('The running system was not touched.');
    expect(run.stderr).not.toContain('partly switched');
    expect(survivingStandIns(pidFile())).toEqual([]);
  });

  it('reports a failed switch as such, says how to roll back, restores the files and exits 4', async () => {
    const before = setup();

    const run = await runCli(sandbox, ['rollback', '--yes', '--elevate', 'doas'], { TW_STUB_REBUILD: 'fail-switch', PATH: doasPath() });

    expect(run.exitCode).toBe(4);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(run.stderr).toContain(`The build succeeded, but \`doas nixos-rebuild switch ${target()}\` exited with code 4`);
    expect(run.stderr).toContain('The system is partly switched: /run/current-system points at the new generation. Check `systemctl --failed`; `doas nixos-rebuild switch --rollback` goes back to the previous generation.');
  });

  it('names the kernel OOM killer and its victim when it killed a builder', async () => {
    setup();
    mkdirSync(path.join(sandbox.sysroot, 'dev'));
    writeFileSync(path.join(sandbox.sysroot, 'dev/kmsg'), '3,12,5000000,-;Out of memory: Killed process 77 (old-victim)\n');

    const run = await runCli(sandbox, ['rollback', '--yes'], { TW_STUB_REBUILD: 'oom-killed' });

    expect(run.exitCode).toBe(4);
    expect(run.stderr).toContain("Memory: the kernel log shows the kernel's OOM killer killed rustc (pid 4242). The running system was not touched. Build with less parallelism, e.g. add `-- --max-jobs 1 --cores 2`, or free memory first, then run again.");
    expect(run.stderr).not.toContain('Fix the error');
    expect(run.stderr).not.toContain('old-victim');
  });
});

describe('stopping a build', () => {
  it('stops a hanging build on one Ctrl-C, restores the files, leaves no process and exits 130', async () => {
    const before = setup();

    const child = startCli(sandbox, ['rollback', '--yes'], { TW_STUB_REBUILD: 'hang', TW_STUB_PIDFILE: pidFile() });
    await waitForOutput(child, /building '\/nix\/store\/.*unified-llm/);
    child.kill('SIGINT');
    const run = await child;

    expect(run.exitCode).toBe(130);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(run.stderr).toContain('Ctrl-C: stopping the build');
    expect(run.stderr).toContain('Stopped: restored');
    expect(run.stderr).toContain('the build was stopped and the running system was not touched');
    expect(stubCalls()).toEqual([`build ${target()}`]);
    expect(survivingStandIns(pidFile())).toEqual([]);
  });

  it('kills a build that ignores SIGTERM once the grace period is over', async () => {
    const before = setup();

    const child = startCli(sandbox, ['rollback', '--yes'], {
      TW_STUB_REBUILD: 'ignore-term',
      TW_STUB_PIDFILE: pidFile(),
      TUNE_WIZARD_KILL_GRACE_MS: '700',
    });
    await waitForOutput(child, /Compiling candle-core/);
    child.kill('SIGINT');
    const run = await child;

    expect(run.exitCode).toBe(130);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(survivingStandIns(pidFile())).toEqual([]);
  });
});

describe('a build left running by a tune-wizard killed with SIGKILL', () => {
  it('is recorded, named by history, and no run or undo starts a second build while it runs', async () => {
    const before = setup();
    const child = startCli(sandbox, ['rollback', '--yes'], { TW_STUB_REBUILD: 'hang', TW_STUB_PIDFILE: pidFile() });
    await waitForOutput(child, /running nixos-rebuild build/);
    const journal = (): string => {
      const runs = path.join(sandbox.state, 'tune-wizard', 'runs');
      return readdirSync(runs).map((id) => readFileSync(path.join(runs, id, 'journal.jsonl'), 'utf8')).join('');
    };
    for (let i = 0; i < 100 && !journal().includes('"build-started"'); i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await child;
    const [buildPid, buildGroup] = readFileSync(pidFile(), 'utf8').trim().split(' ').map(Number);
    expect(buildPid).toBe(buildGroup);
    const survivors = survivingStandIns(pidFile());
    expect(survivors).toContain(buildPid);
    const edited = snapshot(sandbox.flake);
    expect(changedFiles(before, edited)).toHaveLength(4);

    try {
      const history = await runCli(sandbox, ['history']);
      expect(history.stdout).toMatch(new RegExp(`rollback +interrupted, build still running \\(process group ${buildGroup}\\)`));
      expect(history.stderr).toContain(`stop it with \`kill -- -${buildGroup}\``);

      for (const command of [['undo', '--yes'], ['rollback', '--yes']]) {
        const refused = await runCli(sandbox, command);
        expect(refused.exitCode, command.join(' ')).toBe(1);
        const lines = refused.stderr.trim().split('\n');
        expect(lines, command.join(' ')).toHaveLength(1);
        expect(lines[0]).toMatch(/^tune-wizard: the build of run \S+ is still running, unwatched \(its tune-wizard, pid \d+, is gone\): `nixos-rebuild build --flake /);
        expect(lines[0]).toContain(`process group ${buildGroup}`);
        expect(lines[0]).toContain('does not start a second one; nothing was changed.');
        expect(lines[0]).toContain(`Wait for it to finish, or stop it with \`kill -- -${buildGroup}\`, then run again.`);
      }
      expect(changedFiles(edited, snapshot(sandbox.flake))).toEqual([]);
      expect(stubCalls().filter((call) => call.startsWith('build'))).toHaveLength(1);
      // tune-wizard never signals it: it is still there.
      expect(survivingStandIns(pidFile())).toContain(buildPid);
    } finally {
      process.kill(-buildGroup!, 'SIGKILL');
    }
    for (let i = 0; i < 100 && survivingStandIns(pidFile()).length > 0; i++) await new Promise((r) => setTimeout(r, 50));

    const undo = await runCli(sandbox, ['undo', '--yes']);

    expect(undo.exitCode).toBe(0);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(stubCalls().filter((call) => call.startsWith('build'))).toHaveLength(2);
    expect((await runCli(sandbox, ['history'])).stdout).not.toContain('build still running');
  });
});

describe('a build of another flake still running', () => {
  it('stops a run that would build a second one (exit 1), and names the run to stop', async () => {
    setup();
    const other = makeSandbox('tuned');
    try {
      const first = startCli(sandbox, ['rollback', '--yes'], { TW_STUB_REBUILD: 'hang' });
      await waitForOutput(first, /building '\/nix\/store\/.*unified-llm/);
      const before = snapshot(other.flake);

      const second = await runCli({ ...other, state: sandbox.state }, ['rollback', '--yes']);
      const afterRefused = snapshot(other.flake);
      const noBuild = await runCli({ ...other, state: sandbox.state }, ['rollback', '--yes', '--no-rebuild']);

      first.kill('SIGINT');
      await first;
      expect(second.exitCode).toBe(1);
      expect(second.stderr).toMatch(new RegExp(`^tune-wizard: run \\S+ is still building \\(its tune-wizard is pid ${first.pid}\\): .*does not start a second one; nothing was changed\\. Wait for it to finish, or stop that run with Ctrl-C in its terminal \\(or \`kill -INT ${first.pid}\`\\), then run again\\.$`, 'm'));
      expect(noBuild.exitCode).toBe(0);
      expect(noBuild.stderr).toContain('This run does not build. Before a run that builds, wait for it to finish or stop that run');
      expect(changedFiles(before, afterRefused)).toEqual([]);
      expect(changedFiles(before, snapshot(other.flake))).toHaveLength(4);
    } finally {
      other.cleanup();
    }
  });
});

describe('interrupting the switch', () => {
  it('lets an activation finish on Ctrl-C, keeps the files that match it and exits 130', async () => {
    const before = setup();

    const child = startCli(sandbox, ['rollback', '--yes'], { TW_STUB_SWITCH_SECONDS: '2', TW_STUB_PIDFILE: pidFile() });
    await waitForOutput(child, /activating the configuration/);
    child.kill('SIGINT');
    const run = await child;

    expect(run.exitCode).toBe(130);
    expect(run.stderr).toContain('Ctrl-C: letting the activation finish, so the system is not left half-switched');
    expect(run.stderr).toContain('restarting sysinit-reactivation.target');
    expect(run.stderr).toContain("Interrupted during switch, which was let finish so the system is not half-switched. The files keep this run's changes");
    expect(changedFiles(before, snapshot(sandbox.flake))).toHaveLength(4);
    expect(run.stderr).not.toContain('restored');
    expect(survivingStandIns(pidFile())).toEqual([]);
  });
});

describe('the watchdog', () => {
  it('stops a build whose memory really grows, restores the files and exits 5', async () => {
    const before = setup();
    const meminfo = path.join(sandbox.sysroot, 'proc/meminfo');
    const GiB = 1024 ** 3;
    // No swap here, so headroom is MemAvailable, which the allocating child
    // lowers by exactly its own growth: it crosses 1 GiB after ~96 MiB.
    writeFileSync(meminfo, `MemTotal:       16318480 kB\nMemAvailable:   ${(GiB + 96 * 1024 ** 2) / 1024} kB\nSwapTotal:      0 kB\nSwapFree:       0 kB\n`);
    writeFileSync(path.join(sandbox.sysroot, 'proc/swaps'), 'Filename\tType\tSize\tUsed\tPriority\n');

    // A process the wizard did not start, which must outlive the stop.
    const bystander = spawn('sleep', ['60'], { stdio: 'ignore' });

    const run = await runCli(sandbox, ['rollback', '--yes', '--stop-below', '1G'], {
      TW_STUB_REBUILD: 'allocate',
      TW_STUB_PIDFILE: pidFile(),
      TW_ALLOC_MEMINFO: meminfo,
      TW_ALLOC_AVAIL_KB: String((GiB + 96 * 1024 ** 2) / 1024),
      TW_ALLOC_STEP_MB: '16',
      TW_ALLOC_MAX_MB: '300',
    });

    expect(run.exitCode).toBe(5);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(run.stderr).toContain('watchdog: stops the build when headroom falls under 1.0 GiB (--stop-below 1G)');
    expect(run.stderr).toContain('is under twice the stop line');
    expect(run.stderr).toMatch(/The watchdog stopped the build at \d\d:\d\d:\d\d \(\d+s in\): headroom \d+ MiB \(MemAvailable \d+ MiB \+ usable swap 0 B\) fell under 1\.0 GiB/);
    expect(run.stderr).toContain('The watchdog stopped the rebuild: restored');
    expect(run.stderr).not.toContain('still alive after');
    expect(stubCalls()).toEqual([`build ${target()}`]);
    expect(survivingStandIns(pidFile())).toEqual([]);
    expect(bystander.exitCode).toBeNull();
    expect(bystander.signalCode).toBeNull();
    bystander.kill();
  });

  it('does not start a build when headroom is already under the line (exit 5)', async () => {
    const before = snapshot((sandbox = makeSandbox('tight')).flake);

    const run = await runCli(sandbox, ['rollback', '--yes', '--stop-below', '3G']);

    expect(run.exitCode).toBe(5);
    expect(stubCalls()).toEqual([]);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(run.stderr).toMatch(/Not building: headroom 2\.\d GiB \(MemAvailable 2\.0 GiB \+ usable swap \d+ MiB\) is already under 3\.0 GiB \(--stop-below 3G\)\. Nothing was built/);
  });

  it('puts its default stop line just above a running earlyoom', async () => {
    setup();
    mkdirSync(path.join(sandbox.sysroot, 'proc/812'));
    const argv = ['/nix/store/abc-earlyoom-1.8/bin/earlyoom', '-m', '10', '-s', '5', '-r', '3600'];
    writeFileSync(path.join(sandbox.sysroot, 'proc/812/cmdline'), `${argv.join('\x00')}\x00`);

    const run = await runCli(sandbox, ['rollback', '--yes']);

    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('memory guard: earlyoom (running: /nix/store/abc-earlyoom-1.8/bin/earlyoom -m 10 -s 5 -r 3600)');
    // 10% of 15.6 GiB + 5% of 7.8 GiB = 1.9 GiB; plus max(256 MiB, 1% of RAM) = 2.2 GiB.
    expect(run.stderr).toContain("watchdog: stops the build when headroom falls under 2.2 GiB (just above earlyoom's 1.9 GiB");
  });
});

describe('other memory guards', () => {
  it('reads earlyoom from the configuration when it is not running', async () => {
    setup();
    const printing = path.join(sandbox.flake, 'modules/services/printing.nix');
    const text = readFileSync(printing, 'utf8');
    writeFileSync(printing, text.replace(/}\n$/, '\n  services.earlyoom = {\n    enable = true;\n    freeMemThreshold = 8;\n    freeSwapThreshold = 4;\n  };\n}\n'));

    const run = await runCli(sandbox, ['rollback', '--yes']);

    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('memory guard: earlyoom (configured: services.earlyoom (freeMemThreshold 8, freeSwapThreshold 4))');
    // 8% of 15.6 GiB + 4% of 7.8 GiB = 1.6 GiB, plus 256 MiB.
    expect(run.stderr).toContain("stops the build when headroom falls under 1.8 GiB (just above earlyoom's 1.6 GiB");
  });

  it("reads a running systemd-oomd's SwapUsedLimit from oomd.conf", async () => {
    setup();
    mkdirSync(path.join(sandbox.sysroot, 'proc/640'));
    writeFileSync(path.join(sandbox.sysroot, 'proc/640/cmdline'), '/nix/store/xyz-systemd-257/lib/systemd/systemd-oomd\x00');
    mkdirSync(path.join(sandbox.sysroot, 'etc/systemd'));
    writeFileSync(path.join(sandbox.sysroot, 'etc/systemd/oomd.conf'), '[OOM]\n# SwapUsedLimit=90%\nSwapUsedLimit=80%\n');

    const run = await runCli(sandbox, ['rollback', '--yes']);

    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('memory guard: systemd-oomd (running: systemd-oomd, SwapUsedLimit=80% (/etc/systemd/oomd.conf))');
    // 20% of 15.6 GiB + 20% of 7.8 GiB = 4.7 GiB, plus 256 MiB.
    expect(run.stderr).toContain("stops the build when headroom falls under 4.9 GiB (just above systemd-oomd's 4.7 GiB");
  });

  it('warns when --stop-below sits under a running guard', async () => {
    setup();
    mkdirSync(path.join(sandbox.sysroot, 'proc/812'));
    writeFileSync(path.join(sandbox.sysroot, 'proc/812/cmdline'), 'earlyoom\x00-m\x0010\x00');

    const run = await runCli(sandbox, ['rollback', '--yes', '--stop-below', '500M']);

    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('earlyoom acts at or above this line (running: earlyoom -m 10), so it may kill a process first; raise --stop-below above it.');
  });
});

describe('--quiet', () => {
  it('writes the build output to a private log file and prints its path', async () => {
    setup();

    const run = await runCli(sandbox, ['rollback', '--yes', '--quiet']);

    expect(run.exitCode).toBe(0);
    const file = /build output: (\S+)/.exec(run.stderr)?.[1];
    expect(file).toBeDefined();
    expect(path.dirname(file!)).toBe(path.join(sandbox.dir, 'state/tune-wizard/logs'));
    expect(statSync(path.dirname(file!)).mode & 0o777).toBe(0o700);
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    const log = readFileSync(file!, 'utf8');
    expect(log).toContain("building '/nix/store/3x7c0w6k2f9q1p8d5z7y4m6n0b2v1c3x-unified-llm-0.4.2.drv'...");
    expect(log).toContain('activating the configuration...');
    expect(run.stderr).not.toContain('unified-llm-0.4.2.drv');
  });
});

/** A PATH where `doas` is the sudo stand-in under another name. */
function doasPath(): string {
  const bin = path.join(sandbox.dir, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'doas'), '#!/usr/bin/env bash\n[ -n "${TW_STUB_LOG:-}" ] && printf \'doas %s\\n\' "$*" >> "$TW_STUB_LOG"\nexec "$@"\n', { mode: 0o755 });
  const support = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../support/bin');
  return [bin, support, process.env.PATH ?? ''].join(path.delimiter);
}
