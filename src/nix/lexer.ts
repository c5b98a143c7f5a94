// A hand-written lexer for the Nix language, mirroring the flex scanner of
// Nix 2.x rule for rule: longest match wins, ties go to the earlier rule,
// and a stack of start states follows strings, indented strings, paths and
// `${ }` interpolations exactly as Nix does. Like flex, it never looks at
// the parser: the parser pulls tokens one at a time, and for its few
// decisions that need more lookahead it scans bytes (significantOffset).
//
// Input is a byte string (one JS char per byte, see syntax.ts). Every byte
// of the input ends up in exactly one token, trivia included.

import { NixSyntaxError, fromByteString, type Token, type TokenKind } from './syntax.js';

// Start states. CODE_* share one rule set and differ only in what `}` pops.
const CODE_INITIAL = 0; // bottom of the stack: `}` does not pop
const CODE_BRACE = 1; // pushed by `{`
const CODE_INTERP = 2; // pushed by `${`
const STRING = 3; // inside "..."
const IND_STRING = 4; // inside ''...''
const IN_PATH = 5; // after a path fragment: may continue with ${ or more path
const IN_PATH_SLASH = 6; // same, but the fragment ended in '/'

const KEYWORDS: ReadonlyMap<string, TokenKind> = new Map<string, TokenKind>([
  ['if', 'kw_if'],
  ['then', 'kw_then'],
  ['else', 'kw_else'],
  ['assert', 'kw_assert'],
  ['with', 'kw_with'],
  ['let', 'kw_let'],
  ['in', 'kw_in'],
  ['rec', 'kw_rec'],
  ['inherit', 'kw_inherit'],
  ['or', 'kw_or'],
]);

const KEYWORD_START = new Uint8Array(128);
for (const k of KEYWORDS.keys()) KEYWORD_START[k.charCodeAt(0)] = 1;
const KEYWORDS_BY_LENGTH: ReadonlyArray<ReadonlyArray<readonly [string, TokenKind]>> = Array.from({ length: 8 }, (_, n) =>
  [...KEYWORDS].filter(([k]) => k.length === n),
);

/** The kind of the identifier s[start, start + len): a keyword's or 'ident'. No hashing. */
function keywordAt(s: string, start: number, len: number): TokenKind {
  for (const [word, kind] of KEYWORDS_BY_LENGTH[len]!) if (s.startsWith(word, start)) return kind;
  return 'ident';
}

/** Whitespace texts "\n" + k spaces, shared instead of sliced: most whitespace tokens are these. */
const NEWLINE_INDENTS: string[] = Array.from({ length: 64 }, (_, k) => '\n' + ' '.repeat(k));

// Character classes, one bit each, indexed by char code (< 128).
const ALPHA = 1; // [a-zA-Z]
const DIGIT = 2; // [0-9]
const ID_REST = 4; // [a-zA-Z0-9_'-]
const PATH_CHAR = 8; // [a-zA-Z0-9._+-]
const URI_SCHEME = 16; // [a-zA-Z0-9+.-]
const URI_REST = 32; // [a-zA-Z0-9%/?:@&=+$,_.!~*'-]
const CLASS = new Uint8Array(256);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  let bits = 0;
  if (/[a-zA-Z]/.test(ch)) bits |= ALPHA;
  if (/[0-9]/.test(ch)) bits |= DIGIT;
  if (/[a-zA-Z0-9_'-]/.test(ch)) bits |= ID_REST;
  if (/[a-zA-Z0-9._+-]/.test(ch)) bits |= PATH_CHAR;
  if (/[a-zA-Z0-9+.-]/.test(ch)) bits |= URI_SCHEME;
  if (/[a-zA-Z0-9%/?:@&=+$,_.!~*'-]/.test(ch)) bits |= URI_REST;
  CLASS[c] = bits;
}

const C_TAB = 9, C_LF = 10, C_CR = 13, C_SPACE = 32, C_BANG = 33, C_DQUOTE = 34;
const C_HASH = 35, C_DOLLAR = 36, C_AMP = 38, C_QUOTE = 39, C_LPAREN = 40;
const C_RPAREN = 41, C_STAR = 42, C_PLUS = 43, C_COMMA = 44, C_MINUS = 45;
const C_DOT = 46, C_SLASH = 47, C_0 = 48, C_9 = 57, C_COLON = 58, C_SEMI = 59;
const C_LT = 60, C_EQ = 61, C_GT = 62, C_QUESTION = 63, C_AT = 64;
const C_LBRACKET = 91, C_BACKSLASH = 92, C_RBRACKET = 93, C_UNDERSCORE = 95;
const C_LBRACE = 123, C_PIPE = 124, C_RBRACE = 125, C_TILDE = 126;
const C_E = 69, C_e = 101;

function isDigit(c: number): boolean {
  return c >= C_0 && c <= C_9;
}

/** Line starts of a byte string; Nix counts LF, CR LF and a lone CR as one line break each. */
export class LineIndex {
  private starts: Uint32Array | undefined;
  constructor(private readonly text: string) {}

  position(offset: number): { line: number; column: number } {
    const starts = (this.starts ??= this.build());
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  }

  private build(): Uint32Array {
    const text = this.text;
    const list: number[] = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === C_LF) list.push(i + 1);
      else if (c === C_CR) {
        if (text.charCodeAt(i + 1) === C_LF) i++;
        list.push(i + 1);
      }
    }
    return Uint32Array.from(list);
  }
}

/** Describes a token (or the end of input) for an error message, on one line. */
export function describeToken(token: Token | null): string {
  if (token === null) return 'end of file';
  let text = fromByteString(token.text.length > 24 ? token.text.slice(0, 24) + '...' : token.text);
  text = text.replace(/[\x00-\x1f\x7f]/g, (c) => {
    const code = c.charCodeAt(0);
    return code === 10 ? '\\n' : '\\x' + code.toString(16).padStart(2, '0');
  });
  return `'${text}'`;
}

export class Lexer {
  private pos = 0;
  /** The start state stack (below) and its top, kept in `state`. */
  private readonly stack: number[] = [CODE_INITIAL];
  private state = CODE_INITIAL;
  /** Set right after `''`: the next token may be the ` *\n` that Nix drops. */
  private indOpen = false;
  /** Start of the latest path fragment, for the trailing-slash error. */
  private pathStart = 0;
  // Caches of scans that later tokens would repeat (see pathRunEnd, matchUri
  // and line comments): [from, to] ranges whose answer is `to`.
  private runFrom = 1;
  private runTo = 0;
  private schemeFrom = 1;
  private schemeTo = 0;
  private crFrom = 1;
  private crNext = 0;

  constructor(
    readonly text: string,
    readonly file: string,
    readonly lines: LineIndex,
  ) {}

  error(offset: number, detail: string): NixSyntaxError {
    const { line, column } = this.lines.position(offset);
    return new NixSyntaxError(this.file, line, column, detail);
  }

  private push(state: number): void {
    this.stack.push(state);
    this.state = state;
  }

  private pop(): number {
    const popped = this.stack.pop()!;
    this.state = this.stack[this.stack.length - 1]!;
    return popped;
  }

  private make(kind: TokenKind, start: number, end: number): Token {
    this.pos = end;
    return { type: 'token', kind, start, end, text: this.text.slice(start, end) };
  }

  /**
   * The offset of the first byte at or after `offset` that is not
   * whitespace or inside a comment (lexed as code), or the input's length.
   * Cheap lookahead for the parser's decisions that hinge on one-byte tokens.
   */
  significantOffset(offset: number): number {
    const s = this.text;
    let i = offset;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === C_SPACE || c === C_TAB || c === C_LF || c === C_CR) i++;
      else if (c === C_HASH) {
        while (i < s.length && s.charCodeAt(i) !== C_LF && s.charCodeAt(i) !== C_CR) i++;
      } else if (c === C_SLASH && s.charCodeAt(i + 1) === C_STAR) {
        const close = s.indexOf('*/', i + 2);
        if (close < 0) return i;
        i = close + 2;
      } else return i;
    }
    return s.length;
  }

  /** The first significant byte at or after `offset` (see significantOffset), or NaN at the end. */
  significantByteAt(offset: number): number {
    return this.text.charCodeAt(this.significantOffset(offset));
  }

  /** The end of an identifier starting at `offset`, or `offset` if none starts there. */
  identifierEnd(offset: number): number {
    const c = this.text.charCodeAt(offset);
    return (c < 128 && CLASS[c]! & ALPHA) || c === C_UNDERSCORE ? offset + this.matchId(offset) : offset;
  }

  /** The next token, or null at the end of the input. */
  next(): Token | null {
    for (;;) {
      const state = this.state;
      if (state <= CODE_INTERP) return this.lexCode();
      if (state === STRING) return this.lexString();
      if (state === IND_STRING) return this.lexIndString();
      if (state === IN_PATH || state === IN_PATH_SLASH) {
        const token = this.lexInPath(state);
        if (token) return token;
        continue; // the path ended: lex this byte again in the outer state
      }
      return this.lexCode();
    }
  }

  // ---- code ---------------------------------------------------------------

  private lexCode(): Token | null {
    const s = this.text;
    const start = this.pos;
    if (start >= s.length) return null;
    const c = s.charCodeAt(start);
    const cls = c < 128 ? CLASS[c]! : 0;

    if (c === C_SPACE || c === C_LF || c === C_TAB || c === C_CR) {
      let i = start + 1;
      let spaces = true; // all bytes after the first are spaces
      for (; i < s.length; i++) {
        const d = s.charCodeAt(i);
        if (d === C_SPACE) continue;
        if (d !== C_TAB && d !== C_LF && d !== C_CR) break;
        spaces = false;
      }
      this.pos = i;
      const n = i - start;
      let text: string;
      if (spaces && c === C_LF && n <= 64) text = NEWLINE_INDENTS[n - 1]!;
      else if (n === 1) text = c === C_SPACE ? ' ' : s[start]!;
      else text = s.slice(start, i);
      return { type: 'token', kind: 'whitespace', start, end: i, text };
    }
    if (c === C_HASH) {
      // to the end of the line (LF or CR), found with native searches
      let end = s.indexOf('\n', start);
      if (end < 0) end = s.length;
      if (!(this.crFrom <= start && start <= this.crNext)) {
        const cr = s.indexOf('\r', start);
        this.crFrom = start;
        this.crNext = cr < 0 ? s.length : cr;
      }
      return this.make('line_comment', start, Math.min(end, this.crNext));
    }
    if (c === C_SLASH && s.charCodeAt(start + 1) === C_STAR) {
      const close = s.indexOf('*/', start + 2);
      if (close >= 0) return this.make('block_comment', start, close + 2);
      // An unterminated comment is no comment: `/` is lexed on its own.
    }

    // Tokens that can compete with paths: identifiers, numbers, URIs, `...`,
    // `->`, `++`, `//`. Compute each candidate's length, keep the longest
    // (earlier rule on ties), in flex's rule order.
    if (cls & PATH_CHAR || c === C_SLASH) {
      let kind: TokenKind | 'path_interp' = 'path';
      let len = 0;
      if (cls & ALPHA || c === C_UNDERSCORE) {
        // Fast path: an identifier not followed by a byte that could make it
        // a path or URI (`.`, `+`, `/`, `:`) is an identifier or keyword.
        len = this.matchId(start);
        const d = s.charCodeAt(start + len);
        if (d !== C_DOT && d !== C_PLUS && d !== C_SLASH && d !== C_COLON) return this.ident(start, start + len);
        // A path needs a `/` and a URI a `:` where the PATH_CHAR run ends
        // (URI scheme bytes are PATH_CHARs): `a.b.c` stays a name.
        const r = s.charCodeAt(this.pathRunEnd(start));
        if (r !== C_SLASH && r !== C_COLON) return this.ident(start, start + len);
        kind = 'ident';
      } else if (c === C_DOT && s.charCodeAt(start + 1) === C_DOT && s.charCodeAt(start + 2) === C_DOT) {
        kind = 'ellipsis';
        len = 3;
      } else if (c === C_MINUS && s.charCodeAt(start + 1) === C_GT) {
        kind = 'op';
        len = 2;
      } else if (
        (c === C_PLUS && s.charCodeAt(start + 1) === C_PLUS) ||
        (c === C_SLASH && s.charCodeAt(start + 1) === C_SLASH)
      ) {
        kind = 'op';
        len = 2;
      }
      if (cls & DIGIT) {
        const n = this.matchDigits(start);
        if (n > len) {
          kind = 'int';
          len = n;
        }
      }
      if (cls & DIGIT || (c === C_DOT && isDigit(s.charCodeAt(start + 1)))) {
        const f = this.matchFloat(start);
        if (f > len) {
          kind = 'float';
          len = f;
        }
      }
      // Both path rules need a `/` right after the leading PATH_CHAR run.
      const run = this.pathRunEnd(start) - start;
      if (s.charCodeAt(start + run) === C_SLASH) {
        if (s.charCodeAt(start + run + 1) === C_DOLLAR && s.charCodeAt(start + run + 2) === C_LBRACE) {
          if (run + 3 > len) {
            kind = 'path_interp';
            len = run + 3;
          }
        } else {
          const segs = this.matchSegments(start + run);
          if (segs > 0) {
            let p = run + segs;
            if (s.charCodeAt(start + p) === C_SLASH) p++;
            if (p > len) {
              kind = 'path';
              len = p;
            }
          }
        }
      }
      if (cls & ALPHA) {
        const u = this.matchUri(start);
        if (u > len) {
          kind = 'uri';
          len = u;
        }
      }
      if (len > 0) {
        const end = start + len;
        switch (kind) {
          case 'ident':
            return this.ident(start, end);
          case 'int':
            this.checkInt(start, end);
            return this.make('int', start, end);
          case 'float':
            this.checkFloat(start, end);
            return this.make('float', start, end);
          case 'path_interp':
            // `dir/${`: the fragment is `dir/`, then `${` follows in path state.
            return this.pathFragment(start, end - 2, true);
          case 'path':
            return this.pathFragment(start, end, true);
          default:
            return this.make(kind, start, end);
        }
      }
    }

    switch (c) {
      case C_LBRACE:
        this.push(CODE_BRACE);
        return this.make('l_brace', start, start + 1);
      case C_RBRACE: {
        if (this.stack.length > 1) {
          const popped = this.pop();
          if (popped === CODE_INTERP) return this.make('interp_end', start, start + 1);
        }
        return this.make('r_brace', start, start + 1);
      }
      case C_DOLLAR:
        if (s.charCodeAt(start + 1) === C_LBRACE) {
          this.push(CODE_INTERP);
          return this.make('interp_start', start, start + 2);
        }
        break;
      case C_DQUOTE:
        this.push(STRING);
        return this.make('dquote', start, start + 1);
      case C_QUOTE:
        if (s.charCodeAt(start + 1) === C_QUOTE) {
          this.push(IND_STRING);
          this.indOpen = true;
          return this.make('quote2', start, start + 2);
        }
        break;
      case C_TILDE: {
        // ~/a/b (HPATH) or ~/${ (HPATH_START followed by an interpolation)
        if (s.charCodeAt(start + 1) === C_SLASH) {
          let n = this.matchSegments(start + 1);
          if (n > 0) {
            if (s.charCodeAt(start + 1 + n) === C_SLASH) n++;
            return this.pathFragment(start, start + 1 + n, true);
          }
          if (s.charCodeAt(start + 2) === C_DOLLAR && s.charCodeAt(start + 3) === C_LBRACE) {
            return this.pathFragment(start, start + 2, true);
          }
        }
        break;
      }
      case C_LT: {
        const n = this.matchSearchPath(start);
        if (n > 0) return this.make('search_path', start, start + n);
        if (s.charCodeAt(start + 1) === C_EQ) return this.make('op', start, start + 2);
        return this.make('op', start, start + 1);
      }
      case C_GT:
        return this.make('op', start, start + (s.charCodeAt(start + 1) === C_EQ ? 2 : 1));
      case C_EQ:
        if (s.charCodeAt(start + 1) === C_EQ) return this.make('op', start, start + 2);
        return this.make('assign', start, start + 1);
      case C_BANG:
        return this.make('op', start, start + (s.charCodeAt(start + 1) === C_EQ ? 2 : 1));
      case C_AMP:
        if (s.charCodeAt(start + 1) === C_AMP) return this.make('op', start, start + 2);
        break;
      case C_PIPE:
        if (s.charCodeAt(start + 1) === C_PIPE) return this.make('op', start, start + 2);
        break;
      case C_PLUS:
      case C_MINUS:
      case C_STAR:
      case C_SLASH:
        return this.make('op', start, start + 1);
      case C_LPAREN:
        return this.make('l_paren', start, start + 1);
      case C_RPAREN:
        return this.make('r_paren', start, start + 1);
      case C_LBRACKET:
        return this.make('l_bracket', start, start + 1);
      case C_RBRACKET:
        return this.make('r_bracket', start, start + 1);
      case C_SEMI:
        return this.make('semicolon', start, start + 1);
      case C_COLON:
        return this.make('colon', start, start + 1);
      case C_COMMA:
        return this.make('comma', start, start + 1);
      case C_DOT:
        return this.make('dot', start, start + 1);
      case C_AT:
        return this.make('at', start, start + 1);
      case C_QUESTION:
        return this.make('question', start, start + 1);
    }
    const shown =
      c >= 0x21 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
    throw this.error(start, `unexpected character ${shown}`);
  }

  private ident(start: number, end: number): Token {
    const s = this.text;
    const len = end - start;
    const kind = len >= 2 && len <= 7 && KEYWORD_START[s.charCodeAt(start)] ? keywordAt(s, start, len) : 'ident';
    this.pos = end;
    return { type: 'token', kind, start, end, text: s.slice(start, end) };
  }

  /** Emits a path fragment and enters the path state that follows it. */
  private pathFragment(start: number, end: number, first: boolean): Token {
    this.pathStart = start;
    const state = this.text.charCodeAt(end - 1) === C_SLASH ? IN_PATH_SLASH : IN_PATH;
    if (first) this.push(state);
    else this.stack[this.stack.length - 1] = this.state = state;
    return this.make('path', start, end);
  }

  private matchId(start: number): number {
    const s = this.text;
    let i = start + 1;
    for (; i < s.length; i++) {
      const d = s.charCodeAt(i);
      if (d >= 128 || !(CLASS[d]! & ID_REST)) break;
    }
    return i - start;
  }

  private matchDigits(start: number): number {
    const s = this.text;
    let i = start;
    for (; i < s.length; i++) {
      const d = s.charCodeAt(i);
      if (d < C_0 || d > C_9) break;
    }
    return i - start;
  }

  /** (([1-9][0-9]*\.[0-9]*)|(0?\.[0-9]+))([Ee][+-]?[0-9]+)? */
  private matchFloat(start: number): number {
    const s = this.text;
    const c = s.charCodeAt(start);
    let i: number;
    if (c > C_0 && c <= C_9) {
      i = start + this.matchDigits(start);
      if (s.charCodeAt(i) !== C_DOT) return 0;
      i++;
      i += this.matchDigits(i);
    } else {
      i = c === C_0 ? start + 1 : start;
      if (s.charCodeAt(i) !== C_DOT) return 0;
      const n = this.matchDigits(i + 1);
      if (n === 0) return 0;
      i += 1 + n;
    }
    const e = s.charCodeAt(i);
    if (e === C_E || e === C_e) {
      let j = i + 1;
      const sign = s.charCodeAt(j);
      if (sign === C_PLUS || sign === C_MINUS) j++;
      const n = this.matchDigits(j);
      if (n > 0) i = j + n;
    }
    return i - start;
  }

  private matchPathChars(start: number): number {
    const s = this.text;
    let i = start;
    for (; i < s.length; i++) {
      const d = s.charCodeAt(i);
      if (d >= 128 || !(CLASS[d]! & PATH_CHAR)) break;
    }
    return i - start;
  }

  /** (\/{PATH_CHAR}+)+ from `start`; 0 when there is none. */
  private matchSegments(start: number): number {
    const s = this.text;
    let i = start;
    while (s.charCodeAt(i) === C_SLASH) {
      const n = this.matchPathChars(i + 1);
      if (n === 0) break;
      i += 1 + n;
    }
    return i - start;
  }

  /** {PATH_CHAR}*(\/{PATH_CHAR}+)+\/? */
  private matchPath(start: number): number {
    const head = this.matchPathChars(start);
    const segs = this.matchSegments(start + head);
    if (segs === 0) return 0;
    let end = start + head + segs;
    if (this.text.charCodeAt(end) === C_SLASH) end++;
    return end - start;
  }

  /**
   * End of the PATH_CHAR run that starts at `start`. Dotted names like
   * `a.b.c.d` are one run; remembering the last run keeps lexing each of
   * its pieces from scanning the rest of it again.
   */
  private pathRunEnd(start: number): number {
    if (this.runFrom <= start && start <= this.runTo) return this.runTo;
    this.runFrom = start;
    this.runTo = start + this.matchPathChars(start);
    return this.runTo;
  }

  /** [a-zA-Z][a-zA-Z0-9+.-]*:[a-zA-Z0-9%/?:@&=+$,_.!~*'-]+ */
  private matchUri(start: number): number {
    const s = this.text;
    let i: number;
    if (this.schemeFrom <= start + 1 && start + 1 <= this.schemeTo) i = this.schemeTo;
    else {
      for (i = start + 1; i < s.length; i++) {
        const d = s.charCodeAt(i);
        if (d >= 128 || !(CLASS[d]! & URI_SCHEME)) break;
      }
      this.schemeFrom = start + 1;
      this.schemeTo = i;
    }
    if (s.charCodeAt(i) !== C_COLON) return 0;
    const restStart = ++i;
    for (; i < s.length; i++) {
      const d = s.charCodeAt(i);
      if (d >= 128 || !(CLASS[d]! & URI_REST)) break;
    }
    return i === restStart ? 0 : i - start;
  }

  /** <{PATH_CHAR}+(\/{PATH_CHAR}+)*> */
  private matchSearchPath(start: number): number {
    const head = this.matchPathChars(start + 1);
    if (head === 0) return 0;
    const i = start + 1 + head;
    const end = i + this.matchSegments(i);
    return this.text.charCodeAt(end) === C_GT ? end + 1 - start : 0;
  }

  private checkInt(start: number, end: number): void {
    // Nix reads integers as int64_t and rejects anything larger.
    if (end - start < 19) return;
    const digits = this.text.slice(start, end).replace(/^0+(?=\d)/, '');
    if (digits.length > 19 || (digits.length === 19 && digits > '9223372036854775807')) {
      throw this.error(start, `invalid integer '${this.text.slice(start, end)}'`);
    }
  }

  private checkFloat(start: number, end: number): void {
    // strtod sets ERANGE on overflow and on underflow to zero or a subnormal.
    const text = this.text.slice(start, end);
    const value = Number(text);
    const mantissaIsZero = !/[1-9]/.test(text.replace(/[eE].*$/, ''));
    if (!Number.isFinite(value) || (!mantissaIsZero && value < 2.2250738585072014e-308)) {
      throw this.error(start, `invalid float '${text}'`);
    }
  }

  // ---- paths --------------------------------------------------------------

  /** In a path: `${`, or another fragment; null when the path has ended. */
  private lexInPath(state: number): Token | null {
    const s = this.text;
    const start = this.pos;
    if (s.charCodeAt(start) === C_DOLLAR && s.charCodeAt(start + 1) === C_LBRACE) {
      this.stack[this.stack.length - 1] = IN_PATH;
      this.push(CODE_INTERP);
      return this.make('interp_start', start, start + 2);
    }
    // {PATH} | {PATH_SEG} | {PATH_CHAR}+, longest
    const chars = this.matchPathChars(start);
    let len = Math.max(chars, this.matchPath(start));
    if (s.charCodeAt(start + chars) === C_SLASH) len = Math.max(len, chars + 1);
    if (len > 0) return this.pathFragment(start, start + len, false);
    if (state === IN_PATH_SLASH) throw this.error(this.pathStart, 'path has a trailing slash');
    this.pop();
    return null;
  }

  // ---- strings ------------------------------------------------------------

  private lexString(): Token | null {
    const s = this.text;
    const start = this.pos;
    if (start >= s.length) return null;
    let i = start;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === C_DQUOTE) break;
      if (c === C_BACKSLASH) {
        i += i + 1 < s.length ? 2 : 1;
      } else if (c === C_DOLLAR) {
        const d = s.charCodeAt(i + 1);
        if (d === C_LBRACE) break;
        if (i + 1 >= s.length || d === C_DQUOTE) i += 1;
        else if (d === C_BACKSLASH) i += i + 2 < s.length ? 3 : 2;
        else i += 2;
      } else i++;
    }
    if (i > start) return this.make('str_content', start, i);
    if (s.charCodeAt(start) === C_DQUOTE) {
      this.pop();
      return this.make('dquote', start, start + 1);
    }
    this.push(CODE_INTERP);
    return this.make('interp_start', start, start + 2);
  }

  private lexIndString(): Token | null {
    const s = this.text;
    const start = this.pos;
    if (start >= s.length) return null;
    if (this.indOpen) {
      // ''(\ *\n)? : the spaces and newline right after the opening quotes
      // belong to Nix's opening token; they are a content token of their own here.
      this.indOpen = false;
      let i = start;
      while (s.charCodeAt(i) === C_SPACE) i++;
      if (s.charCodeAt(i) === C_LF) return this.make('str_content', start, i + 1);
    }
    // ([^$']|\$[^{']|'[^'$])+
    let i = start;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === C_DOLLAR) {
        const d = s.charCodeAt(i + 1);
        if (i + 1 >= s.length || d === C_LBRACE || d === C_QUOTE) break;
        i += 2;
      } else if (c === C_QUOTE) {
        const d = s.charCodeAt(i + 1);
        if (i + 1 >= s.length || d === C_QUOTE || d === C_DOLLAR) break;
        i += 2;
      } else i++;
    }
    if (i > start) return this.make('str_content', start, i);
    const c = s.charCodeAt(start);
    const d = s.charCodeAt(start + 1);
    if (c === C_DOLLAR) {
      if (d === C_LBRACE) {
        this.push(CODE_INTERP);
        return this.make('interp_start', start, start + 2);
      }
      return this.make('str_content', start, start + 1); // a lone `$`
    }
    // c is a quote
    if (d !== C_QUOTE) return this.make('str_content', start, start + 1); // a lone `'`
    const e = s.charCodeAt(start + 2);
    if (e === C_DOLLAR || e === C_QUOTE) return this.make('str_content', start, start + 3); // ''$ '''
    if (e === C_BACKSLASH && start + 3 < s.length) return this.make('str_content', start, start + 4); // ''\x
    this.pop();
    return this.make('quote2', start, start + 2);
  }
}

// ---- string values -----------------------------------------------------------

/** The value of a piece of a "..." string: Nix's unescapeStr (CR and CR LF become LF). */
export function unescapeString(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    let c = raw.charCodeAt(i);
    if (c === 0) break; // Nix's C string ends at a NUL byte (an escaped one stays)
    if (c === C_BACKSLASH && i + 1 < raw.length) {
      c = raw.charCodeAt(++i);
      out += c === 110 ? '\n' : c === 114 ? '\r' : c === 116 ? '\t' : raw[i];
    } else if (c === C_CR) {
      out += '\n';
      if (raw.charCodeAt(i + 1) === C_LF) i++;
    } else out += raw[i];
  }
  return out;
}

/** One part of an indented string, as Nix's lexer delivers it. */
export type IndPart =
  | { kind: 'text'; value: string; indentation: boolean }
  | { kind: 'interp'; index: number };

/**
 * The value of one str_content token of an indented string: the escapes
 * `''$`, `'''`, `''\x` and the lone `$` and `'` carry no indentation; plain
 * text keeps its raw bytes.
 */
export function indStringPiece(raw: string): { value: string; indentation: boolean } {
  if (raw.startsWith("''")) {
    if (raw === "''$") return { value: '$', indentation: false };
    if (raw === "'''") return { value: "''", indentation: false };
    return { value: unescapeString(raw.slice(2)), indentation: false };
  }
  if (raw === '$' || raw === "'") return { value: raw, indentation: false };
  return { value: raw, indentation: true };
}

/**
 * Nix's stripIndentation: removes the common indentation of an indented
 * string's lines and a final line of spaces. Returns one entry per part:
 * the stripped text, or the index of an interpolation.
 */
export function stripIndentation(parts: readonly IndPart[]): Array<string | number> {
  let atStartOfLine = true;
  let minIndent = 1000000;
  let curIndent = 0;
  for (const part of parts) {
    if (part.kind === 'interp' || !part.indentation) {
      if (atStartOfLine) {
        atStartOfLine = false;
        if (curIndent < minIndent) minIndent = curIndent;
      }
      continue;
    }
    const v = part.value;
    for (let j = 0; j < v.length; j++) {
      const c = v.charCodeAt(j);
      if (atStartOfLine) {
        if (c === C_SPACE) curIndent++;
        else if (c === C_LF) curIndent = 0;
        else {
          atStartOfLine = false;
          if (curIndent < minIndent) minIndent = curIndent;
        }
      } else if (c === C_LF) {
        atStartOfLine = true;
        curIndent = 0;
      }
    }
  }

  const out: Array<string | number> = [];
  atStartOfLine = true;
  let curDropped = 0;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p]!;
    if (part.kind === 'interp') {
      atStartOfLine = false;
      curDropped = 0;
      out.push(part.index);
      continue;
    }
    const v = part.value;
    let s2 = '';
    for (let j = 0; j < v.length; j++) {
      const c = v.charCodeAt(j);
      if (atStartOfLine) {
        if (c === C_SPACE) {
          if (curDropped++ >= minIndent) s2 += v[j];
        } else if (c === C_LF) {
          curDropped = 0;
          s2 += v[j];
        } else {
          atStartOfLine = false;
          curDropped = 0;
          s2 += v[j];
        }
      } else {
        s2 += v[j];
        if (c === C_LF) atStartOfLine = true;
      }
    }
    if (p === parts.length - 1) {
      // Remove the last line if it is empty and consists only of spaces.
      const nl = s2.lastIndexOf('\n');
      if (nl >= 0 && /^ *$/.test(s2.slice(nl + 1))) s2 = s2.slice(0, nl + 1);
    }
    out.push(s2);
  }
  return out;
}
