// How to write a lib function (mkDefault) at a given place in a module so
// that it evaluates there: `mkDefault` under `with lib;` or where it was
// inherited, `lib.mkDefault` where `lib` is in scope, and otherwise `lib` is
// added to the module's arguments.
import { attrNames, identName, stripParens } from '../nix/query.js';
import { childNodes, childTokens, isNode, type Node } from '../nix/syntax.js';
import type { ModuleSource } from './module-graph.js';
import type { TextEdit } from './text-edit.js';

export interface Spelling {
  text: string;
  /** Edits that bring `lib` into scope, when it was missing. */
  edits: TextEdit[];
}

export function spellLibFunction(module: ModuleSource, at: Node, name: string): Spelling {
  for (let node: Node | undefined = at; node; node = node.parent) {
    const scope: Node | undefined = node.parent;
    if (!scope) break;
    const bound = boundHere(scope, node);
    if (bound.has(name)) return { text: name, edits: [] };
    if (bound.has('lib')) return { text: `lib.${name}`, edits: [] };
    if (scope.kind === 'With' && childNodes(scope)[0] !== node && isLibExpression(childNodes(scope)[0]!)) {
      return { text: name, edits: [] };
    }
  }
  return addLibArgument(module, name);
}

/** Names a scope node binds for code in its child `from`. */
function boundHere(scope: Node, from: Node): Set<string> {
  const names = new Set<string>();
  const isRec = scope.kind === 'AttrSet' && childTokens(scope).some((t) => t.kind === 'kw_rec');
  if (scope.kind === 'LetIn' || scope.kind === 'LegacyLet' || isRec) {
    for (const child of childNodes(scope)) {
      if (child.kind === 'Binding') {
        const first = attrNames(childNodes(child)[0]!)[0];
        if (first) names.add(first);
      } else if (child.kind === 'Inherit') {
        for (const part of childNodes(child)) if (part.kind === 'Ident') names.add(identName(part));
      }
    }
  }
  if (scope.kind === 'Lambda' && childNodes(scope).at(-1) === from) {
    const param = childNodes(scope)[0]!;
    if (param.kind === 'Ident') names.add(identName(param));
    for (const node of param.kind === 'Pattern' ? childNodes(param) : []) {
      if (node.kind === 'PatEntry') names.add(identName(childNodes(node)[0]!));
      if (node.kind === 'Ident') names.add(identName(node));
    }
  }
  return names;
}

function isLibExpression(expr: Node): boolean {
  const node = stripParens(expr);
  if (node.kind === 'Ident') return identName(node) === 'lib';
  if (node.kind === 'Select') return attrNames(childNodes(node)[1]!).at(-1) === 'lib';
  return false;
}

function addLibArgument(module: ModuleSource, name: string): Spelling {
  const text = `lib.${name}`;
  const lambda = innermostLambda(module.expr);
  if (!lambda) {
    const expr = stripParens(module.expr);
    if (module.inline) {
      return { text, edits: [{ start: expr.start, end: expr.start, text: '({ lib, ... }: ' }, { start: expr.end, end: expr.end, text: ')' }] };
    }
    return { text, edits: [{ start: expr.start, end: expr.start, text: '{ lib, ... }:\n' }] };
  }
  const param = childNodes(lambda)[0]!;
  if (param.kind === 'Ident') return { text: `${identName(param)}.lib.${name}`, edits: [] };

  const parts = param.children.filter(isNode);
  const ellipsis = childTokens(param).find((t) => t.kind === 'ellipsis');
  const firstEntry = parts.find((n) => n.kind === 'PatEntry');
  if (ellipsis) return { text, edits: [{ start: ellipsis.start, end: ellipsis.start, text: 'lib, ' }] };
  if (firstEntry) return { text, edits: [{ start: firstEntry.start, end: firstEntry.start, text: 'lib, ' }] };
  const brace = childTokens(param).find((t) => t.kind === 'l_brace')!;
  return { text, edits: [{ start: brace.end, end: brace.end, text: ' lib' }] };
}

/** The function the module system calls: the last of a curried chain. */
function innermostLambda(expr: Node): Node | undefined {
  let node = stripParens(expr);
  let found: Node | undefined;
  while (node.kind === 'Lambda') {
    found = node;
    node = stripParens(childNodes(node).at(-1)!);
  }
  return found;
}
