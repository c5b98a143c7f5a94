// A recursive-descent, precedence-climbing parser for the Nix language that
// accepts exactly what Nix 2.x's bison grammar accepts, building the
// lossless concrete syntax tree described in syntax.ts.
//
// Trivia placement: a node owns the trivia between its own tokens and child
// nodes; trivia before its first or after its last token belongs to the
// parent. The parser holds the next non-trivia token and the trivia lexed
// before it; that trivia goes to the innermost open node when it consumes
// the next token (take) or starts its next child (flush). Children are
// pushed on one stack and sliced off when their node completes (mk).
//
// Besides the grammar, the parser makes the checks that Nix makes while
// parsing, which `nix-instantiate --parse` reports as errors too: duplicate
// attributes (with Nix's merging of `a.b = ..; a.c = ..;` and of attribute
// set values), duplicate function arguments, dynamic attributes in `let` and
// in `inherit`, integers beyond int64, out-of-range floats, paths ending in
// a slash. The attribute model that those checks build is exported for the
// normalizer.

import { LineIndex, Lexer, describeToken, indStringPiece, stripIndentation, unescapeString } from './lexer.js';
import type { IndPart } from './lexer.js';
import {
  fromByteString,
  toByteString,
  type Element,
  type Node,
  type NodeKind,
  type SyntaxTree,
  type Token,
  type TokenKind,
} from './syntax.js';

/** Parses a byte string (file bytes decoded as latin1). */
export function parseByteString(text: string, file: string): SyntaxTree {
  const lines = new LineIndex(text);
  const parser = new Parser(text, file, lines);
  return new Tree(file, text, parser.parseRoot(), lines);
}

/** Parses a file's bytes. */
export function parseBytes(bytes: Uint8Array, file: string): SyntaxTree {
  return parseByteString(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'), file);
}

/** Parses an ordinary (UTF-16) JavaScript string, as if it were a UTF-8 file. */
export function parseText(text: string, file: string): SyntaxTree {
  return parseByteString(toByteString(text), file);
}

class Tree implements SyntaxTree {
  constructor(
    readonly file: string,
    readonly text: string,
    readonly root: Node,
    private readonly lines: LineIndex,
  ) {}

  position(offset: number): { line: number; column: number } {
    return this.lines.position(offset);
  }
}

function isTriviaKind(kind: TokenKind): boolean {
  return kind === 'whitespace' || kind === 'line_comment' || kind === 'block_comment';
}

function copyRange(from: Element[], base: number, n: number): Element[] {
  const out = new Array<Element>(n);
  for (let i = 0; i < n; i++) out[i] = from[base + i]!;
  return out;
}

// Binary operator precedence, low to high, as in Nix's parser.y.
const P_IMPL = 1, P_OR = 2, P_AND = 3, P_EQ = 4, P_CMP = 5, P_UPDATE = 6, P_NOT = 7;
const P_ADD = 8, P_MUL = 9, P_CONCAT = 10, P_HAS = 11;

function binaryPrecedence(op: string): number {
  switch (op) {
    case '->': return P_IMPL;
    case '||': return P_OR;
    case '&&': return P_AND;
    case '==': case '!=': return P_EQ;
    case '<': case '>': case '<=': case '>=': return P_CMP;
    case '//': return P_UPDATE;
    case '+': case '-': return P_ADD;
    case '*': case '/': return P_MUL;
    case '++': return P_CONCAT;
    default: return 0; // `!` is prefix only
  }
}

/** Tokens that can start an expr_simple (an application argument or list element). */
function startsSimple(kind: TokenKind): boolean {
  switch (kind) {
    case 'ident': case 'int': case 'float': case 'uri': case 'path': case 'search_path':
    case 'dquote': case 'quote2': case 'l_paren': case 'l_brace': case 'l_bracket':
    case 'kw_rec': case 'kw_let':
      return true;
    default:
      return false;
  }
}

class Parser {
  private readonly lexer: Lexer;
  /** The next non-trivia token, or null at the end of the input. */
  private tok: Token | null = null;
  /** Trivia lexed before `tok`, not yet placed in a node: pend[0..npend). */
  private readonly pend: Token[] = [];
  private npend = 0;
  /**
   * Children of the nodes under construction, innermost last: a node's
   * children are stack[base..sp) and are sliced off when it completes.
   */
  private readonly stack: Element[] = [];
  private sp = 0;
  /** Scratch list of attribute names for checkAttrs. */
  private readonly names: string[] = [];

  constructor(
    private readonly text: string,
    file: string,
    lines: LineIndex,
  ) {
    this.lexer = new Lexer(text, file, lines);
    this.advance();
  }

  // ---- token plumbing -------------------------------------------------------

  private advance(): void {
    for (;;) {
      const t = this.lexer.next();
      if (t === null) {
        this.tok = null;
        return;
      }
      if (isTriviaKind(t.kind)) this.pend[this.npend++] = t;
      else {
        this.tok = t;
        return;
      }
    }
  }

  /** The next non-trivia token (further lookahead: Lexer.significantOffset). */
  private peek(): Token | null {
    return this.tok;
  }

  /** Pushes a child of the node under construction. */
  private push(e: Element): void {
    this.stack[this.sp++] = e;
  }

  /** Moves pending trivia into the node under construction. */
  private flush(): void {
    const n = this.npend;
    if (n === 0) return;
    const pend = this.pend;
    for (let i = 0; i < n; i++) this.stack[this.sp++] = pend[i]!;
    this.npend = 0;
  }

  /** Moves pending trivia and the next token into the node under construction; returns the token. */
  private take(): Token {
    if (this.npend !== 0) this.flush();
    const t = this.tok!;
    this.stack[this.sp++] = t;
    this.advance();
    return t;
  }

  private expect(kind: TokenKind, what: string): Token {
    const t = this.tok;
    if (t === null || t.kind !== kind) this.unexpected(t, what);
    return this.take();
  }

  /** Completes a node from the children pushed since `base`. */
  private mk(kind: NodeKind, base: number): Node {
    const st = this.stack;
    const n = this.sp - base;
    // Array literals for the common small sizes: cheaper than slice().
    const children: Element[] =
      n === 1 ? [st[base]!]
      : n === 2 ? [st[base]!, st[base + 1]!]
      : n === 3 ? [st[base]!, st[base + 1]!, st[base + 2]!]
      : n === 4 ? [st[base]!, st[base + 1]!, st[base + 2]!, st[base + 3]!]
      : n === 5 ? [st[base]!, st[base + 1]!, st[base + 2]!, st[base + 3]!, st[base + 4]!]
      : copyRange(st, base, n);
    this.sp = base;
    const node: Node = {
      type: 'node',
      kind,
      start: children[0]!.start,
      end: children[children.length - 1]!.end,
      children,
      parent: undefined,
    };
    for (let i = 0; i < children.length; i++) {
      const child = children[i]!;
      if (child.type === 'node') child.parent = node;
    }
    return node;
  }

  private leaf(kind: NodeKind): Node {
    if (this.npend !== 0) throw new Error('internal error: trivia left before a leaf node');
    const t = this.tok!;
    this.advance();
    return { type: 'node', kind, start: t.start, end: t.end, children: [t], parent: undefined };
  }

  fail(offset: number, detail: string): never {
    throw this.lexer.error(offset, detail);
  }

  private unexpected(t: Token | null, expected: string): never {
    this.fail(t === null ? this.text.length : t.start, `unexpected ${describeToken(t)}, expected ${expected}`);
  }

  // ---- grammar --------------------------------------------------------------

  parseRoot(): Node {
    const base = this.sp;
    try {
      this.flush();
      this.push(this.parseExpr());
      this.flush();
      const t = this.peek();
      if (t !== null) this.unexpected(t, 'end of file');
    } catch (e) {
      if (e instanceof RangeError) {
        this.fail(this.tok ? this.tok.start : this.text.length, 'expression nested too deeply');
      }
      throw e;
    }
    return this.mk('Root', base);
  }

  /** expr_function: lambdas, let, with, assert, if, or an operator expression. */
  private parseExpr(): Node {
    const t = this.peek();
    if (t !== null) {
      switch (t.kind) {
        case 'ident': {
          const next = this.lexer.significantByteAt(t.end);
          if (next === 58 /* : */) {
            const base = this.sp;
            this.push(this.leaf('Ident'));
            this.take();
            this.flush();
            this.push(this.parseExpr());
            return this.mk('Lambda', base);
          }
          if (next === 64 /* @ */) return this.parsePatternLambda();
          break;
        }
        case 'l_brace':
          if (this.patternAhead(t)) return this.parsePatternLambda();
          break;
        case 'kw_let':
          if (this.lexer.significantByteAt(t.end) !== 123 /* { */) return this.parseLetIn();
          break;
        case 'kw_with':
        case 'kw_assert': {
          const base = this.sp;
          this.take();
          this.flush();
          this.push(this.parseExpr());
          this.expect('semicolon', "';'");
          this.flush();
          this.push(this.parseExpr());
          return this.mk(t.kind === 'kw_with' ? 'With' : 'Assert', base);
        }
        case 'kw_if': {
          const base = this.sp;
          this.take();
          this.flush();
          this.push(this.parseExpr());
          this.expect('kw_then', "'then'");
          this.flush();
          this.push(this.parseExpr());
          this.expect('kw_else', "'else'");
          this.flush();
          this.push(this.parseExpr());
          return this.mk('If', base);
        }
      }
    }
    return this.parseOp(0);
  }

  /**
   * After `{`: is this a function's argument set rather than an attribute
   * set? Yes for `{ }` followed by `:` or `@`, for `{ ...`, and for an
   * identifier followed by `,`, `?` or `}`. Looks at bytes, not tokens:
   * those are all one-byte tokens, and an identifier followed by one of them
   * is lexed as an identifier.
   */
  private patternAhead(brace: Token): boolean {
    const s = this.text;
    const lexer = this.lexer;
    const at = lexer.significantOffset(brace.end);
    const c = s.charCodeAt(at);
    if (c === 125 /* } */) {
      const after = s.charCodeAt(lexer.significantOffset(at + 1));
      return after === 58 /* : */ || after === 64 /* @ */;
    }
    if (c === 46 /* . */) return s.startsWith('...', at);
    const idEnd = lexer.identifierEnd(at);
    if (idEnd === at) return false;
    const after = s.charCodeAt(lexer.significantOffset(idEnd));
    return after === 44 /* , */ || after === 63 /* ? */ || after === 125 /* } */;
  }

  private parsePatternLambda(): Node {
    const base = this.sp;
    let argNode: Node | undefined;
    if (this.peek()!.kind === 'ident') {
      argNode = this.leaf('Ident');
      this.push(argNode);
      this.take(); // at
      this.flush();
      const t = this.peek();
      if (t?.kind !== 'l_brace') this.unexpected(t, "'{'");
    }
    this.take(); // l_brace
    const names = new Set<string>();
    for (;;) {
      this.flush();
      let t = this.peek();
      if (t?.kind === 'r_brace') break;
      if (t?.kind === 'ellipsis') {
        this.take();
        t = this.peek();
        if (t?.kind !== 'r_brace') this.unexpected(t, "'}'");
        break;
      }
      if (t?.kind !== 'ident') this.unexpected(t, "a function argument name or '}'");
      if (names.has(t.text)) this.fail(t.start, `duplicate formal function argument '${t.text}'`);
      names.add(t.text);
      const base = this.sp;
      this.push(this.leaf('Ident'));
      if (this.peek()?.kind === 'question') {
        this.take();
        this.flush();
        this.push(this.parseExpr());
      }
      this.push(this.mk('PatEntry', base));
      t = this.peek();
      if (t?.kind === 'comma') this.take();
      else if (t?.kind !== 'r_brace') this.unexpected(t, "',' or '}'");
    }
    this.take(); // r_brace
    if (argNode === undefined && this.peek()?.kind === 'at') {
      this.take();
      this.flush();
      const t = this.peek();
      if (t?.kind !== 'ident') this.unexpected(t, 'an identifier');
      argNode = this.leaf('Ident');
      this.push(argNode);
    }
    const pattern = this.mk('Pattern', base);
    if (argNode !== undefined) {
      const name = (argNode.children[0] as Token).text;
      if (names.has(name)) this.fail(pattern.start, `duplicate formal function argument '${name}'`);
    }
    const lambda = this.sp;
    this.push(pattern);
    this.expect('colon', "':'");
    this.flush();
    this.push(this.parseExpr());
    return this.mk('Lambda', lambda);
  }

  private parseLetIn(): Node {
    const base = this.sp;
    const let_ = this.take();
    this.parseBindings('kw_in');
    this.take(); // in
    this.flush();
    this.push(this.parseExpr());
    const node = this.mk('LetIn', base);
    if (this.checkAttrs(node)) this.fail(let_.start, 'dynamic attributes not allowed in let');
    return node;
  }

  private parseBindings(end: 'r_brace' | 'kw_in'): void {
    for (;;) {
      this.flush();
      const t = this.peek();
      if (t?.kind === end) return;
      switch (t?.kind) {
        case 'kw_inherit':
          this.push(this.parseInherit());
          break;
        case 'ident':
        case 'kw_or':
        case 'dquote':
        case 'interp_start': {
          const base = this.sp;
          this.push(this.parseAttrpath());
          this.expect('assign', "'='");
          this.flush();
          this.push(this.parseExpr());
          this.expect('semicolon', "';'");
          this.push(this.mk('Binding', base));
          break;
        }
        default:
          this.unexpected(t, end === 'kw_in' ? "an attribute name or 'in'" : "an attribute name or '}'");
      }
    }
  }

  private parseInherit(): Node {
    const base = this.sp;
    this.take();
    this.flush();
    if (this.peek()?.kind === 'l_paren') {
      const base = this.sp;
      this.take();
      this.flush();
      this.push(this.parseExpr());
      this.expect('r_paren', "')'");
      this.push(this.mk('InheritFrom', base));
    }
    for (;;) {
      this.flush();
      const t = this.peek();
      if (t?.kind === 'semicolon') break;
      if (t?.kind !== 'ident' && t?.kind !== 'kw_or' && t?.kind !== 'dquote' && t?.kind !== 'interp_start') {
        this.unexpected(t, "an attribute name or ';'");
      }
      const name = this.parseAttrName();
      if (staticAttrName(name) === null) this.fail(name.start, 'dynamic attributes not allowed in inherit');
      this.push(name);
    }
    this.take();
    return this.mk('Inherit', base);
  }

  private parseAttrpath(): Node {
    const base = this.sp;
    this.push(this.parseAttrName());
    while (this.peek()?.kind === 'dot') {
      this.take();
      this.flush();
      this.push(this.parseAttrName());
    }
    return this.mk('Attrpath', base);
  }

  private parseAttrName(): Node {
    const t = this.peek();
    switch (t?.kind) {
      case 'ident':
      case 'kw_or':
        return this.leaf('Ident');
      case 'dquote':
        return this.parseString('dquote', 'String');
      case 'interp_start':
        return this.parseInterpol();
      default:
        this.unexpected(t, 'an attribute name');
    }
  }

  /** expr_op: prefix `!` and `-`, binary operators, `?`. */
  private parseOp(minPrec: number): Node {
    let lhs = this.parseUnary();
    let lastPrec = 0;
    for (;;) {
      const t = this.peek();
      if (t === null) break;
      const prec = t.kind === 'question' ? P_HAS : t.kind === 'op' ? binaryPrecedence(t.text) : 0;
      if (prec === 0 || prec < minPrec) break;
      if ((prec === P_EQ || prec === P_CMP) && lastPrec === prec) {
        this.fail(t.start, `unexpected ${describeToken(t)}: comparison operators do not chain`);
      }
      const base = this.sp;
      this.push(lhs);
      this.take();
      this.flush();
      if (prec === P_HAS) {
        this.push(this.parseAttrpath());
        lhs = this.mk('HasAttr', base);
      } else {
        const rightAssoc = prec === P_IMPL || prec === P_UPDATE || prec === P_CONCAT;
        this.push(this.parseOp(rightAssoc ? prec : prec + 1));
        lhs = this.mk('BinOp', base);
      }
      lastPrec = prec;
    }
    return lhs;
  }

  private parseUnary(): Node {
    const t = this.peek();
    if (t?.kind === 'op' && (t.text === '!' || t.text === '-')) {
      const base = this.sp;
      this.take();
      this.flush();
      // `!` binds looser than arithmetic; `-` tighter than everything but application.
      this.push(t.text === '!' ? this.parseOp(P_NOT + 1) : this.parseUnary());
      return this.mk('UnaryOp', base);
    }
    let fn = this.parseSelect();
    for (;;) {
      const next = this.peek();
      if (next === null || !startsSimple(next.kind)) return fn;
      const base = this.sp;
      this.push(fn);
      this.flush();
      this.push(this.parseSelect());
      fn = this.mk('Apply', base);
    }
  }

  /** expr_select: `e.a.b`, `e.a.b or d`, and the old `e or` (a call of `or`). */
  private parseSelect(): Node {
    const simple = this.parseSimple();
    const t = this.peek();
    if (t?.kind === 'dot') {
      const base = this.sp;
      this.push(simple);
      this.take();
      this.flush();
      this.push(this.parseAttrpath());
      if (this.peek()?.kind === 'kw_or') {
        this.take();
        this.flush();
        this.push(this.parseSelect());
      }
      return this.mk('Select', base);
    }
    if (t?.kind === 'kw_or') {
      const base = this.sp;
      this.push(simple);
      this.flush();
      this.push(this.leaf('Ident'));
      return this.mk('Apply', base);
    }
    return simple;
  }

  private parseSimple(): Node {
    const t = this.peek();
    if (t === null) this.unexpected(t, 'an expression');
    switch (t.kind) {
      case 'ident':
        return this.leaf('Ident');
      case 'int':
      case 'float':
      case 'uri':
        return this.leaf('Literal');
      case 'search_path':
        return this.leaf('SearchPath');
      case 'path':
        return this.parsePath();
      case 'dquote':
        return this.parseString('dquote', 'String');
      case 'quote2':
        return this.parseString('quote2', 'IndentedString');
      case 'l_paren': {
        const base = this.sp;
        this.take();
        this.flush();
        this.push(this.parseExpr());
        this.expect('r_paren', "')'");
        return this.mk('Paren', base);
      }
      case 'l_bracket': {
        const base = this.sp;
        this.take();
        for (;;) {
          this.flush();
          const u = this.peek();
          if (u?.kind === 'r_bracket') break;
          if (u === null || !startsSimple(u.kind)) this.unexpected(u, "a list element or ']'");
          this.push(this.parseSelect());
        }
        this.take();
        return this.mk('List', base);
      }
      case 'kw_rec':
      case 'l_brace':
      case 'kw_let': {
        const base = this.sp;
        if (t.kind !== 'l_brace') {
          this.take();
          this.flush();
        }
        this.expect('l_brace', "'{'");
        this.parseBindings('r_brace');
        this.take();
        const node = this.mk(t.kind === 'kw_let' ? 'LegacyLet' : 'AttrSet', base);
        this.checkAttrs(node);
        return node;
      }
    }
    this.unexpected(t, 'an expression');
  }

  private parsePath(): Node {
    const base = this.sp;
    let end = this.take().end;
    for (;;) {
      const t = this.tok;
      if (t === null || t.start !== end) break;
      if (t.kind === 'interp_start') {
        const interp = this.parseInterpol();
        this.push(interp);
        end = interp.end;
      } else if (t.kind === 'path' && this.text.charCodeAt(t.start) !== 126 /* ~ starts a new path */) {
        end = this.take().end;
      } else break;
    }
    return this.mk('Path', base);
  }

  private parseString(quote: 'dquote' | 'quote2', kind: NodeKind): Node {
    const base = this.sp;
    this.take();
    for (;;) {
      const t = this.tok;
      if (t === null) this.unexpected(t, quote === 'dquote' ? `'"'` : `"''"`);
      if (t.kind === quote) break;
      if (t.kind === 'interp_start') this.push(this.parseInterpol());
      else this.take();
    }
    this.take();
    return this.mk(kind, base);
  }

  private parseInterpol(): Node {
    const base = this.sp;
    this.take();
    this.flush();
    this.push(this.parseExpr());
    this.expect('interp_end', "'}'");
    return this.mk('Interpol', base);
  }

  /** Nix's checks on a set's attributes; returns whether the top level has dynamic attributes. */
  private checkAttrs(node: Node): boolean {
    // Duplicates need two bindings (or inherited names) with the same first
    // name. When all first names differ, which is the common case, skip
    // building the attribute model. Values were checked when parsed.
    const names = this.names;
    let count = 0;
    let dynamic = false;
    let clash = false;
    const add = (name: string) => {
      for (let i = 0; i < count; i++) {
        if (names[i] === name) {
          clash = true;
          return;
        }
      }
      names[count++] = name;
    };
    for (const c of node.children) {
      if (c.type !== 'node') continue;
      if (c.kind === 'Binding') {
        const name = staticAttrName((c.children[0] as Node).children[0] as Node);
        if (name === null) dynamic = true;
        else add(name);
      } else if (c.kind === 'Inherit') {
        for (const n of c.children) {
          if (n.type === 'node' && n.kind !== 'InheritFrom') add(staticAttrName(n)!);
        }
      }
      if (clash || count > 32) break;
    }
    if (!clash && count <= 32) return dynamic;
    const model = buildAttrModel(node, (offset, detail, earlier) => {
      if (earlier === undefined) this.fail(offset, detail);
      const { line, column } = this.lexer.lines.position(earlier);
      this.fail(offset, `${detail} at line ${line}, column ${column}`);
    });
    return model.dynamic.length > 0;
  }
}

// ---- what Nix's parser makes of attributes and strings -------------------------

/** One static attribute of a set, as Nix's parser builds it. */
export interface AttrEntry {
  /** Offset of the name that first defined the attribute. */
  readonly at: number;
  /** `inherit name;`: the value is the variable `name`. */
  readonly inherited: boolean;
  /** `inherit (from) name;`: the value is `from.name`. */
  readonly from?: Node;
  /** The value expression; undefined for a set that dotted paths created. */
  readonly value?: Node;
  /** The set this attribute holds, once dotted paths created or entered it. */
  nested?: AttrModel;
}

/** An attribute whose name is computed (`${e} = ...`, `"a${b}" = ...`). */
export interface DynamicEntry {
  /** The Interpol or String node that names it. */
  readonly name: Node;
  readonly value?: Node;
  readonly nested?: AttrModel;
}

/** An attribute set (or the bindings of a let) as Nix's parser builds it. */
export interface AttrModel {
  readonly rec: boolean;
  /** Static attributes in order of first definition. */
  readonly attrs: Map<string, AttrEntry>;
  readonly dynamic: DynamicEntry[];
}

/** Strips parentheses, which Nix's parser drops. */
export function unparen(node: Node): Node {
  while (node.kind === 'Paren') node = node.children.find((c): c is Node => c.type === 'node')!;
  return node;
}

/** The (only) child node of an Interpol. */
export function interpolExpr(node: Node): Node {
  return node.children.find((c): c is Node => c.type === 'node')!;
}

/** The value of a "..." string without interpolations; null if it has any. */
export function plainStringValue(node: Node): string | null {
  let value = '';
  for (const c of node.children) {
    if (c.type === 'node') return null;
    if (c.kind === 'str_content') value += unescapeString(c.text);
  }
  return value;
}

/** The parts of an indented string as Nix's lexer delivers them (without the dropped ` *\n` after `''`). */
export function indentedStringParts(node: Node): { parts: IndPart[]; exprs: Node[] } {
  const parts: IndPart[] = [];
  const exprs: Node[] = [];
  const children = node.children;
  for (let i = 1; i < children.length - 1; i++) {
    const c = children[i]!;
    if (c.type === 'node') {
      parts.push({ kind: 'interp', index: exprs.length });
      exprs.push(interpolExpr(c));
    } else if (!(i === 1 && /^ *\n$/.test(c.text))) {
      parts.push({ kind: 'text', ...indStringPiece(c.text) });
    }
  }
  return { parts, exprs };
}

/** The string an expression is when Nix's parser makes it a plain string constant; null otherwise. */
export function staticStringValue(expr: Node): string | null {
  const node = unparen(expr);
  switch (node.kind) {
    case 'String':
      return plainStringValue(node);
    case 'IndentedString': {
      const { parts, exprs } = indentedStringParts(node);
      if (parts.length === 0) return '';
      if (parts.length !== 1) return null;
      const part = parts[0]!;
      if (part.kind === 'interp') return staticStringValue(exprs[0]!);
      return stripIndentation(parts)[0] as string;
    }
    case 'Literal': {
      const token = node.children[0] as Token;
      return token.kind === 'uri' ? token.text : null;
    }
    default:
      return null;
  }
}

/** The name of an attribute (Ident, String or Interpol node) when it is static; null when dynamic. */
export function staticAttrName(name: Node): string | null {
  switch (name.kind) {
    case 'Ident':
      return (name.children[0] as Token).text;
    case 'String':
      return plainStringValue(name);
    case 'Interpol':
      return staticStringValue(interpolExpr(name));
    default:
      return null;
  }
}

function showName(name: string): string {
  return fromByteString(name).replace(/[\x00-\x1f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function showPath(path: Node): string {
  const parts: string[] = [];
  for (const c of path.children) {
    if (c.type !== 'node') continue;
    const s = staticAttrName(c);
    parts.push(s === null ? '${...}' : showName(s));
  }
  return parts.join('.');
}

/** Reports an error at `offset`; `earlier` is where a duplicate attribute was first defined. */
export type AttrFail = (offset: number, detail: string, earlier?: number) => never;

/**
 * Builds the attributes of an AttrSet, LegacyLet or LetIn node the way Nix's
 * parser does (addAttr in parser.y), calling `fail` where Nix reports an error.
 */
export function buildAttrModel(set: Node, fail: AttrFail): AttrModel {
  const first = set.children[0] as Token;
  const model = newModel(set.kind === 'LegacyLet' || first.kind === 'kw_rec');
  const children = set.children;
  for (let i = 0; i < children.length; i++) {
    const child = children[i]!;
    if (child.type !== 'node') continue;
    if (child.kind === 'Binding') addBinding(model, child, fail);
    else if (child.kind === 'Inherit') addInherit(model, child, fail);
  }
  return model;
}

function newModel(rec: boolean): AttrModel {
  return { rec, attrs: new Map(), dynamic: [] };
}

function newEntry(at: number, inherited: boolean, from: Node | undefined, value: Node | undefined, nested: AttrModel | undefined): AttrEntry {
  return { at, inherited, from, value, nested };
}

function dupAttr(fail: AttrFail, offset: number, shown: string, earlier: number): never {
  return fail(offset, `attribute '${shown}' already defined`, earlier);
}

/** The set an existing attribute holds, if it holds one (a set literal is built on first use). */
function materialize(entry: AttrEntry, fail: AttrFail): AttrModel | undefined {
  if (entry.nested !== undefined) return entry.nested;
  if (entry.inherited || entry.from !== undefined || entry.value === undefined) return undefined;
  const value = unparen(entry.value);
  if (value.kind !== 'AttrSet') return undefined;
  return (entry.nested = buildAttrModel(value, fail));
}

function addInherit(model: AttrModel, inherit: Node, fail: AttrFail): void {
  let from: Node | undefined;
  for (const c of inherit.children) {
    if (c.type !== 'node') continue;
    if (c.kind === 'InheritFrom') {
      from = c.children.find((x): x is Node => x.type === 'node');
      continue;
    }
    const name = staticAttrName(c)!;
    const existing = model.attrs.get(name);
    if (existing) dupAttr(fail, c.start, showName(name), existing.at);
    model.attrs.set(name, newEntry(c.start, from === undefined, from, undefined, undefined));
  }
}

/** Nix's addAttr: `a.b.c = value;` walks or creates nested sets, then adds or merges. */
function addBinding(model: AttrModel, binding: Node, fail: AttrFail): void {
  const bc = binding.children;
  const path = bc[0] as Node;
  let value = bc[2] as Node;
  for (let i = 1; value.type !== 'node'; i++) value = bc[i] as Node;
  const pc = path.children;
  let attrs = model;
  for (let i = 0; i < pc.length - 1; i++) {
    const el = pc[i]!;
    if (el.type !== 'node') continue;
    const name = staticAttrName(el);
    if (name === null) {
      const nested = newModel(false);
      attrs.dynamic.push({ name: el, value: undefined, nested });
      attrs = nested;
      continue;
    }
    const existing = attrs.attrs.get(name);
    if (existing !== undefined) {
      const inner = materialize(existing, fail);
      if (inner === undefined) dupAttr(fail, path.start, showPath(path), existing.at);
      attrs = inner;
    } else {
      const nested = newModel(false);
      attrs.attrs.set(name, newEntry(el.start, false, undefined, undefined, nested));
      attrs = nested;
    }
  }
  const last = pc[pc.length - 1] as Node;
  const name = staticAttrName(last);
  if (name === null) {
    attrs.dynamic.push({ name: last, value, nested: undefined });
    return;
  }
  const existing = attrs.attrs.get(name);
  if (existing === undefined) {
    attrs.attrs.set(name, newEntry(last.start, false, undefined, value, undefined));
    return;
  }
  // An attribute set already and a set literal now: Nix merges their
  // static attributes (dropping the new one's `rec` and dynamic ones).
  const target = materialize(existing, fail);
  const bare = unparen(value);
  if (target === undefined || bare.kind !== 'AttrSet') dupAttr(fail, path.start, showPath(path), existing.at);
  for (const [k, entry] of buildAttrModel(bare, fail).attrs) {
    const clash = target.attrs.get(k);
    if (clash) dupAttr(fail, entry.at, showName(k), clash.at);
    target.attrs.set(k, entry);
  }
}
