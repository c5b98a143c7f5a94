// Structural invariants every syntax tree must satisfy; used by the
// round-trip tests on real files and on generated expressions.
import { isTrivia, type Element, type Node, type SyntaxTree } from '../../src/nix/syntax.js';

/** Token texts in order, concatenated: must equal the input. */
export function printTokens(tree: SyntaxTree): string {
  const parts: string[] = [];
  const visit = (node: Node) => {
    for (const c of node.children) {
      if (c.type === 'node') visit(c);
      else parts.push(c.text);
    }
  };
  visit(tree.root);
  return parts.join('');
}

/**
 * Returns a list of violations (empty when the tree is well formed):
 * children are contiguous and cover the node; every node but Root starts
 * and ends with a non-trivia element; parent links point to the container;
 * token text matches the input at its offsets.
 */
export function treeProblems(tree: SyntaxTree): string[] {
  const problems: string[] = [];
  const where = (e: Element) => `${e.type === 'node' ? e.kind : e.kind} at ${e.start}`;
  const visit = (node: Node, parent: Node | undefined) => {
    if (node.parent !== parent) problems.push(`${where(node)}: wrong parent`);
    const children = node.children;
    if (children.length === 0) {
      problems.push(`${where(node)}: no children`);
      return;
    }
    if (node.kind !== 'Root') {
      if (isTrivia(children[0]!)) problems.push(`${where(node)}: starts with trivia`);
      if (isTrivia(children[children.length - 1]!)) problems.push(`${where(node)}: ends with trivia`);
    }
    if (children[0]!.start !== node.start) problems.push(`${where(node)}: start ${node.start} != first child ${children[0]!.start}`);
    if (children[children.length - 1]!.end !== node.end) problems.push(`${where(node)}: end mismatch`);
    let at = node.start;
    for (const c of children) {
      if (c.start !== at) problems.push(`${where(c)}: gap or overlap (expected ${at})`);
      at = c.end;
      if (c.type === 'node') visit(c, node);
      else if (tree.text.slice(c.start, c.end) !== c.text) problems.push(`${where(c)}: text differs from input`);
    }
  };
  visit(tree.root, undefined);
  if (tree.root.start !== 0 || tree.root.end !== tree.text.length) problems.push('Root does not span the input');
  return problems;
}
