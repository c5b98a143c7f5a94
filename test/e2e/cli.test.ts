// Black-box tests: the built CLI on a temporary copy of examples/kernelcore,
// with stand-in nixos-rebuild and sudo on PATH and a fixture sysroot.
import { existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { changedFiles, makeSandbox, repoRoot, runCli, snapshot, startCli, stubBin, waitForOutput, type Sandbox } from '../support/sandbox.js';

const expectedDir = path.join(repoRoot, 'test/fixtures/expected/kernelcore-rollback');
const rolledBackFiles = ['modules/security/nix-daemon.nix', 'modules/system/memory.nix', 'modules/system/nix.nix', 'sec/hardening.nix'];

let sandbox: Sandbox;
afterEach(() => sandbox?.cleanup());

function stubCalls(): string[] {
  return existsSync(sandbox.log) ? readFileSync(sandbox.log, 'utf8').trim().split('\n') : [];
}

describe('tune-wizard rollback', () => {
  it('edits the four tuned modules, rebuilds, verifies, and leaves every other byte alone', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);

    const run = await runCli(sandbox, ['rollback', '--yes']);

    expect(run.stderr).not.toContain('unexpected error');
    expect(run.exitCode).toBe(0);
    const after = snapshot(sandbox.flake);
    expect(changedFiles(before, after)).toEqual(rolledBackFiles);
    for (const file of rolledBackFiles) {
      expect(after.get(file)!.toString('utf8')).toBe(readFileSync(path.join(expectedDir, file), 'utf8'));
    }
    expect(stubCalls()).toEqual([`build --flake ${sandbox.flake}#kernelcore`, `switch --flake ${sandbox.flake}#kernelcore`]);
    expect(run.stderr).toContain('vm.swappiness = 60');
    expect(run.stderr).toContain('max-jobs = auto in /etc/nix/nix.conf');
    expect(run.stdout).toContain('; rebuilt and checked (5 checks passed).');
    // Two of the files are modules of host sentinel as well: said, not refused.
    expect(run.stderr).toContain('modules/system/nix.nix is also used by nixosConfigurations.sentinel: this change applies there too.');
    expect(run.stderr).toContain('sec/hardening.nix is also used by nixosConfigurations.sentinel: this change applies there too.');
    expect(run.stderr).not.toContain('modules/system/memory.nix is also used');
  });

  it('finds nothing to change on a second run and does not rebuild', async () => {
    sandbox = makeSandbox('tuned');
    await runCli(sandbox, ['rollback', '--yes']);
    const before = snapshot(sandbox.flake);

    const second = await runCli(sandbox, ['rollback', '--yes']);

    expect(second.exitCode).toBe(0);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(second.stdout).toContain('Nothing to change');
    expect(stubCalls()).toHaveLength(2);
  });

  it('with --dry-run prints every diff and the rebuild command but writes nothing', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);

    const run = await runCli(sandbox, ['rollback', '--dry-run']);

    expect(run.exitCode).toBe(0);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(stubCalls()).toEqual([]);
    expect(run.stdout).toContain('+        max-jobs = lib.mkDefault "auto";  # Was "auto" (12 jobs)');
    expect(run.stdout).toContain('+      memoryPercent = 25;');
    expect(run.stderr).toContain(`would run nixos-rebuild build --flake ${sandbox.flake}#kernelcore, then nixos-rebuild switch --flake ${sandbox.flake}#kernelcore`);
    expect(run.stdout).toContain('Nothing was written');
  });

  it('with --only zram changes only memory.nix', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);

    const run = await runCli(sandbox, ['rollback', '--yes', '--only', 'zram', '--no-rebuild']);

    expect(run.exitCode).toBe(0);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual(['modules/system/memory.nix']);
    expect(run.stdout).toMatch(/not rebuilt. Next: (sudo )?nixos-rebuild switch --flake /);
    expect(stubCalls()).toEqual([]);
  });

  it('restores every file and exits 4 when the rebuild fails', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);

    const run = await runCli(sandbox, ['rollback', '--yes'], { TW_STUB_REBUILD: 'fail' });

    expect(run.exitCode).toBe(4);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(run.stderr).toContain('restored');
    expect(run.stderr).toContain('exited with code 1');
  });

  it('exits 1 and says which check failed when the rebuilt system does not show the change', async () => {
    sandbox = makeSandbox('tuned');

    const run = await runCli(sandbox, ['rollback', '--yes'], { TW_STUB_SWITCH_STATE: '' });

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/the rebuilt system shows max-jobs = 4 in \/etc\/nix\/nix.conf, expected auto/);
  });
});

describe('interrupting a run', () => {
  it('stops a hanging rebuild on Ctrl-C, restores the files and exits 130', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);

    const child = startCli(sandbox, ['rollback', '--yes'], { TW_STUB_REBUILD: 'hang' });
    await waitForOutput(child, /building '\/nix\/store\/.*unified-llm/);
    child.kill('SIGINT');
    const run = await child;

    expect(run.exitCode).toBe(130);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(run.stderr).toContain('Stopped: restored');
    expect(run.stderr).toContain('Interrupted during the rebuild');
  });
});

describe('tune-wizard reenable unified-llm', () => {
  it('passes its gates, uncomments exactly the offload line, rebuilds and shows memory', async () => {
    sandbox = makeSandbox('tuned');
    const flakeFile = path.join(sandbox.flake, 'flake.nix');
    const original = readFileSync(flakeFile, 'utf8');

    const run = await runCli(sandbox, ['reenable', 'unified-llm', '--yes']);

    expect(run.exitCode).toBe(0);
    const expected = original.replace(
      '      # ./modules/ml/offload # DISABLED: Rust compilation consumes 7GB+ RAM causing OOM\n',
      '      ./modules/ml/offload\n',
    );
    expect(expected).not.toBe(original);
    expect(readFileSync(flakeFile, 'utf8')).toBe(expected);
    expect(run.stderr).toMatch(/memory: [\d.]+ GiB available of 15\.6 GiB/);
    expect(stubCalls()).toEqual([`build --flake ${sandbox.flake}#kernelcore`, `switch --flake ${sandbox.flake}#kernelcore`]);
  });

  it('stops before changing anything when headroom is short (exit 3)', async () => {
    sandbox = makeSandbox('tight');
    const before = snapshot(sandbox.flake);

    const run = await runCli(sandbox, ['reenable', 'unified-llm', '--yes']);

    expect(run.exitCode).toBe(3);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(run.stderr).toContain('headroom 2.7 GiB (MemAvailable 2.0 GiB + usable swap 673 MiB)');
    expect(run.stderr).toContain('Nothing was changed. Free memory (close programs, stop services) or lower --min-headroom, then run again.');
    expect(stubCalls()).toEqual([]);
  });

  it('stops when zram is not active (exit 3)', async () => {
    sandbox = makeSandbox('no-zram');
    const run = await runCli(sandbox, ['reenable', 'unified-llm', '--yes']);
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain('no zram device in /proc/swaps');
  });

  it('says what to do when the running swappiness is not what the configuration says (exit 3)', async () => {
    sandbox = makeSandbox('tuned');
    writeFileSync(path.join(sandbox.sysroot, 'proc/sys/vm/swappiness'), '30\n');
    const before = snapshot(sandbox.flake);

    const run = await runCli(sandbox, ['reenable', 'unified-llm', '--yes', '--elevate', 'sudo']);

    expect(run.exitCode).toBe(3);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(run.stderr).toMatch(/tune-wizard: vm\.swappiness is what the configuration says: measured .*Nothing was changed\. The running system does not show what the configuration says: switch to the configuration first \(`sudo nixos-rebuild switch --flake \S+`\), or find what else sets it, then run again\.$/m);
    expect(run.stderr).toContain(`(\`sudo nixos-rebuild switch --flake ${sandbox.flake}#kernelcore\`)`);
  });

  it('does not advise switching when the configured value is computed (exit 3)', async () => {
    sandbox = makeSandbox('tuned');
    const memory = path.join(sandbox.flake, 'modules/system/memory.nix');
    writeFileSync(memory, readFileSync(memory, 'utf8').replace('"vm.swappiness" = 100;', '"vm.swappiness" = builtins.add 50 50;'));

    const run = await runCli(sandbox, ['reenable', 'unified-llm', '--yes']);

    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain('is computed; tune-wizard cannot read it');
    expect(run.stderr).not.toContain('switch to the configuration first');
    expect(run.stderr).toContain('switching will not help: write the option as one plain value');
  });

  it('restores flake.nix when the heavy rebuild fails (exit 4)', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);
    const run = await runCli(sandbox, ['reenable', 'unified-llm', '--yes'], { TW_STUB_REBUILD: 'fail' });
    expect(run.exitCode).toBe(4);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(run.stderr).toContain('The rebuild failed: restored flake.nix to its previous bytes.');
  });
});

describe('the closing line', () => {
  it('counts one check in the singular', async () => {
    sandbox = makeSandbox('tuned');
    await runCli(sandbox, ['reenable', 'unified-llm', '--yes', '--no-rebuild']);

    const run = await runCli(sandbox, ['disable', 'unified-llm', '--yes']);

    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Done: changed flake.nix; rebuilt and checked (1 check passed).');
  });
});

describe('tune-wizard disable', () => {
  it('after reenable gives back the exact original bytes, note and all', async () => {
    sandbox = makeSandbox('tuned');
    const flakeFile = path.join(sandbox.flake, 'flake.nix');
    const original = readFileSync(flakeFile);
    await runCli(sandbox, ['reenable', 'unified-llm', '--yes', '--no-rebuild']);
    expect(readFileSync(flakeFile).equals(original)).toBe(false);

    const run = await runCli(sandbox, ['disable', 'unified-llm', '--yes', '--no-rebuild']);

    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('as it was before tune-wizard reenabled it');
    expect(readFileSync(flakeFile).equals(original)).toBe(true);
  });

  it('comments the import out again with a dated note, and reenable brings it back', async () => {
    sandbox = makeSandbox('tuned');
    const flakeFile = path.join(sandbox.flake, 'flake.nix');
    await runCli(sandbox, ['reenable', 'unified-llm', '--yes', '--no-rebuild']);
    const enabled = readFileSync(flakeFile, 'utf8');

    const run = await runCli(sandbox, ['disable', 'unified-llm', '--reason', 'OOM again', '--yes', '--no-rebuild']);

    expect(run.exitCode).toBe(0);
    const today = new Date().toISOString().slice(0, 10);
    expect(readFileSync(flakeFile, 'utf8')).toBe(
      enabled.replace('      ./modules/ml/offload\n', `      # ./modules/ml/offload # DISABLED: OOM again (${today})\n`),
    );
    await runCli(sandbox, ['reenable', 'unified-llm', '--yes', '--no-rebuild']);
    expect(readFileSync(flakeFile, 'utf8')).toBe(enabled);
  });
});

describe('tune-wizard disable, when the module stays in the host', () => {
  /** modules/ml/ollama.nix imports the offload module too. */
  function importOffloadFromOllama(): void {
    const file = path.join(sandbox.flake, 'modules/ml/ollama.nix');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('{\n  services.ollama');
    writeFileSync(file, text.replace('{\n  services.ollama', '{\n  imports = [ ./offload ];\n\n  services.ollama'));
  }

  it('refuses, saying where, when another module imports it (its own line already commented out)', async () => {
    sandbox = makeSandbox('tuned');
    importOffloadFromOllama();
    const before = snapshot(sandbox.flake);

    const run = await runCli(sandbox, ['disable', 'unified-llm', '--yes', '--no-rebuild']);

    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toContain(
      './modules/ml/offload: its line flake.nix:100 is commented out, but kernelcore still has it: it is also imported at modules/ml/ollama.nix:5.',
    );
    expect(run.stdout + run.stderr).not.toContain('Nothing to change');
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
  });

  it('refuses, writing nothing, when the host list imports it on a second line', async () => {
    sandbox = makeSandbox('tuned');
    const flakeFile = path.join(sandbox.flake, 'flake.nix');
    const line = '      ./modules/ml/ollama.nix # local inference on the 3060\n';
    const text = readFileSync(flakeFile, 'utf8');
    expect(text).toContain(line);
    writeFileSync(flakeFile, text.replace(line, `      ./modules/ml/offload\n${line}      ./modules/ml/offload\n`));
    const before = snapshot(sandbox.flake);

    const run = await runCli(sandbox, ['disable', 'unified-llm', '--yes', '--no-rebuild']);

    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toContain('./modules/ml/offload: commenting out flake.nix:99 would not take it out of kernelcore: it is also imported at flake.nix:101.');
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
  });

  it('reenable notes that another module already imports it', async () => {
    sandbox = makeSandbox('tuned');
    importOffloadFromOllama();

    const run = await runCli(sandbox, ['reenable', 'unified-llm', '--yes', '--no-rebuild']);

    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('./modules/ml/offload is already imported at modules/ml/ollama.nix:5, so kernelcore has it without this line');
  });
});

describe('tune-wizard reenable and disable with the module named by an absolute path', () => {
  it('reenable takes an absolute path inside the flake as the import it names', async () => {
    sandbox = makeSandbox('tuned');
    const flakeFile = path.join(sandbox.flake, 'flake.nix');
    const original = readFileSync(flakeFile, 'utf8');

    const run = await runCli(sandbox, ['reenable', path.join(sandbox.flake, 'modules/ml/offload'), '--yes', '--no-rebuild']);

    expect(run.stderr).not.toContain('does not exist');
    expect(run.exitCode).toBe(0);
    expect(readFileSync(flakeFile, 'utf8')).toBe(
      original.replace('      # ./modules/ml/offload # DISABLED: Rust compilation consumes 7GB+ RAM causing OOM\n', '      ./modules/ml/offload\n'),
    );
    expect(run.stderr).toContain('Uncomment ./modules/ml/offload in flake.nix');
  });

  it('disable says, in its own words, that the import is not in the host\'s modules', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);

    const run = await runCli(sandbox, ['disable', './m/nope.nix', '--yes', '--no-rebuild']);

    expect(run.exitCode).toBe(1);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(run.stderr).toContain("flake.nix: no import line `./m/nope.nix` in nixosConfigurations.kernelcore's modules; check the path as written in flake.nix. Nothing was changed.");
    expect(run.stderr).not.toContain('reenable');
  });
});

describe('tune-wizard disable, notes and trailing comments', () => {
  it('writes a short default note that reenable takes off again', async () => {
    sandbox = makeSandbox('tuned');
    const flakeFile = path.join(sandbox.flake, 'flake.nix');
    const original = readFileSync(flakeFile, 'utf8');

    const run = await runCli(sandbox, ['disable', './modules/ml/ollama.nix', '--yes', '--no-rebuild']);

    expect(run.exitCode).toBe(0);
    const today = new Date().toISOString().slice(0, 10);
    expect(readFileSync(flakeFile, 'utf8')).toBe(
      original.replace(
        '      ./modules/ml/ollama.nix # local inference on the 3060\n',
        `      # ./modules/ml/ollama.nix # local inference on the 3060 # DISABLED by tune-wizard (${today})\n`,
      ),
    );
  });

  it('comments out an import with a trailing comment, and reenable gives back the exact original bytes', async () => {
    sandbox = makeSandbox('tuned');
    const flakeFile = path.join(sandbox.flake, 'flake.nix');
    const original = readFileSync(flakeFile);

    const disabled = await runCli(sandbox, ['disable', './modules/ml/cuda.nix', '--reason', 'no GPU today', '--yes', '--no-rebuild']);
    expect(disabled.stderr).not.toContain('shares its line');
    expect(disabled.exitCode).toBe(0);
    const today = new Date().toISOString().slice(0, 10);
    expect(readFileSync(flakeFile, 'utf8')).toContain(`      # ./modules/ml/cuda.nix # toolkit + binary cache # DISABLED: no GPU today (${today})\n`);

    const back = await runCli(sandbox, ['reenable', './modules/ml/cuda.nix', '--yes', '--no-rebuild']);
    expect(back.exitCode).toBe(0);
    expect(readFileSync(flakeFile).equals(original)).toBe(true);
  });
});

describe('the order of complaints without a terminal', () => {
  it.each([
    ['a flake directory that does not exist', (s: Sandbox) => path.join(s.dir, 'nowhere'), /^tune-wizard: --flake \S+nowhere: no such directory\. Point --flake at/],
    ['a host the flake does not define', (s: Sandbox) => `${s.flake}#nohost`, /^tune-wizard: flake\.nix: no nixosConfigurations\.nohost \(it defines kernelcore, sentinel\)\. Name one with --flake /],
    ['a flake directory that is another file', (s: Sandbox) => path.join(s.flake, 'modules/system/memory.nix'), /^tune-wizard: --flake \S+memory\.nix is a file, not a flake directory\. Point --flake at the directory holding flake\.nix\.$/],
  ])('names %s before the missing terminal (exit 1)', async (_, flake, message) => {
    sandbox = makeSandbox('tuned');
    const run = await runCli(sandbox, ['rollback', '--flake', flake(sandbox)]);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(run.exitCode).toBe(1);
  });

  it('takes a path to flake.nix itself as its directory', async () => {
    sandbox = makeSandbox('tuned');
    const run = await runCli(sandbox, ['rollback', '--yes', '--no-rebuild', '--only', 'zram', '--flake', `${sandbox.flake}/flake.nix#kernelcore`]);
    expect(run.stderr).not.toContain('no flake.nix here');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Changed modules/system/memory.nix; not rebuilt.');
  });

  it('says there is nothing to undo, not that there is no terminal (exit 0)', async () => {
    sandbox = makeSandbox('tuned');
    const run = await runCli(sandbox, ['undo']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Nothing to undo');
    expect(run.stderr).not.toContain('no terminal');
  });

  it('still asks for --yes once the flake and host are right (exit 2)', async () => {
    sandbox = makeSandbox('tuned');
    const run = await runCli(sandbox, ['rollback', '--flake', `${sandbox.flake}/flake.nix#kernelcore`]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('no terminal to ask on');
  });
});

describe('commands printed to copy', () => {
  it('quotes a flake path with spaces and non-ASCII letters as one shell word', async () => {
    sandbox = makeSandbox('tuned');
    const spaced = path.join(sandbox.dir, "my flake ü's");
    renameSync(sandbox.flake, spaced);
    const run = await runCli(sandbox, ['rollback', '--yes', '--no-rebuild', '--only', 'zram', '--flake', `${spaced}#kernelcore`]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`Next: nixos-rebuild switch --flake '${spaced.replace("'", "'\\''")}#kernelcore'`);
  });

  it('quotes the flake in the "Name one with --flake" suggestion and the "running nixos-rebuild" lines', async () => {
    sandbox = makeSandbox('tuned');
    const spaced = path.join(sandbox.dir, 'my flake');
    renameSync(sandbox.flake, spaced);

    const wrongHost = await runCli(sandbox, ['rollback', '--yes', '--flake', `${spaced}#nohost`]);
    expect(wrongHost.exitCode).toBe(1);
    expect(wrongHost.stderr).toContain(`Name one with --flake '${spaced}#kernelcore'.`);

    const run = await runCli(sandbox, ['rollback', '--yes', '--elevate', 'none', '--flake', `${spaced}#kernelcore`]);
    expect(run.stderr).toContain(`running nixos-rebuild build --flake '${spaced}#kernelcore' (in `);
    expect(run.stderr).toContain(`running nixos-rebuild switch --flake '${spaced}#kernelcore'\n`);
  });
});

describe('a missing command', () => {
  /** A PATH with the stand-in nixos-rebuild and nothing else of ours. */
  function pathWithout(name: string): string {
    const bin = path.join(sandbox.dir, 'bin');
    mkdirSync(bin);
    for (const tool of ['nixos-rebuild', 'sudo', 'systemctl'].filter((t) => t !== name)) symlinkSync(path.join(stubBin, tool), path.join(bin, tool));
    return `${bin}:${process.env.PATH!.split(':').filter((dir) => !existsSync(path.join(dir, name))).join(':')}`;
  }

  it('without sudo points to --elevate, running as root, or installing sudo', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);
    const run = await runCli(sandbox, ['rollback', '--yes', '--elevate', 'sudo'], { PATH: pathWithout('sudo') });
    expect(run.exitCode).toBe(1);
    expect(run.stderr.trim()).toBe(
      process.getuid?.() === 0
        ? 'tune-wizard: sudo is not on PATH, and no tool is needed to run as root: pass --elevate none (you are root), or install sudo. Nothing was changed.'
        : 'tune-wizard: sudo is not on PATH, and the switch needs it to run as root: pass --elevate doas or --elevate run0 to use another tool, run tune-wizard as root, or install sudo. Nothing was changed.',
    );
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
  });
});

describe('undo with a missing command', () => {
  it('restores the files and says what to do for the missing nixos-rebuild, without --no-rebuild advice', async () => {
    sandbox = makeSandbox('tuned');
    await runCli(sandbox, ['rollback', '--yes', '--no-rebuild', '--only', 'zram']);

    const run = await runCli(sandbox, ['undo', '--yes'], { PATH: '/usr/bin:/bin' });

    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Restored modules/system/memory.nix; not rebuilt because nixos-rebuild is not on PATH: run this on the NixOS machine. Next: ');
  });
});

describe('bad input', () => {
  it('refuses to run without a terminal and without --yes (exit 2)', async () => {
    sandbox = makeSandbox('tuned');
    const run = await runCli(sandbox, ['rollback']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim()).toBe('tune-wizard: no terminal to ask on: pass --yes to apply every step, or --dry-run to only show them.');
  });

  it.each([
    [['rollback', '--bogus'], /^tune-wizard: unknown option --bogus. See tune-wizard --help.$/],
    [['disable', 'unified-llm', '--reason', 'two\nlines'], /--reason must be one line/],
    [['check', '--reason', 'x'], /--reason is for disable/],
    [['rollback', '--only', 'ram'], /--only ram: use a comma-separated list of cpu, zram, swappiness/],
    [['reenable', '--yes'], /reenable takes one module/],
    [['reenable', 'unified-llm', '--min-headroom', 'lots'], /--min-headroom lots: write a size/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['reenable', '', '--yes'], /^tune-wizard: reenable: the module name is empty; write unified-llm, or the import path/],
    [['disable', '', '--yes'], /^tune-wizard: disable: the module name is empty/],
    [['disable', 'unified-llm', '--reason', '', '--yes'], /^tune-wizard: --reason is empty: write why/],
    [['rollback', '--yes', '--min-headroom', '-5G'], /^tune-wizard: --min-headroom needs a size such as 8G; negative sizes are not allowed\.$/],
    [['rollback', '--yes', '--stop-below', '-1G'], /^tune-wizard: --stop-below needs a size such as 1G or a share of RAM such as 5%; negative sizes are not allowed\.$/],
    [['rollback', '--yes', '--stop-below', '100TB'], /^tune-wizard: --stop-below 100TB is at or above this machine's RAM \+ swap \(15\.6 GiB \+ [\d.]+ GiB\), so the build would be stopped at once; write a smaller size such as 1G, or a share of RAM such as 5%\.$/],
    [['rollback', '--yes', '--flake', 'github:foo/bar#x'], /^tune-wizard: --flake github:foo\/bar#x: tune-wizard edits files, so it needs a local flake directory, not a github: URL/],
    [['rollback', '--yes', '--flake', 'dir#a#b'], /^tune-wizard: --flake dir#a#b: more than one #/],
  ])('rejects %j with one line and exit 2', async (args, message) => {
    sandbox = makeSandbox('tuned');
    const run = await runCli(sandbox, args);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });

  it('names the file, line and column of a syntax error and writes nothing (exit 1)', async () => {
    sandbox = makeSandbox('tuned');
    const file = path.join(sandbox.flake, 'modules/system/memory.nix');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"vm.swappiness" = 100;', '"vm.swappiness" = 100'));
    const before = snapshot(sandbox.flake);

    const run = await runCli(sandbox, ['rollback', '--yes']);

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^tune-wizard: modules\/system\/memory\.nix:\d+:\d+: syntax error/m);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
  });

  it('reports an empty module as a syntax error instead of passing it unread (exit 1)', async () => {
    sandbox = makeSandbox('tuned');
    const file = path.join(sandbox.flake, 'modules/system/memory.nix');
    writeFileSync(file, '');
    const before = snapshot(sandbox.flake);

    const run = await runCli(sandbox, ['rollback', '--yes', '--no-rebuild']);

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('tune-wizard: modules/system/memory.nix:1:1: syntax error: unexpected end of file');
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
  });

  it('refuses a sysctl defined twice at one priority before showing any diff (exit 1); --only leaves that step out', async () => {
    sandbox = makeSandbox('tuned');
    const file = path.join(sandbox.flake, 'modules/hardware/ssd.nix');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('  services.fstrim = {', '  boot.kernel.sysctl."vm.swappiness" = 100;\n  services.fstrim = {'));
    // memory.nix's own definition is under `mkIf cfg.enable`, which
    // tune-wizard cannot decide: a second unconditional one makes it sure.
    const ollama = path.join(sandbox.flake, 'modules/ml/ollama.nix');
    writeFileSync(ollama, readFileSync(ollama, 'utf8').replace('  services.ollama = {', '  boot.kernel.sysctl."vm.swappiness" = 100;\n  services.ollama = {'));
    const before = snapshot(sandbox.flake);

    const run = await runCli(sandbox, ['rollback', '--yes']);

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('boot.kernel.sysctl."vm.swappiness" is defined twice at the same priority (plain): ');
    expect(run.stderr).toContain('modules/ml/ollama.nix:5 (`boot.kernel.sysctl."vm.swappiness" = 100;`)');
    expect(run.stderr).toContain('modules/hardware/ssd.nix:5 (`boot.kernel.sysctl."vm.swappiness" = 100;`)');
    expect(run.stderr).not.toContain('modules/system/memory.nix:24 (`');
    expect(run.stdout).not.toContain('+++ b/');
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(stubCalls()).toEqual([]);

    const others = await runCli(sandbox, ['rollback', '--yes', '--no-rebuild', '--only', 'cpu,zram']);
    expect(others.exitCode).toBe(0);
    expect(changedFiles(before, snapshot(sandbox.flake)).length).toBeGreaterThan(0);
  });

  it('does not refuse a second swappiness next to the one under `mkIf cfg.enable`: sets both and says NixOS refuses if cfg.enable holds', async () => {
    sandbox = makeSandbox('tuned');
    const file = path.join(sandbox.flake, 'modules/hardware/ssd.nix');
    writeFileSync(file, readFileSync(file, 'utf8').replace('  services.fstrim = {', '  boot.kernel.sysctl."vm.swappiness" = 100;\n  services.fstrim = {'));

    const run = await runCli(sandbox, ['rollback', '--yes', '--no-rebuild']);

    expect(run.exitCode).toBe(0);
    expect(run.stderr).not.toContain('does not evaluate today');
    expect(run.stderr).toContain('boot.kernel.sysctl."vm.swappiness" is defined at modules/hardware/ssd.nix:5 and modules/system/memory.nix:24 (only when `cfg.enable`), at the same priority (plain)');
    expect(run.stderr).toContain('if `cfg.enable` holds, NixOS refuses to evaluate this configuration');
    expect(readFileSync(file, 'utf8')).toContain('  boot.kernel.sysctl."vm.swappiness" = 60;\n');
  });

  it('says where to point --flake when there is no flake.nix', async () => {
    sandbox = makeSandbox('tuned');
    const run = await runCli(sandbox, ['rollback', '--yes', '--flake', path.join(sandbox.flake, 'modules')]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr.trim()).toBe(`tune-wizard: ${path.join(sandbox.flake, 'modules')}: no flake.nix here. Point --flake at your configuration's flake directory.`);
  });

  it('refuses a --sysroot it cannot read, in one line, before reading or changing anything, for every command', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);
    const missing = path.join(sandbox.dir, 'nonexistent');
    const empty = path.join(sandbox.dir, 'flake'); // a directory, but no proc/meminfo in it
    for (const [root, why] of [[missing, 'no such directory'], [empty, `cannot read ${empty}/proc/meminfo (not found)`]] as const) {
      for (const command of [['rollback', '--yes'], ['rollback', '--dry-run'], ['reenable', 'unified-llm', '--yes'], ['check'], ['recommend'], ['undo', '--yes']]) {
        const run = await runCli({ ...sandbox, sysroot: root }, command);
        expect(run.exitCode, command.join(' ')).toBe(1);
        expect(run.stderr.trim().split('\n'), command.join(' ')).toEqual([`tune-wizard: --sysroot ${root}: ${why}. Point --sysroot at a directory holding proc/, sys/ and etc/ (a mounted system or a fixture), or leave --sysroot out to read this machine's. Nothing was changed.`]);
        expect(run.stdout, command.join(' ')).toBe('');
      }
    }
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(existsSync(path.join(sandbox.state, 'tune-wizard', 'runs'))).toBe(false);
  });

  it('exits 1 before touching anything when nixos-rebuild is missing', async () => {
    sandbox = makeSandbox('tuned');
    const before = snapshot(sandbox.flake);
    const run = await runCli(sandbox, ['rollback', '--yes'], { PATH: '/usr/bin:/bin' });
    expect(run.exitCode).toBe(1);
    expect(run.stderr.trim()).toBe(
      'tune-wizard: nixos-rebuild is not on PATH: run this on the NixOS machine, or pass --no-rebuild to only edit the files. Nothing was changed.',
    );
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
  });
});
