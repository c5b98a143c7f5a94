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
