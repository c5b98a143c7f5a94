// Which commented-out import `reenable` may bring back, and the exact edit.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import type { Configuration } from '../../src/config/module-graph.js';

import { commentOutEdit, findImport } from '../../src/config/commented-import.js';
import { loadConfiguration } from '../../src/config/module-graph.js';
import { applyEdits } from '../../src/config/text-edit.js';
import { Workspace } from '../../src/system/workspace.js';

const roots: string[] = [];
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function reenable(modulesList: string, importPath: string): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tw-import-'));
  roots.push(dir);
  for (const name of ['a.nix', 'b.nix', 'ml/offload/default.nix']) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), '{ }\n');
  }
  const flake = `{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.box = nixpkgs.lib.nixosSystem {\n      modules = [\n${modulesList}      ];\n    };\n  };\n}\n`;
  writeFileSync(path.join(dir, 'flake.nix'), flake);
  const config = await loadConfiguration(new Workspace(true), dir, 'box');
  const state = findImport(config, importPath);
  if (state.state !== 'commented') return `active at line ${state.line}`;
  return applyEdits(Buffer.from(flake), [state.found.edit]).toString().split('\n').slice(4, -5).join('\n');
}

describe('finding the commented-out import', () => {
  it('uncomments only the named line when two share the same DISABLED note', async () => {
    const list = '        ./a.nix\n        # ./b.nix # DISABLED: too heavy\n        # ./ml/offload # DISABLED: too heavy\n';
    expect(await reenable(list, './ml/offload')).toBe('        ./a.nix\n        # ./b.nix # DISABLED: too heavy\n        ./ml/offload');
  });

  it('keeps tabs before the marker and drops the note with it', async () => {
    expect(await reenable('\t\t# ./ml/offload   # DISABLED: OOM\n', './ml/offload/')).toBe('\t\t./ml/offload');
  });

  it('never reaches into a commented-out inline module', async () => {
    const list = '        ./a.nix\n        # {\n        #   imports = [\n        #     ./ml/offload\n        #   ];\n        # }\n';
    await expect(reenable(list, './ml/offload')).rejects.toThrow('has no line `# ./ml/offload` to uncomment');
  });

  it('treats a prose comment above the line as prose', async () => {
    const list = "        # Machine learning (don't enable on the laptop)\n        # ./ml/offload # DISABLED: OOM\n";
    expect(await reenable(list, './ml/offload')).toBe("        # Machine learning (don't enable on the laptop)\n        ./ml/offload");
  });

  it('refuses when the same import is commented out twice', async () => {
    await expect(reenable('        # ./ml/offload\n        ./a.nix\n        # ./ml/offload # again\n', './ml/offload')).rejects.toThrow('commented out on lines 5 and 7');
  });

  it('says when the import is already active', async () => {
    expect(await reenable('        ./ml/offload\n', './ml/offload')).toBe('active at line 5');
  });
});

/** The flake of `reenable` above, loaded: its file text and configuration. */
async function load(modulesList: string): Promise<{ flake: string; config: Configuration }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tw-import-'));
  roots.push(dir);
  for (const name of ['a.nix', 'b.nix']) writeFileSync(path.join(dir, name), '{ }\n');
  const flake = `{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.box = nixpkgs.lib.nixosSystem {\n      modules = [\n${modulesList}      ];\n    };\n  };\n}\n`;
  writeFileSync(path.join(dir, 'flake.nix'), flake);
  return { flake, config: await loadConfiguration(new Workspace(true), dir, 'box') };
}

/** disable's edit, then reenable's edit on the result: both texts. */
async function roundTrip(modulesList: string, comment: { note: string; exact?: string }): Promise<{ disabled: string; back: string; original: string }> {
  const { flake, config } = await load(modulesList);
  const active = findImport(config, './a.nix');
  if (active.state !== 'active') throw new Error('expected ./a.nix active');
  const disabled = applyEdits(Buffer.from(flake), [commentOutEdit(config, active.item, comment)]).toString();
  const again = await load(disabled.split('\n').slice(4, -5).join('\n') + '\n');
  const commented = findImport(again.config, './a.nix');
  if (commented.state !== 'commented') throw new Error('expected ./a.nix commented');
  expect(again.flake).toBe(disabled);
  return { disabled, back: applyEdits(Buffer.from(disabled), [commented.found.edit]).toString(), original: flake };
}

describe('commenting an import out again', () => {
  const note = { note: 'DISABLED by tune-wizard (2026-12-04)' };

  it('keeps a trailing comment, and reenable gives back the exact line', async () => {
    const list = '        ./a.nix # toolkit + binary cache  \n        ./b.nix\n';
    const { disabled, back, original } = await roundTrip(list, note);
    expect(disabled).toContain('        # ./a.nix # toolkit + binary cache   # DISABLED by tune-wizard (2026-12-04)\n        ./b.nix\n');
    expect(back).toBe(original);
  });

  it('writes the bare import with its note, and reenable gives it back', async () => {
    const { disabled, back, original } = await roundTrip('\t\t./a.nix\r\n', note);
    expect(disabled).toContain('\t\t# ./a.nix # DISABLED by tune-wizard (2026-12-04)\r\n');
    expect(back).toBe(original);
  });

  it('writes the journal\'s earlier line only while uncommenting it gives the line as it is now', async () => {
    const earlier = '# ./a.nix # DISABLED: OOM';
    expect((await roundTrip('        ./a.nix\n', { ...note, exact: earlier })).disabled).toContain(`        ${earlier}\n`);
    const edited = await roundTrip('        ./a.nix # kept\n', { ...note, exact: earlier });
    expect(edited.disabled).toContain('        # ./a.nix # kept # DISABLED by tune-wizard (2026-12-04)\n');
    expect(edited.back).toBe(edited.original);
  });

  it('refuses an import that shares its line with code, naming the file as the steps do', async () => {
    const { config } = await load('        ./a.nix ./b.nix\n');
    const active = findImport(config, './a.nix');
    if (active.state !== 'active') throw new Error('expected ./a.nix active');
    expect(() => commentOutEdit(config, active.item, note)).toThrow(
      'flake.nix:5: the import shares its line with other code; put it on a line of its own (a trailing # comment may stay) and run again. Nothing was changed.',
    );
  });
});
