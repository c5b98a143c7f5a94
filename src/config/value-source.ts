// Where a definition's value really lives. `max-jobs = 4;` is edited in
// place; `max-jobs = jobs;` with `let jobs = 4;` is edited at the let when
// that is the name's only use, and at the definition otherwise; a value from
// a function call is left for the user.
import { identName, lambdaBinds, literalValue, stripParens, type NixLiteral } from '../nix/query.js';
import { childNodes, childTokens, walk, type Node } from '../nix/syntax.js';

export type ValueSource =
  /** A literal written right here. */
  | { kind: 'literal'; value: NixLiteral; editAt: Node }
  /** A name bound by `let` (or a `rec` set) to a literal. */
  | { kind: 'let'; name: string; value: NixLiteral | undefined; editAt: Node | undefined; uses: number }
  /** A name from the module's arguments or an outer scope: change the definition. */
  | { kind: 'name'; name: string; editAt: Node | undefined }
  /** Computed (a call, a selection, an operator): not edited. */
  | { kind: 'computed' };

/**
 * `valueNode` is the definition's value with wrappers removed; `inInherit`
 * says it is a name in `inherit name;` rather than a value expression.
 */
export function traceValue(valueNode: Node): ValueSource {
  const literal = literalValue(valueNode);
  const inInherit = valueNode.parent?.kind === 'Inherit';
  if (literal && !inInherit) return { kind: 'literal', value: literal, editAt: valueNode };

  const node = stripParens(valueNode);
  if (node.kind === 'Select' && !inInherit) return traceSelect(node);
  if (node.kind !== 'Ident') return { kind: 'computed' };
  if (inInherit && childNodes(node.parent!).some((n) => n.kind === 'InheritFrom')) return { kind: 'computed' };

  const name = identName(node);
  const found = findBinding(node, name);
  const editDefinition = inInherit ? undefined : node;
  if (found?.kind !== 'let') return { kind: 'name', name, editAt: editDefinition };
  const binding = found;

  const value = literalValue(binding.value);
  const uses = countUses(binding.scope, name);
  // A `rec` set's entry is an attribute too (nix.settings.jobs): changing it
  // would change that attribute, so the definition is edited instead.
  const inRecSet = binding.scope.kind === 'AttrSet';
  if (value && uses === 1 && !inRecSet) return { kind: 'let', name, value, editAt: stripParens(binding.value), uses };
  return { kind: 'let', name, value, editAt: editDefinition, uses };
}

/**
 * `tuning.zramPercent` where `tuning` is one of the module's own arguments
 * (from specialArgs, shared by every module): the definition is changed.
 * Selections from config, options, pkgs or lib are other options' values
 * and are left to the user.
 */
function traceSelect(node: Node): ValueSource {
  const [base] = childNodes(node);
  const hasDefault = childTokens(node).some((t) => t.kind === 'kw_or');
  if (!base || base.kind !== 'Ident' || hasDefault) return { kind: 'computed' };
  const name = identName(base);
  if (MODULE_SYSTEM_ARGUMENTS.has(name) || findBinding(base, name)?.kind !== 'argument') return { kind: 'computed' };
  return { kind: 'name', name, editAt: node };
}

const MODULE_SYSTEM_ARGUMENTS = new Set(['config', 'options', 'pkgs', 'lib', 'modulesPath']);

type Bound = { kind: 'let'; scope: Node; value: Node } | { kind: 'argument'; lambda: Node };

/** What a name refers to: a `let`/`rec` binding or a function argument. */
export function findBinding(from: Node, name: string): Bound | undefined {
  let child: Node = from;
  for (let scope = from.parent; scope; child = scope, scope = scope.parent) {
    if (scope.kind === 'Lambda' && childNodes(scope).at(-1) === child && lambdaBinds(scope, name)) {
      return { kind: 'argument', lambda: scope };
    }
    const isRec = scope.kind === 'AttrSet' && childTokens(scope).some((t) => t.kind === 'kw_rec');
    if (scope.kind !== 'LetIn' && scope.kind !== 'LegacyLet' && !isRec) continue;
    for (const binding of childNodes(scope)) {
      if (binding.kind !== 'Binding') continue;
      const parts = childNodes(childNodes(binding)[0]!);
      if (parts.length === 1 && parts[0]!.kind === 'Ident' && identName(parts[0]!) === name) {
        return { kind: 'let', scope, value: childNodes(binding)[1]! };
      }
    }
  }
  return undefined;
}

/** How many times `name` is used as a variable inside `scope`. */
export function countUses(scope: Node, name: string): number {
  let uses = 0;
  for (const node of walk(scope)) {
    if (node.kind !== 'Ident' || identName(node) !== name) continue;
    const parent = node.parent!;
    if (parent.kind === 'Attrpath' || parent.kind === 'PatEntry' || parent.kind === 'Pattern') continue;
    if (parent.kind === 'Lambda' && childNodes(parent)[0] === node) continue;
    if (parent.kind === 'Inherit' && childNodes(parent).some((n) => n.kind === 'InheritFrom')) continue;
    uses++;
  }
  return uses;
}
