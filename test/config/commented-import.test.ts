// Which commented-out import `reenable` may bring back, and the exact edit.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { findImport } from '../../src/config/commented-import.js';
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
