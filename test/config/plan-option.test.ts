// Finding and editing definitions on small flakes written inline; every
// edited file is checked with nix-instantiate --parse where it exists.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { loadConfiguration } from '../../src/config/module-graph.js';
import { planOption, resolveOption, type OptionTarget } from '../../src/config/option-plan.js';
import { applyEdits } from '../../src/config/text-edit.js';
import { Workspace } from '../../src/system/workspace.js';
import { rollbackTargets } from '../../steps/rollback.js';
import { evaluateOptions, isUndefined } from '../support/nix-eval.js';
import { hasNix, nixParseError } from '../support/nix-tool.js';

const roots: string[] = [];
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const FLAKE = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ ./m.nix ];
    };
  };
}
`;

/** A one-module flake; returns the module's text after planning `target`. */
async function rollbackModule(module: string, target: OptionTarget): Promise<{ text: string; notes: string[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tw-plan-'));
  roots.push(dir);
  writeFileSync(path.join(dir, 'flake.nix'), FLAKE);
  const file = path.join(dir, 'm.nix');
  writeFileSync(file, module);
  const workspace = new Workspace(true);
  const config = await loadConfiguration(workspace, dir, 'box');
  const plan = planOption(config, target);
  const edits = plan.edits.get(file) ?? [];
  const after = applyEdits(Buffer.from(module), edits);
  if (hasNix && edits.length > 0) {
    const out = path.join(dir, 'after.nix');
    writeFileSync(out, after);
    expect(nixParseError(out)).toBeUndefined();
  }
  return { text: after.toString('utf8'), notes: plan.notes };
}

const maxJobs: OptionTarget = { option: 'nix.settings.max-jobs', aliases: ['nix.maxJobs'], value: { type: 'string', value: 'auto' }, wrapPlainIn: 'mkDefault', confKeys: ['max-jobs'] };
const swappiness: OptionTarget = { option: 'boot.kernel.sysctl."vm.swappiness"', value: { type: 'int', value: 60 } };

describe('finding and editing definitions', () => {
  it.each([
    ['dotted path, plain value, lib in the arguments',
      '{ lib, ... }:\n{\n  nix.settings.max-jobs = 4; # tuned\n}\n',
      '{ lib, ... }:\n{\n  nix.settings.max-jobs = lib.mkDefault "auto"; # tuned\n}\n'],
    ['plain value under with lib',
      '{ config, lib, ... }:\nwith lib;\n{\n  nix.settings = {\n    max-jobs = 4;\n  };\n}\n',
      '{ config, lib, ... }:\nwith lib;\n{\n  nix.settings = {\n    max-jobs = mkDefault "auto";\n  };\n}\n'],
    ['mkDefault brought in with inherit (lib)',
      '{ lib, ... }:\nlet inherit (lib) mkDefault; in\n{\n  nix.settings.max-jobs = 4;\n}\n',
      '{ lib, ... }:\nlet inherit (lib) mkDefault; in\n{\n  nix.settings.max-jobs = mkDefault "auto";\n}\n'],
    ['lib missing from the arguments is added before ...',
      '{ config, pkgs, ... }:\n{\n  nix.settings.max-jobs = 4;\n}\n',
      '{ config, pkgs, lib, ... }:\n{\n  nix.settings.max-jobs = lib.mkDefault "auto";\n}\n'],
    ['lib missing from a closed argument set is added',
      '{ config }:\n{\n  nix.settings.max-jobs = 4;\n}\n',
      '{ lib, config }:\n{\n  nix.settings.max-jobs = lib.mkDefault "auto";\n}\n'],
    ['a bare attribute-set module becomes a function of lib',
      '{\n  nix.settings.max-jobs = 4;\n}\n',
      '{ lib, ... }:\n{\n  nix.settings.max-jobs = lib.mkDefault "auto";\n}\n'],
    ['mkForce keeps its wrapper',
      '{ lib, ... }:\n{\n  nix.settings.max-jobs = lib.mkForce 4;\n}\n',
      '{ lib, ... }:\n{\n  nix.settings.max-jobs = lib.mkForce "auto";\n}\n'],
    ['quoted attribute name, inside mkIf in config',
      '{ config, lib, ... }:\n{\n  options.x.enable = lib.mkEnableOption "x";\n  config = lib.mkIf config.x.enable {\n    nix.settings."max-jobs" = lib.mkDefault 4;\n  };\n}\n',
      '{ config, lib, ... }:\n{\n  options.x.enable = lib.mkEnableOption "x";\n  config = lib.mkIf config.x.enable {\n    nix.settings."max-jobs" = lib.mkDefault "auto";\n  };\n}\n'],
    ['the renamed option nix.maxJobs',
      '{ lib, ... }:\n{\n  nix.maxJobs = lib.mkDefault 4;\n}\n',
      '{ lib, ... }:\n{\n  nix.maxJobs = lib.mkDefault "auto";\n}\n'],
  ])('%s', async (_name, input, expected) => {
    expect((await rollbackModule(input, maxJobs)).text).toBe(expected);
  });

  it('never edits a mkOption declaration, a comment or a build machine\'s maxJobs', async () => {
    const module = [
      '{ lib, ... }:',
      '{',
      '  options.nix.settings.max-jobs = lib.mkOption { default = 4; };',
      '  config = {',
      '    # nix.settings.max-jobs = 4;',
      '    nix.buildMachines = [ { hostName = "b"; maxJobs = 4; } ];',
      '  };',
      '}',
      '',
    ].join('\n');
    const { text, notes } = await rollbackModule(module, maxJobs);
    expect(text).toBe(module);
    expect(notes).toEqual(['No module of this host defines nix.settings.max-jobs; NixOS uses its default.']);
  });

  it('edits the sysctl inside a nested set, keeping CRLF endings and the comment', async () => {
    const input = '{ ... }:\r\n{\r\n  boot.kernel.sysctl = {\r\n    "vm.swappiness" = 100; # builds\r\n  };\r\n}\r\n';
    expect((await rollbackModule(input, swappiness)).text).toBe(input.replace('= 100;', '= 60;'));
  });

  it('edits at the right bytes after non-ASCII comments', async () => {
    const input = '# Память: настройка под сборки 🚀\n{ ... }:\n{\n  # スワップ\n  boot.kernel.sysctl."vm.swappiness" = 100;\n}\n';
    expect((await rollbackModule(input, swappiness)).text).toBe(input.replace('= 100;', '= 60;'));
  });

  it.each([
    ['a computed value', '{ lib, ... }:\n{\n  nix.settings.max-jobs = lib.min 4 8;\n}\n',
      'm.nix:3: `lib.min 4 8` is computed, not written as a value; set nix.settings.max-jobs to "auto" there by hand.'],
    ['a set from another file', '{ ... }:\n{\n  nix.settings = import ./more.nix;\n}\n',
      'm.nix:3: `import ./more.nix` may set nix.settings.max-jobs in a way tune-wizard cannot read; check it by hand.'],
  ])('says what it cannot read instead of guessing: %s', async (_name, input, note) => {
    const { text, notes } = await rollbackModule(input, maxJobs);
    expect(text).toBe(input);
    expect(notes).toEqual([note]);
  });
});

describe('an option no module defines', () => {
  const zram: OptionTarget = { option: 'zramSwap.memoryPercent', value: { type: 'int', value: 25 }, nixosDefault: { type: 'int', value: 50 }, addInto: 'zramSwap' };

  it('adds memoryPercent inside the existing zramSwap block, after its last line', async () => {
    const input = '{ lib, ... }:\n{\n  zramSwap = lib.mkIf true {\n    enable = true;\n    priority = 10;  # above disk\n  };\n}\n';
    const { text, notes } = await rollbackModule(input, zram);
    expect(text).toBe('{ lib, ... }:\n{\n  zramSwap = lib.mkIf true {\n    enable = true;\n    priority = 10;  # above disk\n    memoryPercent = 25;\n  };\n}\n');
    expect(notes[0]).toBe('No module of this host defines zramSwap.memoryPercent; NixOS uses its default, which is 50. This step adds memoryPercent = 25; to the zramSwap block at m.nix:3; skip it to keep the default.');
  });

  it('adds it to a one-line block on the same line', async () => {
    const input = '{ zramSwap = { enable = true; }; }\n';
    expect((await rollbackModule(input, zram)).text).toBe('{ zramSwap = { enable = true; memoryPercent = 25; }; }\n');
  });

  it('adds nothing when there is no zramSwap block', async () => {
    const input = '{ boot.loader.grub.enable = true; }\n';
    const { text, notes } = await rollbackModule(input, zram);
    expect(text).toBe(input);
    expect(notes[1]).toBe('No zramSwap block to add it to; add zramSwap.memoryPercent = 25; by hand if you want it.');
  });

  it('changes nothing when the default already is the value', async () => {
    const input = '{ boot.loader.grub.enable = true; }\n';
    const { text, notes } = await rollbackModule(input, { ...swappiness, nixosDefault: { type: 'int', value: 60 } });
    expect(text).toBe(input);
    expect(notes).toEqual(['No module of this host defines boot.kernel.sysctl."vm.swappiness"; NixOS uses its default, which is 60.']);
  });
});

describe('values bound elsewhere', () => {
  it.each([
    ['a let value used once is edited at the let',
      '{ lib, ... }:\nlet jobs = 4; in\n{\n  nix.settings.max-jobs = lib.mkDefault jobs;\n}\n',
      '{ lib, ... }:\nlet jobs = "auto"; in\n{\n  nix.settings.max-jobs = lib.mkDefault jobs;\n}\n'],
    ['a let value used twice is left; the definition changes',
      '{ lib, ... }:\nlet jobs = 4; in\n{\n  nix.settings.max-jobs = jobs;\n  nix.settings.max-substitution-jobs = jobs;\n}\n',
      '{ lib, ... }:\nlet jobs = 4; in\n{\n  nix.settings.max-jobs = lib.mkDefault "auto";\n  nix.settings.max-substitution-jobs = jobs;\n}\n'],
    ['a name from the module arguments: the definition changes',
      '{ lib, buildJobs, ... }:\n{\n  nix.settings.max-jobs = lib.mkForce buildJobs;\n}\n',
      '{ lib, buildJobs, ... }:\n{\n  nix.settings.max-jobs = lib.mkForce "auto";\n}\n'],
    ['inherit from a let used once edits the let',
      '{ lib, ... }:\nlet max-jobs = 4; in\n{\n  nix.settings = { inherit max-jobs; };\n}\n',
      '{ lib, ... }:\nlet max-jobs = "auto"; in\n{\n  nix.settings = { inherit max-jobs; };\n}\n'],
  ])('%s', async (_name, input, expected) => {
    expect((await rollbackModule(input, maxJobs)).text).toBe(expected);
  });

  it('edits a max-jobs line inside nix.extraOptions, keeping tabs and indentation', async () => {
    const input = '{ lib, ... }:\n{\n  nix.settings.max-jobs = lib.mkDefault 4;\n  nix.extraOptions = \'\'\n\tkeep-outputs = true\n    max-jobs = 4   # tuned\n  \'\';\n}\n';
    const expected = input.replace('lib.mkDefault 4', 'lib.mkDefault "auto"').replace('max-jobs = 4   #', 'max-jobs = auto   #');
    expect((await rollbackModule(input, maxJobs)).text).toBe(expected);
  });

  it('leaves `inherit (cfg) max-jobs` for the user, saying where', async () => {
    const input = '{ config, ... }:\nlet cfg = config.my; in\n{\n  nix.settings = { inherit (cfg) max-jobs; };\n}\n';
    const { text, notes } = await rollbackModule(input, maxJobs);
    expect(text).toBe(input);
    expect(notes).toEqual(['m.nix:4: `max-jobs` is computed, not written as a value; set nix.settings.max-jobs to "auto" there by hand.']);
  });
});

describe('resolving an option by priority', () => {
  async function resolveIn(files: Record<string, string>, modules: string): Promise<ReturnType<typeof resolveOption>> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tw-resolve-'));
    roots.push(dir);
    writeFileSync(path.join(dir, 'flake.nix'), FLAKE.replace('[ ./m.nix ]', modules));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), text);
    }
    return resolveOption(await loadConfiguration(new Workspace(true), dir, 'box'), 'nix.settings.max-jobs');
  }

  it('places a definition at the line of its name, even when its value is on a later line', async () => {
    const r = await resolveIn({ 'a.nix': '{ lib, ... }:\n{\n  nix.settings = {\n    max-jobs =\n      lib.mkDefault\n        4;\n  };\n}\n' }, '[ ./a.nix ]');
    expect(r.winners.map((d) => d.line)).toEqual([4]);
  });

  it('lets a plain definition beat mkDefault', async () => {
    const r = await resolveIn({ 'a.nix': '{ lib, ... }: { nix.settings.max-jobs = lib.mkDefault 4; }', 'b.nix': '{ nix.settings.max-jobs = 2; }' }, '[ ./a.nix ./b.nix ]');
    expect(r).toMatchObject({ value: { type: 'int', value: 2 }, priority: 100, conflict: false });
  });

  it('reports two plain definitions with different values as a conflict', async () => {
    const r = await resolveIn({ 'a.nix': '{ nix.settings.max-jobs = 4; }', 'b.nix': '{ nix.settings.max-jobs = 2; }' }, '[ ./a.nix ./b.nix ]');
    expect(r).toMatchObject({ value: undefined, conflict: true });
  });

  it('follows imports through directories and ++ lists', async () => {
    const r = await resolveIn(
      {
        'a/default.nix': '{ imports = [ ./b.nix ] ++ [ ../c.nix ]; }',
        'a/b.nix': '{ lib, ... }: { nix.settings.max-jobs = lib.mkForce 1; }',
        'c.nix': '{ nix.settings.max-jobs = 8; }',
      },
      '[ ./a ]',
    );
    expect(r).toMatchObject({ value: { type: 'int', value: 1 }, priority: 50 });
    expect(r.winners.map((d) => path.basename(d.file))).toEqual(['b.nix']);
  });
});

/** A flake whose host imports the given files, in order (names relative to the flake). */
function writeFlake(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tw-sets-'));
  roots.push(dir);
  writeFileSync(path.join(dir, 'flake.nix'), FLAKE.replace('[ ./m.nix ]', `[ ${Object.keys(files).map((f) => `./${f}`).join(' ')} ]`));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const SWAPPINESS = 'boot.kernel.sysctl."vm.swappiness"';
const target = (option: string): OptionTarget => Object.values(rollbackTargets).flat().find((t) => t.option === option)!;

describe('priorities around a whole submodule set (nix.settings, boot.kernel.sysctl) and unique sysctls', () => {
  // Each case: modules, an option, what the planner says NixOS computes
  // (undefined: no definition counts; 'duplicate': NixOS refuses). The
  // harness must say the same.
  const cases: [string, Record<string, string>, string, number | string | undefined | 'duplicate'][] = [
    ['mkDefault around all of nix.settings loses whole to a plain nix.settings.cores elsewhere',
      { 'a.nix': '{ lib, ... }: { nix.settings = lib.mkDefault { max-jobs = 4; }; }', 'b.nix': '{ nix.settings.cores = 2; }' },
      'nix.settings.max-jobs', undefined],
    ['mkDefault around all of nix.settings counts when nothing outranks it',
      { 'a.nix': '{ lib, ... }: { nix.settings = lib.mkDefault { max-jobs = 4; }; }', 'b.nix': '{ zramSwap.enable = true; }' },
      'nix.settings.max-jobs', 4],
    ['mkDefault on the namespace nix reaches nix.settings and loses there',
      { 'a.nix': '{ lib, ... }: { nix = lib.mkDefault { settings.max-jobs = 4; }; }', 'b.nix': '{ nix.settings = { cores = 2; }; }' },
      'nix.settings.max-jobs', undefined],
    ['a renamed option (nix.buildCores) is a plain definition of nix.settings',
      { 'a.nix': '{ lib, ... }: { nix.settings = lib.mkDefault { max-jobs = 4; }; }', 'b.nix': '{ nix.buildCores = 2; }' },
      'nix.settings.max-jobs', undefined],
    ['nix = mkForce { settings... } beats a key\'s own mkForce in a plain set',
      { 'a.nix': '{ lib, ... }: { nix = lib.mkForce { settings.max-jobs = 4; }; }', 'b.nix': '{ lib, ... }: { nix.settings.max-jobs = lib.mkForce 2; }' },
      'nix.settings.max-jobs', 4],
    ['config = mkForce { ... } in a module with options is a wrapper around the set',
      { 'a.nix': '{ lib, ... }: { options.x = lib.mkOption { default = 1; }; config = lib.mkForce { nix.settings.max-jobs = 4; }; }', 'b.nix': '{ nix.settings.max-jobs = 2; }' },
      'nix.settings.max-jobs', 4],
    ['mkForce around all of boot.kernel.sysctl drops a sysctl it does not set',
      { 'a.nix': '{ lib, ... }: { boot.kernel.sysctl = lib.mkForce { "vm.dirty_ratio" = 20; }; }', 'b.nix': '{ boot.kernel.sysctl."vm.swappiness" = 100; }' },
      SWAPPINESS, undefined],
    ['a sysctl\'s own mkForce inside a plain set loses to a forced set',
      { 'a.nix': '{ lib, ... }: { boot.kernel.sysctl."vm.swappiness" = lib.mkForce 100; }', 'b.nix': '{ lib, ... }: { boot.kernel.sysctl = lib.mkForce { "vm.swappiness" = 30; }; }' },
      SWAPPINESS, 30],
    ['mkDefault around all of boot.kernel.sysctl loses to a plain definition of another sysctl',
      { 'a.nix': '{ lib, ... }: { boot.kernel.sysctl = lib.mkDefault { "vm.swappiness" = 10; }; }', 'b.nix': '{ boot.kernel.sysctl."vm.dirty_ratio" = 20; }' },
      SWAPPINESS, undefined],
    ['two equal plain sysctls: NixOS refuses',
      { 'a.nix': '{ boot.kernel.sysctl."vm.swappiness" = 100; }', 'b.nix': '{ boot.kernel = { sysctl = { "vm.swappiness" = 100; }; }; }' },
      SWAPPINESS, 'duplicate'],
    ['two equal sysctls in two forced sets: NixOS refuses',
      { 'a.nix': '{ lib, ... }: { boot.kernel.sysctl = lib.mkForce { "vm.swappiness" = 100; }; }', 'b.nix': '{ lib, ... }: { boot.kernel.sysctl = lib.mkForce { "vm.swappiness" = 100; }; }' },
      SWAPPINESS, 'duplicate'],
    ['equal sysctls at mkDefault under a plain one: overrides are filtered first',
      { 'a.nix': '{ lib, ... }: { boot.kernel.sysctl."vm.swappiness" = lib.mkDefault 10; }', 'b.nix': '{ lib, ... }: { boot.kernel.sysctl."vm.swappiness" = lib.mkDefault 10; }', 'c.nix': '{ boot.kernel.sysctl."vm.swappiness" = 60; }' },
      SWAPPINESS, 60],
    ['two equal plain max-jobs merge (an int option, not a unique one)',
      { 'a.nix': '{ nix.settings.max-jobs = 4; }', 'b.nix': '{ nix.settings.max-jobs = 4; }' },
      'nix.settings.max-jobs', 4],
    ['zramSwap is a namespace: mkDefault around it stays on memoryPercent',
      { 'a.nix': '{ lib, ... }: { zramSwap = lib.mkDefault { enable = false; memoryPercent = 50; }; }', 'b.nix': '{ zramSwap.enable = true; }' },
      'zramSwap.memoryPercent', 50],
  ];

  it.each(cases)('%s', async (_name, files, option, expected) => {
    const dir = writeFlake(files);
    const config = await loadConfiguration(new Workspace(true), dir, 'box');
    const t = target(option);
    const r = resolveOption(config, option, t.aliases);
    if (expected === 'duplicate') {
      expect(r).toMatchObject({ duplicate: true, conflict: true, value: undefined });
      expect(r.winners).toHaveLength(2);
    } else if (expected === undefined) {
      expect(r.winners).toEqual([]);
      expect(r.dropped.length).toBeGreaterThan(0);
    } else {
      expect(r).toMatchObject({ duplicate: false, conflict: false, value: typeof expected === 'number' ? { type: 'int', value: expected } : { type: 'string', value: expected } });
    }
    if (!hasNix) return;
    const harness = evaluateOptions(dir, 'box', [option]);
    if (expected === 'duplicate') {
      await expect(harness).rejects.toThrow(/is defined multiple times while it's expected to be unique/);
    } else {
      const value = (await harness)[option];
      expect(expected === undefined ? isUndefined(value) : value).toBe(expected === undefined ? true : expected);
    }
  });

  it('refuses a sysctl defined twice at its winning priority, naming both places and the hand edit', async () => {
    const dir = writeFlake({
      'a.nix': '{ lib, ... }:\n{\n  boot.kernel.sysctl."vm.swappiness" = 100;\n}\n',
      'b.nix': '{\n  boot.kernel.sysctl = {\n    "vm.swappiness" = 100;\n  };\n}\n',
    });
    const plan = planOption(await loadConfiguration(new Workspace(true), dir, 'box'), target(SWAPPINESS));
    expect(plan.before.duplicate).toBe(true);
    expect(plan.refusal).toBe(
      'boot.kernel.sysctl."vm.swappiness" is defined twice at the same priority (plain): ' +
        'a.nix:3 (`boot.kernel.sysctl."vm.swappiness" = 100;`), b.nix:3 (`"vm.swappiness" = 100;`). ' +
        'NixOS takes exactly one definition of a sysctl at its winning priority, even when the values are equal, ' +
        'so this configuration does not evaluate today ("defined multiple times while it\'s expected to be unique"). ' +
        'tune-wizard does not choose one for you: keep the one you mean and set it to 60, delete the other ' +
        '(or give it a lower priority, e.g. lib.mkDefault, so that it loses), then run again. Nothing was changed.',
    );
  });

  it('does not count a definition under an mkIf it cannot decide as a sure duplicate: sets both, says NixOS refuses if the condition holds', async () => {
    const conditional = '{ config, lib, ... }: { options.x.enable = lib.mkEnableOption "x"; config = lib.mkIf config.x.enable { boot.kernel.sysctl."vm.swappiness" = 100; }; }';
    const dir = writeFlake({ 'a.nix': conditional, 'b.nix': '{ boot.kernel.sysctl."vm.swappiness" = 100; }' });
    const plan = planOption(await loadConfiguration(new Workspace(true), dir, 'box'), target(SWAPPINESS));
    expect(plan.refusal).toBeUndefined();
    expect(plan.before).toMatchObject({ duplicate: false, maybeDuplicate: true, conflict: false, value: { type: 'int', value: 100 } });
    expect(plan.after).toMatchObject({ duplicate: false, maybeDuplicate: true, value: { type: 'int', value: 60 } });
    expect([...plan.edits.keys()].map((f) => path.basename(f)).sort()).toEqual(['a.nix', 'b.nix']);
    expect(plan.notes.join('\n')).toContain('if `config.x.enable` holds, NixOS refuses to evaluate this configuration');
    expect(plan.notes.join('\n')).not.toContain('does not evaluate today');
    if (!hasNix) return;
    // The harness agrees both ways: with x.enable false only b.nix counts,
    // with it true NixOS refuses.
    expect(await evaluateOptions(dir, 'box', [SWAPPINESS])).toEqual({ [SWAPPINESS]: 100 });
    writeFileSync(path.join(dir, 'c.nix'), '{ x.enable = true; }');
    writeFileSync(path.join(dir, 'flake.nix'), FLAKE.replace('[ ./m.nix ]', '[ ./a.nix ./b.nix ./c.nix ]'));
    await expect(evaluateOptions(dir, 'box', [SWAPPINESS])).rejects.toThrow(/is defined multiple times while it's expected to be unique/);
  });

  it('refuses two sure definitions even next to a conditional one, naming only the sure ones', async () => {
    const dir = writeFlake({
      'a.nix': '{ config, lib, ... }: { options.x.enable = lib.mkEnableOption "x"; config = lib.mkIf config.x.enable { boot.kernel.sysctl."vm.swappiness" = 100; }; }',
      'b.nix': '{ boot.kernel.sysctl."vm.swappiness" = 100; }',
      'c.nix': '{ lib, ... }: { config = lib.mkIf true { boot.kernel.sysctl."vm.swappiness" = 100; }; }',
    });
    const plan = planOption(await loadConfiguration(new Workspace(true), dir, 'box'), target(SWAPPINESS));
    expect(plan.before.duplicate).toBe(true);
    expect(plan.refusal).toContain('is defined twice at the same priority (plain): b.nix:1');
    expect(plan.refusal).toContain('c.nix:1');
    expect(plan.refusal).not.toContain('a.nix');
    expect(plan.refusal).toContain('does not evaluate today');
  });

  it('names the wrapper around a set when the duplicates are inside forced sets, and suggests a priority that loses', async () => {
    const dir = writeFlake({
      'a.nix': '{ lib, ... }: { boot.kernel.sysctl = lib.mkForce { "vm.swappiness" = lib.mkDefault 100; }; }',
      'b.nix': '{ lib, ... }: { boot.kernel.sysctl = lib.mkForce { "vm.swappiness" = lib.mkDefault 80; }; }',
    });
    const plan = planOption(await loadConfiguration(new Workspace(true), dir, 'box'), target(SWAPPINESS));
    expect(plan.refusal).toContain('is defined twice at the same priority (mkDefault, inside mkForce around all of boot.kernel.sysctl): a.nix:1');
    expect(plan.refusal).toContain('e.g. lib.mkOverride 1100, so that it loses');
  });

  it('does not refuse equal sysctls where only one wins', async () => {
    const dir = writeFlake({
      'a.nix': '{ lib, ... }: { boot.kernel.sysctl."vm.swappiness" = lib.mkForce 100; }',
      'b.nix': '{ lib, ... }: { boot.kernel.sysctl = lib.mkForce { "vm.swappiness" = 100; }; }',
    });
    const plan = planOption(await loadConfiguration(new Workspace(true), dir, 'box'), target(SWAPPINESS));
    expect(plan.refusal).toBeUndefined();
    expect(plan.after).toMatchObject({ value: { type: 'int', value: 60 }, priority: 100, setPriority: 50, duplicate: false });
    expect(plan.after.dropped.map((d) => path.basename(d.file))).toEqual(['a.nix']);
    expect(plan.notes).toEqual([
      'a.nix:1: "vm.swappiness" = lib.mkForce 100 is in a plain definition of boot.kernel.sysctl, which loses as a whole to the mkForce definition of boot.kernel.sysctl at b.nix:1: ' +
        'NixOS weighs each definition of the whole set against every other one and drops the losers with everything in them, so it has no effect. ' +
        'It is changed to 60 all the same, in case the winning definition goes away.',
      'b.nix:1: lib.mkForce around all of boot.kernel.sysctl: this makes it the only definition of boot.kernel.sysctl that counts; ' +
        'every other one (in this configuration: a.nix:1), NixOS\'s own included, is dropped whole, with every value it sets. ' +
        'To force some values only, write the wrapper on each value inside the set instead.',
    ]);
  });

  it('edits a value in a set that loses whole, bare, and says it has no effect', async () => {
    const dir = writeFlake({
      'a.nix': '{ lib, ... }:\n{\n  nix.settings = lib.mkDefault {\n    max-jobs = 4;\n  };\n}\n',
      'b.nix': '{ lib, ... }:\n{\n  nix.settings.cores = 2;\n}\n',
    });
    const config = await loadConfiguration(new Workspace(true), dir, 'box');
    const plan = planOption(config, target('nix.settings.max-jobs'));
    expect(plan.before).toMatchObject({ value: undefined, winners: [], setPriority: 100, conflict: false });
    const file = path.join(dir, 'a.nix');
    expect(applyEdits(Buffer.from(config.modules[0]!.tree.text), plan.edits.get(file) ?? []).toString()).toBe(
      '{ lib, ... }:\n{\n  nix.settings = lib.mkDefault {\n    max-jobs = "auto";\n  };\n}\n',
    );
    expect(plan.notes).toEqual([
      'a.nix:4: max-jobs = 4 is inside the lib.mkDefault around all of nix.settings (line 3), which loses as a whole to the plain definition of nix.settings at b.nix:3: ' +
        'NixOS weighs each definition of the whole set against every other one and drops the losers with everything in them, so it has no effect. ' +
        'It is changed to "auto" all the same, in case the winning definition goes away.',
    ]);
  });

  it('warns that mkDefault around all of nix.settings is likely dropped on a real system', async () => {
    const dir = writeFlake({ 'a.nix': '{ lib, ... }:\n{\n  nix.settings = lib.mkDefault { cores = 3; };\n}\n' });
    const plan = planOption(await loadConfiguration(new Workspace(true), dir, 'box'), target('nix.settings.cores'));
    expect(plan.before).toMatchObject({ value: { type: 'int', value: 3 }, priority: 100, setPriority: 1000 });
    expect(plan.notes).toEqual([
      'a.nix:3: lib.mkDefault around all of nix.settings: NixOS weighs this whole set against every other definition of nix.settings ' +
        'and drops it, with every value in it, if any has a higher priority. In this flake none has, but NixOS\'s own modules ' +
        'define nix.settings at normal priority, so on a real system the set is likely dropped. ' +
        'To lower the priority of some values only, write the wrapper on each value inside the set instead.',
    ]);
  });
});
