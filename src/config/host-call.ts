// Finds a host in flake.nix and the `modules` of the nixosSystem call that
// builds it, written out or through a helper the flake defines itself:
//   gamma = mkHost "gamma" [ ./hosts/gamma ];
//   mkHost = name: extra: nixpkgs.lib.nixosSystem { modules = common ++ extra; };
// The helper is followed by binding its parameters to the call's arguments,
// as written: nothing is evaluated.
import path from 'node:path';

import { shellWord } from '../engine/shell-words.js';
import { UserError } from '../errors.js';
import { attrNames, flattenApply, identName, libFunctionName, lineOf, stripParens } from '../nix/query.js';
import { childNodes, childTokens, walk, type Node, type SyntaxTree } from '../nix/syntax.js';
import { selfPath } from './flake-outputs.js';
import {
  attributeOf,
  attrSetOf,
  bindArgument,
  helperName,
  isUnresolved,
  resolveName,
  type Resolution,
  type Value,
} from './scope.js';

export interface FlakeHosts {
  /** Each host by name, with its value (or why it cannot be followed). */
  hosts: Map<string, { at: Node; value: Resolution }>;
  /** `nixosConfigurations = <something computed>`: hosts not listed. */
  computed: Node[];
}

/**
 * The hosts flake.nix writes out: `nixosConfigurations.NAME = ...`, the
 * bindings and `inherit`s of a `nixosConfigurations = { ... }` set (through
 * `let ... in`, parentheses and `//`). A later definition wins, as with `//`.
 */
export function listHosts(tree: SyntaxTree): FlakeHosts {
  const found: FlakeHosts = { hosts: new Map(), computed: [] };
  for (const node of walk(tree.root)) {
    if (node.kind === 'Binding') {
      const fullPath = bindingPath(node);
      const at = fullPath.lastIndexOf('nixosConfigurations');
      if (at !== -1 && at === fullPath.length - 2 && fullPath.at(-1) === '${...}') {
        found.computed.push(childNodes(childNodes(node)[0]!).at(-1)!); // nixosConfigurations.${name} = ...
      } else if (at !== -1 && at === fullPath.length - 2) {
        found.hosts.set(fullPath.at(-1)!, { at: node, value: { node: childNodes(node)[1]!, env: undefined } });
      } else if (at !== -1 && at === fullPath.length - 1) {
        found.computed.push(...computedParts(childNodes(node)[1]!));
      }
    } else if (node.kind === 'Inherit' && node.parent && setPath(node.parent).at(-1) === 'nixosConfigurations') {
      for (const name of inheritedHosts(node)) {
        found.hosts.set(name, { at: node, value: inheritedValue(node, name) });
      }
    }
  }
  return found;
}

export function findHost(tree: SyntaxTree, host: string): Value {
  const { hosts, computed } = listHosts(tree);
  const entry = hosts.get(host);
  if (entry && !isUnresolved(entry.value)) return entry.value;
  if (entry && isUnresolved(entry.value)) {
    throw new UserError(`${tree.file}:${lineOf(tree, entry.at)}: cannot follow nixosConfigurations.${host}: ${entry.value.unresolved}.`);
  }
  const names = [...hosts.keys()];
  const said = computed.map(
    (node) => `nixosConfigurations at line ${lineOf(tree, node)} is computed (\`${shortText(tree, node)}\`), and tune-wizard does not evaluate Nix: write the host out as nixosConfigurations.${host} = ...`,
  );
  if (names.length > 0) {
    said.unshift(`it defines ${names.join(', ')}`);
    const dir = path.dirname(tree.file);
    throw new UserError(`${tree.file}: no nixosConfigurations.${host} (${said.join('; ')}). Name one with --flake ${shellWord(`${dir}#${names[0]}`)}.`);
  }
  if (said.length > 0) throw new UserError(`${tree.file}: no nixosConfigurations.${host} (${said.join('; ')}).`);
  throw new UserError(`${tree.file} defines no nixosConfigurations, so there is no NixOS host to edit here. Point --flake at the flake of your NixOS configuration.`);
}

/**
 * The full attribute path of a binding, through enclosing nested sets, also
 * when a set is the body of a `let`, in parentheses, or a side of `//`.
 */
export function bindingPath(binding: Node): string[] {
  const names = attrNames(childNodes(binding)[0]!).map((n) => n ?? '${...}');
  return binding.parent?.kind === 'AttrSet' ? [...setPath(binding.parent), ...names] : names;
}

/** The attribute path a set is the value of (empty when none). */
function setPath(set: Node): string[] {
  let value = set;
  while (value.parent && isTransparent(value.parent, value)) value = value.parent;
  return value.parent?.kind === 'Binding' ? bindingPath(value.parent) : [];
}

/** Whether `outer`'s value is (partly) `inner`'s: parentheses, a let's body, `a // b`. */
function isTransparent(outer: Node, inner: Node): boolean {
  if (outer.kind === 'Paren') return true;
  if (outer.kind === 'LetIn') return childNodes(outer).at(-1) === inner;
  return outer.kind === 'BinOp' && childTokens(outer).some((t) => t.text === '//');
}

/** The parts of a `nixosConfigurations = ...` value that are not sets written out. */
function computedParts(expr: Node): Node[] {
  const node = stripParens(expr);
  if (node.kind === 'AttrSet') return [];
  if (node.kind === 'LetIn') return computedParts(childNodes(node).at(-1)!);
  if (node.kind === 'BinOp' && childTokens(node).some((t) => t.text === '//')) return childNodes(node).flatMap(computedParts);
  return [node];
}

function inheritedHosts(inherit: Node): string[] {
  return childNodes(inherit)
    .filter((n) => n.kind === 'Ident')
    .map(identName);
}

function inheritedValue(inherit: Node, name: string): Resolution {
  if (childNodes(inherit)[0]?.kind === 'InheritFrom') {
    return { unresolved: `it is inherited from an expression tune-wizard does not evaluate` };
  }
  return resolveName(inherit.parent!, name, undefined);
}

function shortText(tree: SyntaxTree, node: Node): string {
  const text = tree.text.slice(node.start, node.end).replace(/\s+/g, ' ');
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

// Helpers calling helpers deeper than this are a loop, or not hand-written.
const MAX_STEPS = 64;

/**
 * The `modules` expressions a host is built from: those of the nixosSystem
 * call its value reaches (through `let ... in`, names, and calls of the
 * flake's own functions, whose parameters stand for the call's arguments),
 * and for `base.extendModules { modules = [ ... ]; }` the base host's, then
 * the extra ones.
 */
export function findModulesArguments(tree: SyntaxTree, hostValue: Value, host: string, depth = 0): Value[] {
  if (depth > MAX_STEPS) {
    throw new UserError(`${tree.file}:${lineOf(tree, hostValue.node)}: nixosConfigurations.${host} extends hosts that go round in a loop.`);
  }
  let value = hostValue;
  let pending: Value[] = [];
  const helpers: Node[] = [];
  for (let step = 0; step < MAX_STEPS; step++) {
    const node = stripParens(value.node);
    if (node.kind === 'LetIn' || node.kind === 'With' || node.kind === 'Assert') {
      value = { node: childNodes(node).at(-1)!, env: value.env };
    } else if (node.kind === 'Apply' && isExtendModules(flattenApply(node).fn)) {
      const call = flattenApply(node);
      const base = extendedHost(tree, { node: stripParens(call.fn), env: value.env }, host);
      const extra = call.args.flatMap((arg) => {
        const set = attrSetOf({ node: arg, env: value.env });
        if (isUnresolved(set)) {
          throw new UserError(`${tree.file}:${lineOf(tree, arg)}: cannot follow the extra modules of nixosConfigurations.${host}: ${set.unresolved}.`);
        }
        const modules = attributeOf(set, 'modules');
        if (modules && isUnresolved(modules)) {
          throw new UserError(`${tree.file}:${lineOf(tree, arg)}: cannot follow the extra modules of nixosConfigurations.${host}: ${modules.unresolved}.`);
        }
        return modules ? [modules] : [];
      });
      return [...findModulesArguments(tree, base, host, depth + 1), ...extra];
    } else if (node.kind === 'Apply') {
      const call = flattenApply(node);
      pending = [...call.args.map((arg) => ({ node: arg, env: value.env })), ...pending];
      value = { node: call.fn, env: value.env };
    } else if (node.kind === 'Lambda' && pending.length > 0) {
      if (!helpers.includes(outermostLambda(node))) helpers.push(outermostLambda(node));
      value = { node: childNodes(node)[1]!, env: bindArgument(node, pending[0]!, value.env) };
      pending = pending.slice(1);
    } else if (node.kind === 'Ident' && !isUnresolved(resolveName(node, identName(node), value.env))) {
      value = resolveName(node, identName(node), value.env) as Value;
    } else {
      return [modulesOfCall(tree, hostValue, host, { node, env: value.env }, pending, helpers)];
    }
  }
  throw new UserError(`${tree.file}:${lineOf(tree, hostValue.node)}: nixosConfigurations.${host} goes through too many functions to follow (a loop?).`);
}

/** `x.extendModules`, the function a built host has for adding modules to it. */
function isExtendModules(fn: Node): boolean {
  const node = stripParens(fn);
  if (node.kind !== 'Select' || childTokens(node).some((t) => t.kind === 'kw_or')) return false;
  return attrNames(childNodes(node)[1]!).at(-1) === 'extendModules';
}

/**
 * The host `base.extendModules` extends: `self.nixosConfigurations.h`
 * (also through `inputs.self`), or a name or expression that is a host
 * (`base.extendModules`, with `base = nixpkgs.lib.nixosSystem { ... }`).
 */
function extendedHost(tree: SyntaxTree, select: Value, host: string): Value {
  const [base, attrpath] = childNodes(select.node);
  const names = attrNames(attrpath!);
  if (names.length === 1) return { node: base!, env: select.env };
  const own = selfPath(tree, select.node);
  if (own && own.length === 3 && own[0] === 'nixosConfigurations') {
    const entry = listHosts(tree).hosts.get(own[1]!);
    if (entry && !isUnresolved(entry.value)) return entry.value;
    const why = entry && isUnresolved(entry.value) ? entry.value.unresolved : `flake.nix defines no nixosConfigurations.${own[1]} that tune-wizard can find`;
    throw new UserError(`${tree.file}:${lineOf(tree, select.node)}: nixosConfigurations.${host} extends nixosConfigurations.${own[1]}, which cannot be followed: ${why}.`);
  }
  throw new UserError(
    `${tree.file}:${lineOf(tree, select.node)}: nixosConfigurations.${host} extends \`${shortText(tree, select.node)}\`, which tune-wizard cannot follow to a host of this flake; ` +
      'it follows `self.nixosConfigurations.NAME.extendModules { ... }` or a let-bound host\'s `.extendModules`.',
  );
}

/** `fn args` is the builder call: one of its arguments is a set with `modules`. */
function modulesOfCall(tree: SyntaxTree, hostValue: Value, host: string, fn: Value, args: Value[], helpers: Node[]): Value {
  const via = helpers.map((h) => `${helperName(h)} at line ${lineOf(tree, h)}`).join(', then ');
  const built = via ? ` (built by ${via})` : '';
  for (const arg of args) {
    const set = attrSetOf(arg);
    if (isUnresolved(set)) continue;
    const modules = attributeOf(set, 'modules');
    if (modules && isUnresolved(modules)) {
      throw new UserError(`${tree.file}:${lineOf(tree, set.node)}: cannot follow the modules of nixosConfigurations.${host}${built}: ${modules.unresolved}.`);
    }
    if (modules) return modules;
  }
  const fnName = libFunctionName(fn.node) ?? (fn.node.kind === 'Select' ? 'nixosSystem' : undefined);
  const notACall = fnName ? '' : via ? ' (its helper does not end in a nixosSystem call)' : ' (it is not a nixosSystem call)';
  throw new UserError(
    `${tree.file}:${lineOf(tree, hostValue.node)}: cannot find the modules list of nixosConfigurations.${host}${built}${notACall}; ` +
      'tune-wizard follows `nixosSystem { modules = [ ... ]; }`, written out or in a function of this file.',
  );
}

/** The first Lambda of a curried helper (`name: extra: ...`), for its name and line. */
function outermostLambda(lambda: Node): Node {
  let outer = lambda;
  while (outer.parent?.kind === 'Lambda') outer = outer.parent;
  return outer;
}
