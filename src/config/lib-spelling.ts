// How to write a lib function (mkDefault) at a given place in a module so
// that it evaluates there to nixpkgs' own function: `mkDefault` under `with
// lib;` or where it was inherited from lib, `lib.mkDefault` where `lib` is
// nixpkgs' lib, and otherwise `lib` is added to the module's arguments. A
// name is only trusted where it resolves, by Nix's scoping rules, to lib:
// a `let lib = { };` or a local `mkDefault = x: x;` hides the real one, and
// `with` never wins over a name bound by `let`, `rec` or a function.
import { attrNames, identName, lambdaBinds, libFunctionName, stripParens } from '../nix/query.js';
import { childNodes, childTokens, isNode, type Node } from '../nix/syntax.js';
import type { ModuleSource } from './module-graph.js';
import type { TextEdit } from './text-edit.js';

export interface Spelling {
  text: string;
  /** Edits that bring `lib` into scope, when it was missing. */
  edits: TextEdit[];
}

/** Why no spelling reaches nixpkgs' lib function at that place. */
export interface NoSpelling {
  refused: string;
}

export function spellLibFunction(module: ModuleSource, at: Node, name: string): Spelling | NoSpelling {
  const bare = lexical(at, name);
  const lib = lexical(at, 'lib');
  // Innermost first, as the code reads: the nearest way of writing it wins.
  for (let node: Node = at; node.parent; node = node.parent) {
    const scope = node.parent;
    if (bare?.scope === scope && isLibMember(bare, name, module)) return { text: name, edits: [] };
    if (lib?.scope === scope && isRealLib(lib, module)) return { text: `lib.${name}`, edits: [] };
    if (!bare && scope.kind === 'With' && childNodes(scope)[0] !== node) {
      // The innermost `with` decides what a name bound nowhere else means.
      if (isLibExpression(childNodes(scope)[0]!, module)) return { text: name, edits: [] };
      break;
    }
  }
  if (lib) {
    if (isRealLib(lib, module)) return { text: `lib.${name}`, edits: [] };
    const local = bare ? ` (and \`${name}\` there is ${describeBound(bare)})` : '';
    return { refused: `\`lib\` there is ${describeBound(lib)}, not nixpkgs' lib, so \`lib.${name}\` would not be nixpkgs' ${name}${local}, and adding the module's \`lib\` argument would not reach past it` };
  }
  return addLibArgument(module, at, name);
}

/** Where a name is bound, as Nix scoping finds it from `from`. */
interface Bound {
  scope: Node;
  kind: 'let' | 'argument' | 'inherit';
  /** The bound value (let), or the inherit's source expression (inherit (x) name). */
  value: Node | undefined;
}

function lexical(from: Node, name: string): Bound | undefined {
  for (let child: Node = from, scope = from.parent; scope; child = scope, scope = scope.parent) {
    const isRec = scope.kind === 'AttrSet' && childTokens(scope).some((t) => t.kind === 'kw_rec');
    if (scope.kind === 'LetIn' || scope.kind === 'LegacyLet' || isRec) {
      for (const entry of childNodes(scope)) {
        if (entry.kind === 'Binding') {
          const names = attrNames(childNodes(entry)[0]!);
          if (names[0] === name) return { scope, kind: 'let', value: names.length === 1 ? childNodes(entry)[1] : undefined };
        } else if (entry.kind === 'Inherit') {
          const from = childNodes(entry).find((n) => n.kind === 'InheritFrom');
          if (childNodes(entry).some((n) => n.kind === 'Ident' && identName(n) === name)) {
            return { scope, kind: 'inherit', value: from && childNodes(from)[0] };
          }
        }
      }
    }
    if (scope.kind === 'Lambda' && childNodes(scope).at(-1) === child && lambdaBinds(scope, name)) {
      return { scope, kind: 'argument', value: undefined };
    }
  }
  return undefined;
}

// Names bound to names bound to lib, deeper than this, are a loop.
const MAX_DEPTH = 16;

/**
 * Whether a binding of `lib` is nixpkgs' lib: the `lib` argument of the
 * function the module system calls, or a let bound to `something.lib`
 * (`nixpkgs.lib`, `pkgs.lib`) or inherited from such a set.
 */
function isRealLib(bound: Bound, module: ModuleSource, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  if (bound.kind === 'argument') return bound.scope === moduleFunction(module) && !isAtName(bound.scope, 'lib');
  if (bound.kind === 'inherit') return bound.value !== undefined; // inherit (nixpkgs) lib;
  return bound.value !== undefined && isLibExpression(bound.value, module, depth + 1);
}

/** `{ lib, ... }@lib:` is not a thing, but `lib: ...` binds all the arguments: not lib. */
function isAtName(lambda: Node, name: string): boolean {
  const param = childNodes(lambda)[0]!;
  return param.kind === 'Ident' && identName(param) === name;
}

/** Whether a binding of `name` (mkDefault) is lib's: `inherit (lib) name;` or `name = lib.name;`. */
function isLibMember(bound: Bound, name: string, module: ModuleSource): boolean {
  if (bound.kind === 'inherit') return bound.value !== undefined && isLibExpression(bound.value, module);
  if (bound.kind === 'let' && bound.value) return libFunctionName(bound.value) === name && isLibFunction(bound.value, module);
  return false;
}

/** `lib.mkDefault` (or `x.lib.mkDefault`) whose `lib` is nixpkgs' lib where it is written. */
function isLibFunction(expr: Node, module: ModuleSource): boolean {
  const node = stripParens(expr);
  if (node.kind !== 'Select') return false;
  const base = childNodes(node)[0]!;
  return base.kind === 'Ident' && identName(base) === 'lib' ? refersToLib(base, module, 0) : true;
}

/** An expression that is nixpkgs' lib: `lib` bound to it, or `something.lib`. */
function isLibExpression(expr: Node, module: ModuleSource, depth = 0): boolean {
  const node = stripParens(expr);
  if (node.kind === 'Ident') return identName(node) === 'lib' && refersToLib(node, module, depth);
  if (node.kind === 'Select') return attrNames(childNodes(node)[1]!).at(-1) === 'lib';
  return false;
}

function refersToLib(ident: Node, module: ModuleSource, depth: number): boolean {
  const bound = lexical(ident, 'lib');
  return bound !== undefined && isRealLib(bound, module, depth + 1);
}

function describeBound(bound: Bound): string {
  if (bound.kind === 'argument') return 'an argument of a function other than the module';
  if (bound.kind === 'inherit') return 'inherited from a set that is not lib';
  return bound.scope.kind === 'AttrSet' ? 'an entry of a `rec` set' : 'bound by a `let` to something else';
}

function addLibArgument(module: ModuleSource, at: Node, name: string): Spelling | NoSpelling {
  const text = `lib.${name}`;
  const lambda = moduleFunction(module);
  if (!lambda) {
    const expr = stripParens(module.expr);
    if (module.inline) {
      return { text, edits: [{ start: expr.start, end: expr.start, text: '({ lib, ... }: ' }, { start: expr.end, end: expr.end, text: ')' }] };
    }
    return { text, edits: [{ start: expr.start, end: expr.start, text: '{ lib, ... }:\n' }] };
  }
  const param = childNodes(lambda)[0]!;
  if (param.kind === 'Ident') {
    // `args: ...`: args.lib, unless something closer hides `args`.
    const args = identName(param);
    if (lexical(at, args)?.scope !== lambda) {
      return { refused: `the module's arguments are \`${args}\`, which a closer binding hides there` };
    }
    return { text: `${args}.lib.${name}`, edits: [] };
  }

  const parts = param.children.filter(isNode);
  const ellipsis = childTokens(param).find((t) => t.kind === 'ellipsis');
  const firstEntry = parts.find((n) => n.kind === 'PatEntry');
  if (ellipsis) return { text, edits: [{ start: ellipsis.start, end: ellipsis.start, text: 'lib, ' }] };
  if (firstEntry) return { text, edits: [{ start: firstEntry.start, end: firstEntry.start, text: 'lib, ' }] };
  const brace = childTokens(param).find((t) => t.kind === 'l_brace')!;
  return { text, edits: [{ start: brace.end, end: brace.end, text: ' lib' }] };
}

/** The function the module system calls: the last of a curried chain. */
function moduleFunction(module: ModuleSource): Node | undefined {
  let node = stripParens(module.expr);
  let found: Node | undefined;
  while (node.kind === 'Lambda') {
    found = node;
    node = stripParens(childNodes(node).at(-1)!);
  }
  return found;
}
