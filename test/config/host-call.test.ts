// Hosts built by the flake's own helper functions: which expression each
// name stands for (parameters bound to the call's arguments, looked up in
// the caller's scope), which lists make up the host's modules, what is
// reported instead of guessed, and which hosts are listed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { findImport, requireOwnList } from '../../src/config/commented-import.js';
import { findHost, findModulesArguments, listHosts } from '../../src/config/host-call.js';
import { listItems, loadConfiguration, type Configuration } from '../../src/config/module-graph.js';
import { bindArgument, follow, helperParametersIn, isUnresolved, resolveName, type Value } from '../../src/config/scope.js';
import { identName } from '../../src/nix/query.js';
import { parseByteString } from '../../src/nix/parser.js';
import { walk, type Node, type SyntaxTree } from '../../src/nix/syntax.js';
import { Workspace } from '../../src/system/workspace.js';

const roots: string[] = [];
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A flake whose outputs are `let LETS in { BODY }`. */
function flake(lets: string, body: string): string {
  return `{\n  outputs = { self, nixpkgs, ... }@inputs:\n    let\n${lets}\n    in {\n${body}\n    };\n}\n`;
}

function parse(text: string): SyntaxTree {
  return parseByteString(text, '/f/flake.nix');
}

/** The text of every entry of the host's modules, as written, with what could not be followed. */
function hostEntries(text: string, host: string): { entries: string[]; lists: number[] } {
  const tree = parse(text);
  const lists: Node[] = [];
  const entries = findModulesArguments(tree, findHost(tree, host), host).flatMap((m) => listItems(m, lists)).map((e) => {
    const found = e.unfollowed === undefined ? follow(e) : e;
    const node = isUnresolved(found) ? e.node : found.node;
    const shown = tree.text.slice(node.start, node.end);
    return e.unfollowed === undefined ? shown : `UNFOLLOWED ${shown}: ${e.unfollowed}`;
  });
  return { entries, lists: lists.map((l) => tree.position(l.start).line) };
}

async function load(text: string, host: string): Promise<{ config: Configuration; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tw-helper-'));
  roots.push(dir);
  for (const name of ['modules/nix.nix', 'hosts/gamma/default.nix', 'hosts/beta/default.nix', 'ml/offload/default.nix']) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), '{ }\n');
  }
  writeFileSync(path.join(dir, 'flake.nix'), text);
  return { config: await loadConfiguration(new Workspace(true), dir, host), dir };
}

describe('binding a helper call', () => {
  it('binds curried parameters to the arguments, in order', () => {
    const text = flake(
      '      common = [ ./modules/nix.nix ];\n      mkHost = name: extra: nixpkgs.lib.nixosSystem { modules = common ++ extra; };',
      '      nixosConfigurations.gamma = mkHost "gamma" [ ./hosts/gamma ];',
    );
    expect(hostEntries(text, 'gamma')).toEqual({ entries: ['./modules/nix.nix', './hosts/gamma'], lists: [4, 7] });
  });

  it('takes a formal from the set passed, or its default when the set leaves it out', () => {
    const lets = '      mkHost = { name, modules ? [ ./modules/nix.nix ], ... }: nixpkgs.lib.nixosSystem { inherit modules; };';
    expect(hostEntries(flake(lets, '      nixosConfigurations.gamma = mkHost { name = "gamma"; modules = [ ./hosts/gamma ]; };'), 'gamma').entries).toEqual(['./hosts/gamma']);
    expect(hostEntries(flake(lets, '      nixosConfigurations.gamma = mkHost { name = "gamma"; };'), 'gamma').entries).toEqual(['./modules/nix.nix']);
  });

  it('refuses, naming the helper, when a formal without default is not passed', () => {
    const text = flake('      mkHost = { name, modules }: nixpkgs.lib.nixosSystem { inherit modules; };', '      nixosConfigurations.gamma = mkHost { name = "gamma"; };');
    expect(() => hostEntries(text, 'gamma')).toThrow('(built by mkHost at line 4): the call does not pass `modules`, and the function has no default for it.');
  });

  it('binds an @-name to the whole argument and follows args.modules', () => {
    const text = flake('      mkHost = args@{ ... }: nixpkgs.lib.nixosSystem { modules = args.modules; };', '      nixosConfigurations.gamma = mkHost { modules = [ ./hosts/gamma ]; };');
    expect(hostEntries(text, 'gamma').entries).toEqual(['./hosts/gamma']);
  });

  it('lets a parameter hide an outer let of the same name', () => {
    const text = flake(
      '      extra = [ ./ml/offload ];\n      mkHost = extra: nixpkgs.lib.nixosSystem { modules = extra; };',
      '      nixosConfigurations.gamma = mkHost [ ./hosts/gamma ];',
    );
    expect(hostEntries(text, 'gamma').entries).toEqual(['./hosts/gamma']);
  });

  it("looks up the names in an argument in the caller's scope, not the helper's", () => {
    const text = flake(
      '      mkHost = extra: let mine = [ ./ml/offload ]; in nixpkgs.lib.nixosSystem { modules = extra; };',
      '      nixosConfigurations.gamma = let mine = [ ./hosts/gamma ]; in mkHost mine;',
    );
    expect(hostEntries(text, 'gamma').entries).toEqual(['./hosts/gamma']);
  });

  it('follows a let inside the body and a helper that calls another', () => {
    const text = flake(
      '      mkSystem = mods: nixpkgs.lib.nixosSystem { modules = mods; };\n' +
        '      mkHost = name: extra: let base = [ ./modules/nix.nix { networking.hostName = name; } ]; in mkSystem (base ++ extra);',
      '      nixosConfigurations.gamma = mkHost "gamma" [ ./hosts/gamma ];',
    );
    expect(hostEntries(text, 'gamma').entries).toEqual(['./modules/nix.nix', '{ networking.hostName = name; }', './hosts/gamma']);
  });

  it('follows a list entry that is a parameter to the path passed for it', () => {
    const text = flake('      mkHost = hw: nixpkgs.lib.nixosSystem { modules = [ hw ]; };', '      nixosConfigurations.gamma = mkHost ./hosts/gamma;');
    expect(hostEntries(text, 'gamma').entries).toEqual(['./hosts/gamma']);
  });

  it('reports what needs evaluating instead of dropping it', () => {
    const text = flake(
      '      a = b;\n      b = a;\n      mkHost = name: nixpkgs.lib.nixosSystem { modules = a ++ nixpkgs.lib.optional true ./ml/offload ++ extra; };',
      '      nixosConfigurations.gamma = mkHost "gamma";',
    );
    expect(hostEntries(text, 'gamma').entries).toEqual([
      'UNFOLLOWED a: `a` is defined through too many names (a loop?)',
      'UNFOLLOWED nixpkgs.lib.optional true ./ml/offload: it is a list computed by an expression tune-wizard does not evaluate',
      'UNFOLLOWED extra: `extra` is not defined by a `let` in this file',
    ]);
  });

  it('stops on a helper that calls itself for ever', () => {
    const text = flake('      f = x: f x;', '      nixosConfigurations.gamma = f 1;');
    expect(() => hostEntries(text, 'gamma')).toThrow('goes through too many functions to follow (a loop?)');
  });

  it('says so when the helper does not end in a nixosSystem call', () => {
    const text = flake('      mkHost = name: if name == "a" then { } else { };', '      nixosConfigurations.gamma = mkHost "gamma";');
    expect(() => hostEntries(text, 'gamma')).toThrow('cannot find the modules list of nixosConfigurations.gamma (built by mkHost at line 4) (its helper does not end in a nixosSystem call)');
  });
});

describe('hosts built with extendModules', () => {
  it("reads the base host's modules, then the extra ones: through self, inputs.self, or a let-bound host", () => {
    const text = flake(
      '      base = nixpkgs.lib.nixosSystem { modules = [ ./modules/nix.nix ]; };',
      [
        '      nixosConfigurations.beta = nixpkgs.lib.nixosSystem { modules = [ ./hosts/beta ]; };',
        '      nixosConfigurations.gamma = self.nixosConfigurations.beta.extendModules { modules = [ ./hosts/gamma ]; };',
        '      nixosConfigurations.delta = inputs.self.nixosConfigurations.gamma.extendModules { modules = [ ./ml/offload ]; };',
        '      nixosConfigurations.epsilon = base.extendModules { modules = [ ./hosts/gamma ]; };',
        '      nixosConfigurations.zeta = (base.extendModules { specialArgs = { }; });',
      ].join('\n'),
    );
    expect(hostEntries(text, 'gamma').entries).toEqual(['./hosts/beta', './hosts/gamma']);
    expect(hostEntries(text, 'delta').entries).toEqual(['./hosts/beta', './hosts/gamma', './ml/offload']);
    expect(hostEntries(text, 'epsilon').entries).toEqual(['./modules/nix.nix', './hosts/gamma']);
    expect(hostEntries(text, 'zeta').entries).toEqual(['./modules/nix.nix']);
  });

  it('refuses a base it cannot follow to a host, instead of reading only the extra modules', () => {
    const text = flake(
      '      hosts = import ./hosts.nix;',
      [
        '      nixosConfigurations.gamma = hosts.beta.extendModules { modules = [ ./hosts/gamma ]; };',
        '      nixosConfigurations.delta = self.nixosConfigurations.nowhere.extendModules { modules = [ ./hosts/gamma ]; };',
        '      nixosConfigurations.eta = self.nixosConfigurations.eta.extendModules { modules = [ ./hosts/gamma ]; };',
      ].join('\n'),
    );
    expect(() => hostEntries(text, 'gamma')).toThrow('nixosConfigurations.gamma extends `hosts.beta.extendModules`, which tune-wizard cannot follow to a host of this flake');
    expect(() => hostEntries(text, 'delta')).toThrow('nixosConfigurations.delta extends nixosConfigurations.nowhere, which cannot be followed: flake.nix defines no nixosConfigurations.nowhere');
    expect(() => hostEntries(text, 'eta')).toThrow('extends hosts that go round in a loop');
  });
});

describe('names and parameters', () => {
  const text = flake(
    '      common = [ ./modules/nix.nix ];\n      mkHost = name: { modules ? common }: [ ./hosts/${name} modules ];',
    '      x = 1;',
  );
  const tree = parse(text);
  const ident = (name: string, nth = 0): Node => [...walk(tree.root)].filter((n) => n.kind === 'Ident' && identName(n) === name)[nth]!;

  it('says a parameter of a function it does not see called is one', () => {
    const found = resolveName(ident('name', 1), 'name', undefined);
    expect(found).toEqual({ unresolved: '`name` is a function parameter, and tune-wizard does not see that function called' });
  });

  it('resolves a let binding from inside a formal default', () => {
    const found = resolveName(ident('common', 1), 'common', undefined) as Value;
    expect(tree.text.slice(found.node.start, found.node.end)).toBe('[ ./modules/nix.nix ]');
  });

  it('names the parameters a path depends on, only when their call is followed', () => {
    const path = [...walk(tree.root)].find((n) => n.kind === 'Path' && n.children.length > 1)!;
    expect(helperParametersIn({ node: path, env: undefined })).toEqual([]);
    const lambda = [...walk(tree.root)].find((n) => n.kind === 'Lambda' && identName(n.children.find((c) => c.type === 'node') as Node) === 'name')!;
    const argument = parse('"gamma"').root;
    const env = bindArgument(lambda, { node: argument, env: undefined }, undefined);
    expect(helperParametersIn({ node: path, env })).toEqual(['`name`, an argument of mkHost']);
  });
});

describe('listing the hosts', () => {
  it('lists helper-built hosts, hosts in a let-bound set, and inherited ones', () => {
    const text = flake(
      '      mkHost = m: nixpkgs.lib.nixosSystem { modules = m; };\n      delta = mkHost [ ];',
      '      nixosConfigurations = let beta = mkHost [ ]; in { alpha = mkHost [ ]; inherit beta delta; } // { gamma = mkHost [ ./hosts/gamma ]; };',
    );
    expect([...listHosts(parse(text)).hosts.keys()]).toEqual(['alpha', 'beta', 'delta', 'gamma']);
    expect(hostEntries(text, 'beta').entries).toEqual([]);
    expect(hostEntries(text, 'gamma').entries).toEqual(['./hosts/gamma']);
  });

  it('says nixosConfigurations is computed instead of that there are no hosts', () => {
    const text = flake('      mkHost = name: m: nixpkgs.lib.nixosSystem { modules = m; };', '      nixosConfigurations = builtins.mapAttrs mkHost { gamma = [ ]; };');
    expect(() => findHost(parse(text), 'gamma')).toThrow(
      'no nixosConfigurations.gamma (nixosConfigurations at line 6 is computed (`builtins.mapAttrs mkHost { gamma = [ ...`), and tune-wizard does not evaluate Nix: write the host out as nixosConfigurations.gamma = ...).',
    );
  });

  it('does not list a host whose name is computed as a host', () => {
    const text = flake('      mk = name: { nixosConfigurations.${name} = nixpkgs.lib.nixosSystem { modules = [ ]; }; };', '      nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { modules = [ ]; };');
    expect(() => findHost(parse(text), 'gamma')).toThrow('(it defines alpha; nixosConfigurations at line 4 is computed (`${name}`)');
  });

  it('names helper-built hosts when the host asked for is missing', () => {
    const text = flake('      mkHost = m: nixpkgs.lib.nixosSystem { modules = m; };', '      nixosConfigurations.alpha = mkHost [ ];\n      nixosConfigurations.gamma = mkHost [ ];');
    expect(() => findHost(parse(text), 'kernelcore')).toThrow('no nixosConfigurations.kernelcore (it defines alpha, gamma). Name one with --flake /f#alpha.');
  });

  it('says a flake without nixosConfigurations has no host, without suggesting to name one', () => {
    const text = '{\n  outputs = { self, nixpkgs }: { packages.x86_64-linux.default = nixpkgs.hello; };\n}\n';
    expect(() => findHost(parse(text), 'box')).toThrow(
      '/f/flake.nix defines no nixosConfigurations, so there is no NixOS host to edit here. Point --flake at the flake of your NixOS configuration.',
    );
  });
});

describe('loading a helper-built host', () => {
  it('reads the modules passed in the call and reports a path built from a parameter with its line', async () => {
    const text = flake(
      '      mkHost = name: extra: nixpkgs.lib.nixosSystem {\n        modules = [ ./modules/nix.nix ./hosts/${name} ] ++ extra;\n      };',
      '      nixosConfigurations.gamma = mkHost "gamma" [ ./hosts/beta ];',
    );
    const { config, dir } = await load(text, 'gamma');
    expect(config.modules.map((m) => path.relative(dir, m.file))).toEqual(['modules/nix.nix', 'hosts/beta/default.nix']);
    expect(config.unfollowed.map(({ line, text, kind, reason }) => ({ line, text, kind, reason }))).toEqual([
      { line: 5, text: './hosts/${name}', kind: 'computed', reason: 'it is a path built with ${...} from `name`, an argument of mkHost' },
    ]);
  });
});

describe('editing a list through a helper', () => {
  const lets =
    '      mkHost = name: extra: nixpkgs.lib.nixosSystem {\n' +
    '        modules = [\n          ./modules/nix.nix\n          # ./ml/offload # DISABLED: OOM\n        ] ++ extra;\n      };';
  const body =
    '      nixosConfigurations.gamma = mkHost "gamma" [\n        # ./ml/offload # DISABLED: OOM\n      ];\n' +
    '      nixosConfigurations.beta = mkHost "beta" [ ];';

  it("refuses the line in the helper's body, which other hosts share", async () => {
    const { config } = await load(flake(lets, body), 'beta');
    const found = findImport(config, './ml/offload');
    expect(found.state === 'commented' && found.found.line).toBe(7);
    expect(() => found.state === 'commented' && requireOwnList(config, found.found.list, found.found.line, 'uncommenting it')).toThrow(
      'flake.nix:7: this line is in a list that nixosConfigurations.gamma also uses; uncommenting it would change that host too.',
    );
  });

  it("finds both lines for gamma (its own and the helper's) and asks which", async () => {
    const { config } = await load(flake(lets, body), 'gamma');
    expect(() => findImport(config, './ml/offload')).toThrow('commented out on lines 7 and 12');
  });

  it("lets gamma's own line, in its call, be edited", async () => {
    const ownOnly = lets.replace('          # ./ml/offload # DISABLED: OOM\n', '');
    const { config } = await load(flake(ownOnly, body), 'gamma');
    const found = findImport(config, './ml/offload');
    expect(found.state === 'commented' && found.found.line).toBe(11);
    expect(() => found.state === 'commented' && requireOwnList(config, found.found.list, found.found.line, 'uncommenting it')).not.toThrow();
  });
});
