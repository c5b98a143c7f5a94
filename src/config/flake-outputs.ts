// The flake's own outputs, reached through `self`: `self.nixosModules.tuning`
// in a host's modules is the module flake.nix itself defines
// (`nixosModules.tuning = ./m/a.nix;`), not an input's. Read from the syntax
// tree as written, like every other name: nothing is evaluated.
import { attrNames, identName, stripParens } from '../nix/query.js';
import { childNodes, childTokens, type Node, type SyntaxTree } from '../nix/syntax.js';
import { attributeOf, follow, isUnresolved, parameterLambda, type Resolution, type Value } from './scope.js';

/** The `outputs` function of flake.nix, when it is written out as one. */
export function outputsLambda(tree: SyntaxTree): Node | undefined {
  const root = stripParens(childNodes(tree.root)[0]!);
  if (root.kind !== 'AttrSet') return undefined;
  for (const binding of childNodes(root)) {
    if (binding.kind !== 'Binding') continue;
    const names = attrNames(childNodes(binding)[0]!);
    if (names.length === 1 && names[0] === 'outputs') {
      const value = stripParens(childNodes(binding)[1]!);
      return value.kind === 'Lambda' ? value : undefined;
    }
  }
  return undefined;
}

/**
 * The attribute path below the flake's own `self` that `expr` selects:
 * `self.nixosModules.tuning`, with `self` the outputs function's formal, or
 * `inputs.self.nixosModules.tuning` with `inputs` its whole argument
 * (`{ self, ... }@inputs:` or `inputs:`), give [nixosModules, tuning].
 * Undefined when `expr` is no such selection.
 */
export function selfPath(tree: SyntaxTree, expr: Node): string[] | undefined {
  const node = stripParens(expr);
  if (node.kind !== 'Select' || childTokens(node).some((t) => t.kind === 'kw_or')) return undefined;
  const [base, attrpath] = childNodes(node);
  if (base?.kind !== 'Ident' || !attrpath) return undefined;
  const names = attrNames(attrpath);
  if (names.some((n) => n === undefined)) return undefined;
  const lambda = outputsLambda(tree);
  const name = identName(base);
  if (!lambda || parameterLambda(base, name) !== lambda) return undefined;
  const param = childNodes(lambda)[0]!;
  const formal = param.kind === 'Pattern' &&
    childNodes(param).some((n) => n.kind === 'PatEntry' && identName(childNodes(n)[0]!) === name);
  if (formal) return name === 'self' ? (names as string[]) : undefined;
  return names[0] === 'self' ? (names.slice(1) as string[]) : undefined;
}

/**
 * The expression flake.nix's outputs give for `path` (`nixosModules.tuning
 * = ...;`, or nested `nixosModules = { tuning = ...; };`), why it cannot be
 * read, or undefined when the outputs do not define it.
 */
export function outputAttribute(tree: SyntaxTree, path: string[]): Resolution | undefined {
  const lambda = outputsLambda(tree);
  if (!lambda) return { unresolved: "flake.nix's outputs is not a function written out" };
  return lookup({ node: childNodes(lambda).at(-1)!, env: undefined }, path, 0);
}

const MAX_STEPS = 64;

function lookup(value: Value, path: string[], steps: number): Resolution | undefined {
  if (path.length === 0) return value;
  if (steps > MAX_STEPS) return { unresolved: 'the names go round in a loop' };
  const found = follow(value);
  if (isUnresolved(found)) return found;
  const node = found.node;
  if (node.kind === 'LetIn' || node.kind === 'With' || node.kind === 'Assert') {
    return lookup({ node: childNodes(node).at(-1)!, env: found.env }, path, steps + 1);
  }
  if (node.kind === 'BinOp' && childTokens(node).some((t) => t.text === '//')) {
    // The right side wins where both define the name.
    const [left, right] = childNodes(node);
    return lookup({ node: right!, env: found.env }, path, steps + 1) ?? lookup({ node: left!, env: found.env }, path, steps + 1);
  }
  if (node.kind !== 'AttrSet') {
    return { unresolved: `${path[0]} is in a set computed by an expression tune-wizard does not evaluate` };
  }
  let computedName = false;
  for (const child of childNodes(node)) {
    if (child.kind === 'Inherit') {
      const inherited = attributeOf(found, path[0]!, steps + 1);
      if (inherited) return isUnresolved(inherited) ? inherited : lookup(inherited, path.slice(1), steps + 1);
      continue;
    }
    if (child.kind !== 'Binding') continue;
    const names = attrNames(childNodes(child)[0]!);
    let matches = true;
    for (let i = 0; i < Math.min(names.length, path.length) && matches; i++) {
      if (names[i] === undefined) {
        computedName = true;
        matches = false;
      } else if (names[i] !== path[i]) {
        matches = false;
      }
    }
    if (!matches) continue;
    const bound = { node: childNodes(child)[1]!, env: found.env };
    if (names.length > path.length) {
      return { unresolved: `it is written in pieces (\`${names.join('.')} = ...\`), which tune-wizard does not put together` };
    }
    const inner = lookup(bound, path.slice(names.length), steps + 1);
    if (inner) return inner;
  }
  return computedName ? { unresolved: `a name in the set holding ${path[0]} is computed` } : undefined;
}
