// Tests of the module-system harness itself (test/harness, used through
// test/support/nix-eval.ts): the bundled sample flake, and small fixtures
// for each rule of the NixOS module system the harness reproduces.
//
// Needs nix-instantiate. Without it these tests are skipped with a warning,
// except under CI (or TUNE_WIZARD_REQUIRE_NIX=1), where they fail.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  evaluateOptions,
  formatOptionPath,
  isUndefined,
  nixAvailable,
  parseOptionPath,
} from '../support/nix-eval.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const kernelcore = path.join(root, 'examples/kernelcore');
const fixture = (name: string) => path.join(root, 'test/harness/fixtures', name);
const priorities = fixture('priorities');
const structure = fixture('structure');

const hasNix = nixAvailable();
const nixRequired = Boolean(process.env.CI) || process.env.TUNE_WIZARD_REQUIRE_NIX === '1';
if (!hasNix && !nixRequired) {
  console.warn(
    'test/harness-self: nix-instantiate is not on PATH, so the module-system harness tests are skipped ' +
      "(install Debian's nix-bin to run them; CI or TUNE_WIZARD_REQUIRE_NIX=1 makes this a failure).",
  );
}
const describeNix = describe.skipIf(!hasNix && !nixRequired);

const UNDEFINED = { _undefined: true };

async function one(dir: string, host: string, option: string): Promise<unknown> {
  const values = await evaluateOptions(dir, host, [option]);
  return values[option];
}

describe('option names', () => {
  it('splits dotted names, with quotes around names that contain dots', () => {
    expect(parseOptionPath('nix.settings.max-jobs')).toEqual(['nix', 'settings', 'max-jobs']);
    expect(parseOptionPath('boot.kernel.sysctl."vm.swappiness"')).toEqual(['boot', 'kernel', 'sysctl', 'vm.swappiness']);
    expect(parseOptionPath('"a\\"b".c')).toEqual(['a"b', 'c']);
    expect(formatOptionPath(['boot', 'kernel', 'sysctl', 'vm.swappiness'])).toBe('boot.kernel.sysctl."vm.swappiness"');
    for (const bad of ['', 'a..b', 'a.', '"a', 'a"b"', '"a"b']) {
      expect(() => parseOptionPath(bad), bad).toThrow(/invalid option name/);
    }
  });
});

describeNix('nix-instantiate', () => {
  it('is on PATH', () => {
    expect(hasNix, 'nix-instantiate is required here (CI or TUNE_WIZARD_REQUIRE_NIX=1) but is not on PATH').toBe(true);
  });
});

describeNix('the bundled sample flake (examples/kernelcore)', () => {
  it('host kernelcore has the tuned values', async () => {
    const started = Date.now();
    const values = await evaluateOptions(kernelcore, 'kernelcore', [
      'nix.settings.max-jobs',
      'nix.settings.cores',
      'zramSwap.memoryPercent',
      'boot.kernel.sysctl."vm.swappiness"',
    ]);
    const elapsed = Date.now() - started;
    expect(values).toEqual({
      'nix.settings.max-jobs': 4,
      'nix.settings.cores': 3,
      'zramSwap.memoryPercent': 50,
      'boot.kernel.sysctl."vm.swappiness"': 100,
    });
    expect(elapsed).toBeLessThan(5_000);
  });

  it('host sentinel shares max-jobs and has no zram', async () => {
    const values = await evaluateOptions(kernelcore, 'sentinel', ['nix.settings.max-jobs', 'zramSwap.memoryPercent']);
    expect(values['nix.settings.max-jobs']).toBe(4);
    expect(values['zramSwap.memoryPercent']).toEqual(UNDEFINED);
    expect(isUndefined(values['zramSwap.memoryPercent'])).toBe(true);
  });

  it('merges whole namespaces and declared options', async () => {
    const values = await evaluateOptions(kernelcore, 'kernelcore', ['zramSwap', 'kernelcore.memory', 'nix.settings.allowed-users']);
    expect(values.zramSwap).toEqual({ enable: true, algorithm: 'zstd', memoryPercent: 50, priority: 10 });
    expect(values['kernelcore.memory']).toEqual({ enable: true, zram: { enable: true } });
    // Lists are concatenated, as listOf options are in NixOS.
    expect(values['nix.settings.allowed-users']).toEqual(['@wheel', 'root', '@wheel', 'kc']);
  });

  it('never needs pkgs for these options, and says so when a query does', async () => {
    await expect(evaluateOptions(kernelcore, 'kernelcore', ['environment.systemPackages'])).rejects.toThrow(
      /`pkgs' is a stub/,
    );
  });
});

describeNix('priorities and conflicts', () => {
  it('a plain definition beats mkDefault', async () => {
    expect(await one(priorities, 'default-vs-plain', 'nix.settings.max-jobs')).toBe(6);
    expect(await one(priorities, 'default-alone', 'nix.settings.max-jobs')).toBe(2);
  });

  it('mkForce beats a plain definition', async () => {
    expect(await one(priorities, 'force-beats-plain', 'nix.settings.max-jobs')).toBe(1);
  });

  it('two different plain definitions are a conflict naming both files', async () => {
    const error = await evaluateOptions(priorities, 'conflict', ['nix.settings.max-jobs']).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/The option `nix\.settings\.max-jobs' has conflicting definition values/);
    expect(error?.message).toContain('modules/jobs-plain-4.nix');
    expect(error?.message).toContain('modules/jobs-plain-6.nix');
  });

  it('two different mkDefault definitions are a conflict too', async () => {
    await expect(evaluateOptions(priorities, 'conflict-at-default', ['nix.settings.max-jobs'])).rejects.toThrow(
      /conflicting definition values[\s\S]*jobs-default-2\.nix[\s\S]*jobs-default-3\.nix/,
    );
  });

  it('two equal definitions merge to that value', async () => {
    expect(await one(priorities, 'equal', 'nix.settings.max-jobs')).toBe(4);
  });

  it('mkOverride 900 sits between plain and mkDefault', async () => {
    expect(await one(priorities, 'override-900', 'nix.settings.max-jobs')).toBe(9);
    expect(await one(priorities, 'override-900-vs-plain', 'nix.settings.max-jobs')).toBe(6);
  });

  it('drops mkIf false definitions before priorities', async () => {
    const values = await evaluateOptions(priorities, 'mkif-false', ['nix.settings.max-jobs', 'zramSwap.memoryPercent']);
    expect(values).toEqual({ 'nix.settings.max-jobs': 2, 'zramSwap.memoryPercent': UNDEFINED });
  });

  it('mkIf on a set reads conditions from option defaults in another module', async () => {
    const on = await evaluateOptions(priorities, 'option-defaults', [
      'zramSwap.memoryPercent',
      'boot.kernel.sysctl."vm.swappiness"',
      'demo',
    ]);
    expect(on).toEqual({
      'zramSwap.memoryPercent': 35,
      'boot.kernel.sysctl."vm.swappiness"': UNDEFINED,
      demo: { tuned: true, extra: false, percent: 35 },
    });
    const off = await evaluateOptions(priorities, 'option-defaults-off', [
      'zramSwap.memoryPercent',
      'boot.kernel.sysctl."vm.swappiness"',
    ]);
    expect(off).toEqual({ 'zramSwap.memoryPercent': UNDEFINED, 'boot.kernel.sysctl."vm.swappiness"': 150 });
  });

  it('mkMerge with mkIf inside', async () => {
    expect(await one(priorities, 'merge-if', 'nix.settings')).toEqual({ 'max-jobs': 3, cores: 2, sandbox: true });
  });

  it('pushes mkDefault on a set down to each attribute of a namespace', async () => {
    expect(await one(priorities, 'whole-set-default', 'zramSwap')).toEqual({ memoryPercent: 30, priority: 7 });
  });

  it('weighs mkDefault around all of nix.settings as a whole, like the NixOS submodule option', async () => {
    const values = await evaluateOptions(priorities, 'whole-set-default', ['nix.settings.max-jobs', 'nix.settings.cores']);
    expect(values).toEqual({ 'nix.settings.max-jobs': UNDEFINED, 'nix.settings.cores': 5 });
    const flat = await evaluateOptions(priorities, 'whole-set-default', ['nix.settings.max-jobs', 'nix.settings.cores'], undefined, {
      nixpkgsShapes: false,
    });
    expect(flat).toEqual({ 'nix.settings.max-jobs': 2, 'nix.settings.cores': 5 });
  });

  it('a sysctl takes one definition at its winning priority: overrides are filtered first', async () => {
    // NixOS: filterOverrides on each option's definitions, then the sysctl
    // type's merge (mergeOneOption) needs exactly one definition left.
    const swappiness = 'boot.kernel.sysctl."vm.swappiness"';
    expect(await one(priorities, 'sysctl-default-vs-plain', swappiness)).toBe(60);
    expect(await one(priorities, 'sysctl-equal-defaults-under-plain', swappiness)).toBe(60);
    expect(await one(priorities, 'sysctl-force-over-equal-plains', swappiness)).toBe(30);
    const error = await evaluateOptions(priorities, 'sysctl-equal-defaults', [swappiness]).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/`boot\.kernel\.sysctl\."vm\.swappiness"' is defined multiple times while it's expected to be unique \(the values are equal/);
    expect(error?.message).toContain('sysctl-default-10.nix');
    expect(error?.message).toContain('sysctl-default-10-again.nix');
  });

  it('mkForce around all of boot.kernel.sysctl drops every other definition of it, keys it does not set included', async () => {
    expect(await one(priorities, 'sysctl-whole-force', 'boot.kernel.sysctl')).toEqual({ 'vm.dirty_ratio': 20 });
    // A key's own mkForce is inside a plain definition of the set, which loses as a whole.
    const values = await evaluateOptions(priorities, 'sysctl-whole-force-vs-key-force', ['boot.kernel.sysctl."vm.swappiness"', 'boot.kernel.sysctl']);
    expect(values).toEqual({ 'boot.kernel.sysctl."vm.swappiness"': UNDEFINED, 'boot.kernel.sysctl': { 'vm.dirty_ratio': 20 } });
  });

  it('mkDefault around all of boot.kernel.sysctl loses as a whole to a plain definition of any key', async () => {
    expect(await one(priorities, 'sysctl-whole-default', 'boot.kernel.sysctl')).toEqual({ 'vm.swappiness': 60 });
    expect(await one(priorities, 'sysctl-whole-default-alone', 'boot.kernel.sysctl')).toEqual({ 'vm.swappiness': 10, 'vm.dirty_ratio': 20 });
  });

  it('mkDefault on the namespace nix is pushed down onto nix.settings and weighs the whole set', async () => {
    const values = await evaluateOptions(priorities, 'nix-default-above-settings', ['nix.settings.max-jobs', 'nix.settings.cores']);
    expect(values).toEqual({ 'nix.settings.max-jobs': UNDEFINED, 'nix.settings.cores': 5 });
  });

  it('zramSwap is a namespace: mkDefault around it reaches each option, and another option of it does not compete', async () => {
    expect(await one(priorities, 'zram-default-whole', 'zramSwap')).toEqual({ enable: true, memoryPercent: 50 });
  });

  it('reads renamed options as the new ones', async () => {
    const values = await evaluateOptions(priorities, 'renamed', ['nix.settings.max-jobs', 'nix.settings.cores', 'nix.settings']);
    expect(values).toEqual({
      'nix.settings.max-jobs': 6,
      'nix.settings.cores': 2,
      'nix.settings': { 'max-jobs': 6, cores: 2 },
    });
    await expect(evaluateOptions(priorities, 'renamed-conflict', ['nix.settings.max-jobs'])).rejects.toThrow(
      /conflicting definition values[\s\S]*jobs-plain-4\.nix[\s\S]*renamed\.nix/,
    );
  });

  it('rejects mkDefault around mkIf, which NixOS does not look into', async () => {
    await expect(evaluateOptions(priorities, 'default-inside-mkif-wrong', ['nix.settings.cores'])).rejects.toThrow(
      /still a property/,
    );
  });
});

describeNix('how modules are written and reached', () => {
  it('nested, dotted and quoted attribute paths are the same option', async () => {
    const values = await evaluateOptions(structure, 'attr-paths', [
      'nix.settings.max-jobs',
      'boot.kernel.sysctl."vm.swappiness"',
      'boot.kernel.sysctl',
      'zramSwap',
    ]);
    expect(values).toEqual({
      'nix.settings.max-jobs': 4,
      'boot.kernel.sysctl."vm.swappiness"': 60,
      'boot.kernel.sysctl': { 'vm.swappiness': 60, 'vm.dirty_ratio': 15, 'vm.page-cluster': 0 },
      zramSwap: { enable: true, memoryPercent: 25 },
    });
  });

  it('a sysctl defined twice at one priority is an error even with equal values, as in NixOS', async () => {
    await expect(evaluateOptions(structure, 'sysctl-twice', ['boot.kernel.sysctl."vm.swappiness"'])).rejects.toThrow(
      /boot\.kernel\.sysctl\."vm\.swappiness"' is defined multiple times while it's expected to be unique/,
    );
    const flat = await evaluateOptions(structure, 'sysctl-twice', ['boot.kernel.sysctl."vm.swappiness"'], undefined, {
      nixpkgsShapes: false,
    });
    expect(flat['boot.kernel.sysctl."vm.swappiness"']).toBe(60);
  });

  it('`with lib;` modules, with options of their own', async () => {
    const values = await evaluateOptions(structure, 'with-lib', ['nix.settings.max-jobs', 'zramSwap.memoryPercent', 'tuning']);
    expect(values).toEqual({
      'nix.settings.max-jobs': 3,
      'zramSwap.memoryPercent': 40,
      tuning: { enable: true, zram: true },
    });
  });

  it('`inherit (lib) mkIf ...;` modules', async () => {
    const values = await evaluateOptions(structure, 'inherit-lib', ['nix.settings.cores', 'boot.kernel.sysctl."vm.swappiness"']);
    expect(values).toEqual({ 'nix.settings.cores': 1, 'boot.kernel.sysctl."vm.swappiness"': 10 });
  });

  it('curried modules imported as (import ./m.nix { inherit inputs; })', async () => {
    expect(await one(structure, 'curried', 'nix.settings.cores')).toBe(7);
  });

  it('bare attribute-set modules, inline ones, and values bound by let in flake.nix', async () => {
    const values = await evaluateOptions(structure, 'bare', ['zramSwap.memoryPercent', 'nix.settings.cores']);
    expect(values).toEqual({ 'zramSwap.memoryPercent': 20, 'nix.settings.cores': 2 });
  });

  it('a directory module is its default.nix, with its own imports', async () => {
    const values = await evaluateOptions(structure, 'directory', ['nix.settings.max-jobs', 'nix.settings.cores']);
    expect(values).toEqual({ 'nix.settings.max-jobs': 5, 'nix.settings.cores': 5 });
  });

  it('imports = [ ./a.nix ] ++ [ ./b ] ++ lib.optional false ./c.nix', async () => {
    const values = await evaluateOptions(structure, 'imports-concat', [
      'zramSwap.memoryPercent',
      'nix.settings.max-jobs',
      'nix.settings.cores',
      'boot.kernel.sysctl."vm.swappiness"',
    ]);
    expect(values).toEqual({
      'zramSwap.memoryPercent': 20,
      'nix.settings.max-jobs': 5,
      'nix.settings.cores': 5,
      'boot.kernel.sysctl."vm.swappiness"': UNDEFINED,
    });
  });

  it('values bound by let, and attribute sets built with //', async () => {
    const values = await evaluateOptions(structure, 'let-bound', [
      'nix.settings.max-jobs',
      'nix.settings.cores',
      'boot.kernel.sysctl."vm.swappiness"',
    ]);
    expect(values).toEqual({
      'nix.settings.max-jobs': 8,
      'nix.settings.cores': 2,
      'boot.kernel.sysctl."vm.swappiness"': 90,
    });
  });

  it('imports from modulesPath and from inputs are empty stand-ins; "${self}/..." works', async () => {
    const values = await evaluateOptions(structure, 'stubs', ['nix.settings.max-jobs', 'zramSwap.memoryPercent']);
    expect(values).toEqual({ 'nix.settings.max-jobs': 2, 'zramSwap.memoryPercent': 20 });
  });

  it('a stub input module can be given by the test', async () => {
    expect(await one(structure, 'stubbed-input', 'nix.settings.max-jobs')).toEqual(UNDEFINED);
    const values = await evaluateOptions(structure, 'stubbed-input', ['nix.settings.max-jobs'], {
      extras: { nixosModules: { tuning: 'stubs/extras-tuning.nix' } },
    });
    expect(values['nix.settings.max-jobs']).toBe(12);
  });

  it('specialArgs and _module.args reach module arguments', async () => {
    const special = await evaluateOptions(structure, 'special-args', ['nix.settings.cores', 'zramSwap.memoryPercent']);
    expect(special).toEqual({ 'nix.settings.cores': 3, 'zramSwap.memoryPercent': 45 });
    expect(await one(structure, 'module-args', 'nix.settings.max-jobs')).toBe(11);
  });

  it('a module imported twice counts once; disabledModules removes it', async () => {
    expect(await one(structure, 'deduplicated', 'zramSwap.memoryPercent')).toBe(20);
    expect(await one(structure, 'disabled', 'zramSwap.memoryPercent')).toEqual(UNDEFINED);
  });

  it('reports options nothing defines as undefined', async () => {
    const values = await evaluateOptions(structure, 'undefined', ['nix.settings.max-jobs', 'zramSwap', 'networking.hostName']);
    expect(values).toEqual({
      'nix.settings.max-jobs': UNDEFINED,
      zramSwap: UNDEFINED,
      'networking.hostName': 'nothing-here',
    });
  });

  it('fails loudly on a lib function the harness does not have', async () => {
    await expect(evaluateOptions(structure, 'unknown-lib', ['nix.settings.cores'])).rejects.toThrow(
      /attribute 'mkDefaultt' missing/,
    );
  });

  it('fails clearly on a host the flake does not have', async () => {
    await expect(evaluateOptions(structure, 'no-such-host', ['nix.settings.cores'])).rejects.toThrow(
      /no nixosConfigurations\.no-such-host/,
    );
  });
});
