// Random combinations of the ways real modules write the tuned options,
// edited by the planner: every result must parse, and NixOS (the harness)
// must compute exactly the values the rollback asks for.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { loadConfiguration } from '../../src/config/module-graph.js';
import { planOption, resolveOption } from '../../src/config/option-plan.js';
import { applyEdits } from '../../src/config/text-edit.js';
import { parseBytes } from '../../src/nix/parser.js';
import { Workspace } from '../../src/system/workspace.js';
import { rollbackTargets } from '../../steps/rollback.js';
import { evaluateOptions } from '../support/nix-eval.js';
import { hasNix, nixParseError } from '../support/nix-tool.js';

const CASES = Number(process.env.PROPERTY_CASES ?? 40);
const roots: string[] = [];
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A small seeded generator, so a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

type Pick = <T>(items: readonly T[]) => T;

interface Setting {
  path: string[];
  value: string;
}

const WRAPPERS = ['', 'mkDefault', 'mkForce', 'mkOverride 900'] as const;
const LIB_STYLES = ['lib-arg', 'with-lib', 'inherit-lib', 'no-lib'] as const;

/** One module defining some settings in a randomly chosen style. */
function writeModule(pick: Pick, settings: Setting[], wrapper: (typeof WRAPPERS)[number]): string {
  const style = wrapper === '' ? pick(LIB_STYLES) : pick(LIB_STYLES.filter((s) => s !== 'no-lib'));
  const fn = (name: string): string => (style === 'lib-arg' ? `lib.${name}` : name);
  const wrap = (value: string): string => (wrapper === '' ? value : `${fn(wrapper.split(' ')[0]!)}${wrapper.includes(' ') ? ' 900' : ''} ${value}`);
  const lets: string[] = [];
  const lines = settings.map((s, i) => {
    let value = s.value;
    if (pick([false, true, false])) {
      lets.push(`  v${i} = ${value};`);
      value = `v${i}`;
    }
    const [head, ...rest] = s.path;
    const quoted = rest.map((p) => (p.includes('.') ? `"${p}"` : p));
    return pick(['dotted', 'nested'] as const) === 'dotted'
      ? `  ${[head, ...quoted].join('.')} = ${wrap(value)};  # tuned`
      : `  ${head} = {\n    ${quoted.join('.')} = ${wrap(value)};\n  };`;
  });
  const body = `{\n  # Перестройка: tuned 🚀\n${lines.join('\n')}\n}\n`;
  const wrapped = pick([false, true]) && style !== 'no-lib' ? `{\n  config = ${fn('mkIf')} true ${body.trimEnd().replaceAll('\n', '\n  ')};\n}\n` : body;
  const letBlock = lets.length ? `let\n${lets.join('\n')}\nin\n` : '';
  switch (style) {
    case 'lib-arg':
      return `{ config, lib, ... }:\n${letBlock}${wrapped}`;
    case 'with-lib':
      return `{ config, lib, pkgs, ... }:\nwith lib;\n${letBlock}${wrapped}`;
    case 'inherit-lib':
      return `{ lib, ... }:\nlet\n  inherit (lib) mkDefault mkForce mkOverride mkIf;\n${lets.join('\n')}\nin\n${wrapped}`;
    case 'no-lib':
      return `${pick(['{ config, pkgs, ... }:\n', ''])}${letBlock}${wrapped}`;
  }
}

function writeCase(seed: number): string {
  const next = random(seed);
  const pick: Pick = (items) => items[Math.floor(next() * items.length)]!;
  const dir = mkdtempSync(path.join(os.tmpdir(), `tw-prop-${seed}-`));
  roots.push(dir);

  const pool: Setting[] = [
    { path: ['nix', 'settings', pick(['max-jobs', 'max-jobs'])], value: pick(['4', '2', '"auto"']) },
    { path: ['nix', 'settings', 'cores'], value: pick(['3', '1']) },
    { path: ['zramSwap', 'memoryPercent'], value: pick(['50', '75']) },
    { path: ['boot', 'kernel', 'sysctl', 'vm.swappiness'], value: pick(['100', '180']) },
  ];
  const modules: string[] = [];
  for (const setting of pool) {
    const copies = pick([1, 1, 2]);
    for (let c = 0; c < copies; c++) {
      const name = `m${modules.length}.nix`;
      // Two copies differ in priority: the second is mkForce, the first is
      // anything else (sysctls must be unique per priority even when equal).
      const wrapper = c === 1 ? 'mkForce' : copies === 2 ? pick(WRAPPERS.filter((w) => w !== 'mkForce')) : pick(WRAPPERS);
      writeFileSync(path.join(dir, name), writeModule(pick, [setting], wrapper));
      modules.push(`./${name}`);
    }
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'flake.nix'),
    `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";\n  outputs = { self, nixpkgs, ... }@inputs: {\n    nixosConfigurations.box = nixpkgs.lib.nixosSystem {\n      system = "x86_64-linux";\n      modules = [\n${modules.map((m) => `        ${m}\n`).join('')}      ];\n    };\n  };\n}\n`,
  );
  return dir;
}

/** Plans every rollback target in order, writing the results to disk. */
async function rollBack(dir: string): Promise<string[]> {
  const workspace = new Workspace(false);
  const edited = new Set<string>();
  for (const target of Object.values(rollbackTargets).flat()) {
    const plan = planOption(await loadConfiguration(workspace, dir, 'box'), target);
    for (const [file, edits] of plan.edits) {
      const before = await workspace.read(file);
      await workspace.write(file, before, applyEdits(before, edits));
      edited.add(file);
    }
  }
  return [...edited];
}

describe('random configurations, rolled back', () => {
  it.each(Array.from({ length: CASES }, (_, i) => 1000 + i))('seed %i parses and reaches "auto", 0, 25, 60', async (seed) => {
    const dir = writeCase(seed);
    const edited = await rollBack(dir);

    for (const file of edited) {
      expect(() => parseBytes(readFileSync(file), file)).not.toThrow();
      if (hasNix) expect(nixParseError(file)).toBeUndefined();
    }
    if (!hasNix) return;
    const values = await evaluateOptions(dir, 'box', ['nix.settings.max-jobs', 'nix.settings.cores', 'zramSwap.memoryPercent', 'boot.kernel.sysctl."vm.swappiness"']);
    expect(values).toEqual({
      'nix.settings.max-jobs': 'auto',
      'nix.settings.cores': 0,
      'zramSwap.memoryPercent': 25,
      'boot.kernel.sysctl."vm.swappiness"': 60,
    });
  });
});

// Random definitions of the three tuned entries of the two submodule
// options, wrapped at every level NixOS weighs separately: on the value,
// around all of the set, on the namespace above it. What the planner says
// the module system computes (a value, nothing counting, a conflict, a
// sysctl defined twice) must be what the harness computes.
const LEVEL_WRAPPERS = ['', '', 'lib.mkDefault', 'lib.mkForce', 'lib.mkOverride 900'] as const;
const ENTRIES = [
  { set: ['nix', 'settings'], key: 'max-jobs', option: 'nix.settings.max-jobs', values: ['4', '2'] },
  { set: ['nix', 'settings'], key: 'cores', option: 'nix.settings.cores', values: ['3', '3'] },
  { set: ['nix', 'settings'], key: 'sandbox', option: 'nix.settings.sandbox', values: ['true'] },
  { set: ['boot', 'kernel', 'sysctl'], key: '"vm.swappiness"', option: 'boot.kernel.sysctl."vm.swappiness"', values: ['100', '100', '80'] },
  { set: ['boot', 'kernel', 'sysctl'], key: '"vm.dirty_ratio"', option: 'boot.kernel.sysctl."vm.dirty_ratio"', values: ['10'] },
] as const;

function writeLevelsCase(seed: number): string {
  const next = random(seed);
  const pick: Pick = (items) => items[Math.floor(next() * items.length)]!;
  const dir = mkdtempSync(path.join(os.tmpdir(), `tw-levels-${seed}-`));
  roots.push(dir);
  const wrap = (w: string, value: string): string => (w === '' ? value : `${w} ${value}`);
  const names: string[] = [];
  const count = 3 + Math.floor(next() * 3);
  // The tuned entries come up more often than the others, so that they
  // meet: conflicts, duplicates and dropped sets are what is tested.
  const entries = [...ENTRIES, ENTRIES[0], ENTRIES[3], ENTRIES[3]];
  for (let i = 0; i < count; i++) {
    const entry = pick(entries);
    const value = wrap(pick(LEVEL_WRAPPERS), pick(entry.values));
    const around = pick(LEVEL_WRAPPERS);
    const [head, ...rest] = entry.set;
    const body = pick([
      () => `${entry.set.join('.')}.${entry.key} = ${value};`,
      () => `${entry.set.join('.')} = ${wrap(around, `{ ${entry.key} = ${value}; }`)};`,
      () => `${head} = ${wrap(around, `{ ${rest.join('.')}.${entry.key} = ${value}; }`)};`,
      () => `config = ${wrap(around, `{ ${entry.set.join('.')}.${entry.key} = ${value}; }`)};`,
    ])();
    const name = `m${i}.nix`;
    writeFileSync(path.join(dir, name), `{ lib, ... }:\n{\n  ${body}\n}\n`);
    names.push(`./${name}`);
  }
  writeFileSync(
    path.join(dir, 'flake.nix'),
    `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";\n  outputs = { self, nixpkgs, ... }: {\n    nixosConfigurations.box = nixpkgs.lib.nixosSystem {\n      system = "x86_64-linux";\n      modules = [ ${names.join(' ')} ];\n    };\n  };\n}\n`,
  );
  return dir;
}

describe('random wrappers around values, sets and namespaces', () => {
  it.skipIf(!hasNix).each(Array.from({ length: CASES }, (_, i) => 5000 + i))('seed %i: the planner resolves as the harness evaluates', async (seed) => {
    const dir = writeLevelsCase(seed);
    const config = await loadConfiguration(new Workspace(true), dir, 'box');
    for (const option of ['nix.settings.max-jobs', 'nix.settings.cores', 'boot.kernel.sysctl."vm.swappiness"']) {
      const r = resolveOption(config, option);
      const evaluated = evaluateOptions(dir, 'box', [option]).then(
        (values) => ({ value: values[option] }),
        (error: Error) => ({ error: error.message }),
      );
      const got = await evaluated;
      const files = ['m0', 'm1', 'm2', 'm3', 'm4'].map((m) => readFileIfThere(path.join(dir, `${m}.nix`))).join('');
      const context = `${option} in\n${files}`;
      if (r.duplicate) expect(got, context).toMatchObject({ error: expect.stringMatching(/expected to be unique/) });
      else if (r.conflict) expect(got, context).toMatchObject({ error: expect.stringMatching(/conflicting definition values/) });
      else if (r.winners.length === 0) expect(got, context).toEqual({ value: { _undefined: true } });
      else expect(got, context).toEqual({ value: r.value?.value });
    }
  });
});

function readFileIfThere(file: string): string {
  try {
    return `--- ${path.basename(file)}\n${readFileSync(file, 'utf8')}`;
  } catch {
    return '';
  }
}
