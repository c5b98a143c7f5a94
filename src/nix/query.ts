// Small questions asked of the syntax tree by the configuration code: what
// an attribute path says, which function an application calls, what literal
// a value is.
import {
  childNodes,
  childTokens,
  type Node,
  type SyntaxTree,
} from './syntax.js';

export type NixLiteral =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'null' };

/** The expression inside any number of parentheses. */
export function stripParens(node: Node): Node {
  let current = node;
  while (current.kind === 'Paren') current = childNodes(current)[0]!;
  return current;
}

/** `f a b` as { fn: f, args: [a, b] }. */
export function flattenApply(node: Node): { fn: Node; args: Node[] } {
  const args: Node[] = [];
  let current = node;
  while (current.kind === 'Apply') {
    const [fn, arg] = childNodes(current);
    args.unshift(arg!);
    current = fn!;
  }
  return { fn: current, args };
}

/**
 * The name a function is called by, when it is a library function:
 * `mkDefault`, `lib.mkDefault`, `nixpkgs.lib.mkDefault` all give
 * "mkDefault". Anything else gives undefined.
 */
export function libFunctionName(fn: Node): string | undefined {
  const node = stripParens(fn);
  if (node.kind === 'Ident') return identName(node);
  if (node.kind !== 'Select' || hasOrDefault(node)) return undefined;
  const [base, attrpath] = childNodes(node);
  const names = attrNames(attrpath!);
  if (names.some((n) => n === undefined)) return undefined;
  const baseName = base!.kind === 'Ident' ? identName(base!) : undefined;
  if (names.length === 1 && baseName === 'lib') return names[0];
  if (names.length >= 2 && names[names.length - 2] === 'lib') return names.at(-1);
  return undefined;
}

function hasOrDefault(select: Node): boolean {
  return childTokens(select).some((t) => t.kind === 'kw_or');
}

export function identName(node: Node): string {
  return childTokens(node)[0]!.text;
}

/**
 * The names of an attribute path; a name that is computed (`${x}`, or a
 * string with interpolation) is undefined.
 */
const attrNamesCache = new WeakMap<Node, (string | undefined)[]>();

export function attrNames(attrpath: Node): (string | undefined)[] {
  let names = attrNamesCache.get(attrpath);
  if (!names) {
    names = childNodes(attrpath).map(attrName);
    attrNamesCache.set(attrpath, names);
  }
  return names;
}

export function attrName(part: Node): string | undefined {
  if (part.kind === 'Ident') return identName(part);
  if (part.kind === 'String') return staticString(part);
  if (part.kind === 'Interpol') {
    const inner = stripParens(childNodes(part)[0]!);
    return inner.kind === 'String' ? staticString(inner) : undefined;
  }
  return undefined;
}

/** The value of a "double-quoted" string without interpolation. */
export function staticString(node: Node): string | undefined {
  if (node.kind !== 'String') return undefined;
  if (childNodes(node).length > 0) return undefined;
  const raw = childTokens(node)
    .filter((t) => t.kind === 'str_content')
    .map((t) => t.text)
    .join('');
  return raw.replace(/\\(.)/gs, (_, c: string) =>
    c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c,
  );
}

/** The value of a literal expression, or undefined if it is anything else. */
export function literalValue(node: Node): NixLiteral | undefined {
  const expr = stripParens(node);
  switch (expr.kind) {
    case 'Literal': {
      const token = childTokens(expr)[0]!;
      if (token.kind === 'int') return { type: 'int', value: Number(token.text) };
      if (token.kind === 'float') return { type: 'float', value: Number(token.text) };
      return { type: 'string', value: token.text };
    }
    case 'String': {
      const value = staticString(expr);
      return value === undefined ? undefined : { type: 'string', value };
    }
    case 'Ident': {
      const name = identName(expr);
      if (name === 'true' || name === 'false') return { type: 'bool', value: name === 'true' };
      if (name === 'null') return { type: 'null' };
      return undefined;
    }
    case 'UnaryOp': {
      const op = childTokens(expr)[0]!;
      const inner = literalValue(childNodes(expr)[0]!);
      if (op.text === '-' && (inner?.type === 'int' || inner?.type === 'float')) {
        return { type: inner.type, value: -inner.value };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

export function formatLiteral(value: NixLiteral): string {
  switch (value.type) {
    case 'int':
    case 'float':
      return String(value.value);
    case 'string':
      return JSON.stringify(value.value).replaceAll('${', '\\${');
    case 'bool':
      return String(value.value);
    case 'null':
      return 'null';
  }
}

export function sameLiteral(a: NixLiteral | undefined, b: NixLiteral | undefined): boolean {
  if (!a || !b) return false;
  if (a.type === 'null' || b.type === 'null') return a.type === b.type;
  return a.type === b.type && a.value === (b as typeof a).value;
}

export function describeLiteral(value: NixLiteral | undefined): string {
  return value === undefined ? '(computed)' : formatLiteral(value);
}

/** The line (1-based) a node starts on. */
export function lineOf(tree: SyntaxTree, node: Node): number {
  return tree.position(node.start).line;
}

/** Whether a function binds `name`: its one parameter (`x: ...`), or an entry or the `@` name of its set pattern. */
export function lambdaBinds(lambda: Node, name: string): boolean {
  const param = childNodes(lambda)[0]!;
  if (param.kind === 'Ident') return identName(param) === name;
  return childNodes(param).some(
    (n) => (n.kind === 'PatEntry' && identName(childNodes(n)[0]!) === name) || (n.kind === 'Ident' && identName(n) === name),
  );
}
