// The concrete syntax tree that src/nix/parser.ts builds. It is lossless:
// concatenating the text of every token, in order, gives back the input.
//
// Offsets are byte offsets. The parser works on a "byte string": the file's
// bytes decoded as latin1, so that one JavaScript character is one byte and
// non-ASCII text in comments or strings never shifts a position. Use
// toByteString / fromByteString at the edges.

export type TokenKind =
  // trivia
  | 'whitespace'
  | 'line_comment' // # ... (without the newline)
  | 'block_comment' // /* ... */
  // names and literals
  | 'ident'
  | 'int'
  | 'float'
  | 'uri'
  | 'path' // one literal fragment of a path: ./a/b, ../x, /abs, ~/x, a/b
  | 'search_path' // <nixpkgs>
  // keywords
  | 'kw_let'
  | 'kw_in'
  | 'kw_rec'
  | 'kw_with'
  | 'kw_assert'
  | 'kw_inherit'
  | 'kw_if'
  | 'kw_then'
  | 'kw_else'
  | 'kw_or'
  // punctuation
  | 'l_brace'
  | 'r_brace'
  | 'l_bracket'
  | 'r_bracket'
  | 'l_paren'
  | 'r_paren'
  | 'assign' // =
  | 'semicolon'
  | 'colon'
  | 'comma'
  | 'dot'
  | 'ellipsis'
  | 'at'
  | 'question'
  // operators
  | 'op' // a binary or unary operator: + - * / ++ // == != < <= > >= && || -> !
  // strings
  | 'dquote' // "
  | 'quote2' // '' (opening or closing of an indented string)
  | 'str_content' // literal text inside a string, escapes included verbatim
  | 'interp_start' // ${
  | 'interp_end'; // } closing an interpolation

export type NodeKind =
  | 'Root' // trivia, one expression, trivia
  | 'AttrSet' // [kw_rec] l_brace (Binding | Inherit)* r_brace
  | 'LetIn' // kw_let (Binding | Inherit)* kw_in Expr
  | 'LegacyLet' // kw_let l_brace (Binding | Inherit)* r_brace
  | 'With' // kw_with Expr semicolon Expr
  | 'Assert' // kw_assert Expr semicolon Expr
  | 'If' // kw_if Expr kw_then Expr kw_else Expr
  | 'Lambda' // (Ident | Pattern) colon Expr
  | 'Pattern' // [Ident at] l_brace (PatEntry comma)* [PatEntry | ellipsis] r_brace [at Ident]
  | 'PatEntry' // Ident [question Expr]
  | 'Apply' // Expr Expr
  | 'Select' // Expr dot Attrpath [kw_or Expr]
  | 'HasAttr' // Expr question Attrpath
  | 'BinOp' // Expr op Expr
  | 'UnaryOp' // op Expr   (op is ! or -)
  | 'List' // l_bracket Expr* r_bracket
  | 'Paren' // l_paren Expr r_paren
  | 'Ident' // ident
  | 'Literal' // int | float | uri
  | 'String' // dquote (str_content | Interpol)* dquote
  | 'IndentedString' // quote2 (str_content | Interpol)* quote2
  | 'Path' // (path | Interpol)+
  | 'SearchPath' // search_path
  | 'Interpol' // interp_start Expr interp_end
  | 'Binding' // Attrpath assign Expr semicolon
  | 'Inherit' // kw_inherit [InheritFrom] (Ident | String | Interpol)* semicolon
  | 'InheritFrom' // l_paren Expr r_paren
  | 'Attrpath'; // (Ident | String | Interpol) (dot (Ident | String | Interpol))*

export interface Token {
  readonly type: 'token';
  readonly kind: TokenKind;
  /** Byte offset of the first byte. */
  readonly start: number;
  /** Byte offset one past the last byte. */
  readonly end: number;
  /** The token's bytes as a byte string (latin1). */
  readonly text: string;
}

export interface Node {
  readonly type: 'node';
  readonly kind: NodeKind;
  /**
   * Byte range of the node's own tokens. Trivia before the first token and
   * after the last token belongs to the enclosing node, so start/end are the
   * exact bounds of the expression as written.
   */
  readonly start: number;
  readonly end: number;
  /** Tokens (trivia included) and child nodes, in source order. */
  readonly children: readonly Element[];
  parent: Node | undefined;
}

export type Element = Node | Token;

export interface SyntaxTree {
  readonly file: string;
  /** The whole input as a byte string. */
  readonly text: string;
  readonly root: Node;
  /** 1-based line and column (in bytes) of a byte offset. */
  position(offset: number): { line: number; column: number };
}

export class NixSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${column}: ${detail}`);
    this.name = 'NixSyntaxError';
  }
}

export function toByteString(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

export function fromByteString(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

export function isToken(element: Element | undefined): element is Token {
  return element?.type === 'token';
}

export function isNode(element: Element | undefined): element is Node {
  return element?.type === 'node';
}

export function isTrivia(element: Element): boolean {
  return (
    element.type === 'token' &&
    (element.kind === 'whitespace' ||
      element.kind === 'line_comment' ||
      element.kind === 'block_comment')
  );
}

const childNodeCache = new WeakMap<Node, Node[]>();

/** Child nodes, without tokens (computed once per node: a hot path). */
export function childNodes(node: Node): Node[] {
  let nodes = childNodeCache.get(node);
  if (!nodes) {
    nodes = node.children.filter(isNode);
    childNodeCache.set(node, nodes);
  }
  return nodes;
}

/** Non-trivia tokens that are direct children. */
export function childTokens(node: Node): Token[] {
  return node.children.filter(
    (c): c is Token => isToken(c) && !isTrivia(c),
  );
}

/** Every node below (and including) `node`, depth first, in source order. */
export function* walk(node: Node): Generator<Node> {
  yield node;
  for (const child of node.children) if (isNode(child)) yield* walk(child);
}

/** Every token below `node`, in source order (trivia included). */
export function* tokens(node: Node): Generator<Token> {
  for (const child of node.children) {
    if (isNode(child)) yield* tokens(child);
    else yield child;
  }
}
