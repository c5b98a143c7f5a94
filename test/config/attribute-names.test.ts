// Listing the sysctls a configuration sets, and reading string definitions,
// on small flakes written inline and on the bundled sample.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { listAttributeNames } from '../../src/config/attribute-names.js';
import { loadConfiguration } from '../../src/config/module-graph.js';
import { resolveOption } from '../../src/config/option-plan.js';
import { findStringValue } from '../../src/config/string-value.js';
import { Workspace } from '../../src/system/workspace.js';
import { repoRoot } from '../support/sandbox.js';

const roots: string[] = [];
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function configFor(modules: Record<string, string>) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tw-names-'));
  roots.push(dir);
  const list = Object.keys(modules).map((name) => `./${name}`).join(' ');
  writeFileSync(
    path.join(dir, 'flake.nix'),
    `{ outputs = { nixpkgs, ... }: { nixosConfigurations.box = nixpkgs.lib.nixosSystem { modules = [ ${list} ]; }; }; }\n`,
  );
  for (const [name, text] of Object.entries(modules)) writeFileSync(path.join(dir, name), text);
  return loadConfiguration(new Workspace(true), dir, 'box');
}

describe('listing the names set under an option', () => {
  it('finds sysctls however they are written: nested, dotted, under mkIf, mkMerge and config', async () => {
    const config = await configFor({
      'a.nix': '{ boot.kernel.sysctl."vm.swappiness" = 100; }',
      'b.nix': '{ lib, ... }: { boot.kernel = { sysctl = lib.mkIf true { "vm.dirty_ratio" = 15; }; }; }',
      'c.nix': '{ lib, ... }: { options.x = lib.mkOption { }; config.boot.kernel.sysctl = lib.mkMerge [ { "kernel.kptr_restrict" = 2; } (lib.mkForce { "vm.swappiness" = 60; }) ]; }',
      'd.nix': '{ boot.kernelPackages = null; boot.kernel.sysctlx = { y = 1; }; }',
    });
    expect(listAttributeNames(config, 'boot.kernel.sysctl')).toEqual(['kernel.kptr_restrict', 'vm.dirty_ratio', 'vm.swappiness']);
  });

  it('lists the twenty sysctls the sample host kernelcore sets', async () => {
    const config = await loadConfiguration(new Workspace(true), path.join(repoRoot, 'examples/kernelcore'), 'kernelcore');
    const names = listAttributeNames(config, 'boot.kernel.sysctl');
    expect(names).toHaveLength(20);
    expect(names.slice(0, 3)).toEqual(['kernel.dmesg_restrict', 'kernel.kptr_restrict', 'kernel.unprivileged_bpf_disabled']);
  });
});

describe('reading string definitions', () => {
  it.each([
    ["''\n    SystemMaxUse=2G\n      Compress=yes\n  ''", 'SystemMaxUse=2G\n  Compress=yes\n'],
    ['"SystemMaxUse=1G\\n"', 'SystemMaxUse=1G\n'],
    ["''\n    A=${toString 1}\n  ''", undefined],
  ])('reads %j as %j', async (value, text) => {
    const config = await configFor({ 'j.nix': `{ services.journald.extraConfig = ${value}; }\n` });
    const [definition] = resolveOption(config, 'services.journald.extraConfig').winners;
    expect(findStringValue(definition!)).toBe(text);
  });
});
