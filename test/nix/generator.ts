// A deterministic generator of Nix expressions for the differential test:
// random expressions from the grammar (mixed-precedence operator chains,
// strings with escapes and interpolations, attribute sets with dotted,
// quoted and dynamic names, lambdas with argument sets, ...), and mutations
// of them (a token deleted, duplicated, swapped or inserted) that are mostly
// invalid. Names come from small pools so that duplicate attributes and
// arguments, which Nix rejects while parsing, come up too.

/** A seeded PRNG (xorshift32) returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/** A piece of source; `glue` pieces follow the previous one with no trivia in between. */
interface Piece {
  text: string;
  glue: boolean;
}

const IDENTS = ['a', 'b', 'c', 'x', 'y', 'f', 'lib', 'pkgs', 'true', 'null', '__curPos', "x'", 'a-b', '_u'];
const ATTR_NAMES = ['a', 'b', 'c', 'or', '"a"', '"b c"', '"x.y"', '""', '"if"', '"in"', '${"a"}', "${''b''}"];
const FORMALS = ['a', 'b', 'c', 'x', 'y', 'pkgs', 'lib'];
const INTS = ['0', '1', '42', '007', '9223372036854775807'];
const FLOATS = ['1.5', '.5', '1.5e3', '2.', '0.25', '1.e2', '123456789.0', '3.14159265', '1000005.0', '1.5E-7', '0.0'];
/** Literals Nix rejects, used now and then. */
const BAD_LITERALS = ['9223372036854775808', '1.0e-310', '1.0e400'];
const PATHS = ['./a', '../b/c', '/etc/nixos', '~/h', 'a/b', './.', './a.nix', '/..', 'x/../y'];
const STR_PIECES = ['abc', ' ', '\\n', '\\"', '\\\\', '\\${', '$', '$$', '\\t', 'é', '\\q', '\n', '\\\n', '$\\"'];
const IND_PIECES = ["''$", "'''", "''\\n", "''\\t", '$', "'a", 'x', '  ', '\t', '$$', "''\\\\"];
const BINOPS = ['+', '-', '*', '/', '++', '//', '&&', '||', '->', '+', '-', '++', '//', '&&', '||', '->'];
const COMPARISONS = ['==', '!=', '<', '<=', '>', '>='];
const TRIVIA = [' ', ' ', ' ', '\n  ', '\t', ' # c\n', ' /* c */ ', '\r\n'];
const JUNK = [';', '}', '{', '(', ')', '=', ':', ',', '.', '?', '@', 'or', 'in', 'let', '...', '+', '-', '!', '"', "''", '${', ']', '[', 'then', '/'];

export class ExprGenerator {
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = prng(seed);
  }

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }

  private pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }

  private chance(p: number): boolean {
    return this.random() < p;
  }

  /** A random valid-looking expression: source text and its pieces. */
  expression(depth = 4): Piece[] {
    return this.expr(depth);
  }

  render(pieces: readonly Piece[]): string {
    let out = '';
    pieces.forEach((p, index) => {
      if (index > 0 && !p.glue) out += this.pick(TRIVIA);
      out += p.text;
    });
    return out;
  }

  /** The expression with one random token deleted, duplicated, swapped or inserted. */
  mutate(pieces: readonly Piece[]): Piece[] {
    const out = pieces.map((p) => ({ ...p }));
    const at = this.int(out.length);
    switch (this.int(4)) {
      case 0:
        if (out.length > 1) out.splice(at, 1);
        break;
      case 1:
        out.splice(at, 0, { text: out[at]!.text, glue: false });
        break;
      case 2:
        if (at + 1 < out.length) [out[at], out[at + 1]] = [out[at + 1]!, out[at]!];
        break;
      default:
        out.splice(at, 0, { text: this.pick(JUNK), glue: false });
    }
    return out;
  }

  private t(text: string, glue = false): Piece {
    return { text, glue };
  }

  private expr(d: number): Piece[] {
    if (d <= 0) return this.simple(0);
    switch (this.int(9)) {
      case 0:
        return [this.t(this.pick(FORMALS)), this.t(':'), ...this.expr(d - 1)];
      case 1:
        return [...this.pattern(d - 1), this.t(':'), ...this.expr(d - 1)];
      case 2:
        return [this.t('let'), ...this.bindings(d - 1), this.t('in'), ...this.expr(d - 1)];
      case 3:
        return [this.t(this.pick(['with', 'assert'])), ...this.op(d - 1), this.t(';'), ...this.expr(d - 1)];
      case 4:
        return [this.t('if'), ...this.expr(d - 1), this.t('then'), ...this.expr(d - 1), this.t('else'), ...this.expr(d - 1)];
      default:
        return this.op(d);
    }
  }

  /** A flat chain of operands and operators: precedence decides the tree. */
  private op(d: number): Piece[] {
    const out = this.operand(d);
    const n = this.int(4);
    for (let i = 0; i < n; i++) {
      if (this.chance(0.15)) out.push(this.t('?'), ...this.attrpath(d - 1));
      else out.push(this.t(this.pick(this.chance(0.2) ? COMPARISONS : BINOPS)), ...this.operand(d));
    }
    return out;
  }

  private operand(d: number): Piece[] {
    const r = this.int(10);
    if (r === 0) return [this.t('!'), ...this.operand(d)];
    if (r === 1) return [this.t('-'), ...this.operand(d)];
    const out = this.select(d - 1);
    if (this.chance(0.25)) out.push(...this.select(d - 1));
    if (this.chance(0.1)) out.push(...this.select(d - 1));
    return out;
  }

  private select(d: number): Piece[] {
    const out = this.simple(d);
    const r = this.int(8);
    if (r === 0) {
      // glue the dot only where it cannot extend a path or number
      const last = out[out.length - 1]!.text;
      const glue = /^[a-z_]/i.test(last) || /[)}\]"']$/.test(last);
      out.push(this.t('.', glue && this.chance(0.7)), ...this.attrpath(d));
      if (this.chance(0.4)) out.push(this.t('or'), ...this.select(d - 1));
    } else if (r === 1) out.push(this.t('or'));
    return out;
  }

  private simple(d: number): Piece[] {
    const r = d <= 0 ? this.int(7) : this.int(15);
    switch (r) {
      case 0:
      case 1:
        return [this.t(this.pick(IDENTS))];
      case 2:
        return [this.t(this.chance(0.03) ? this.pick(BAD_LITERALS) : this.pick(INTS))];
      case 3:
        return [this.t(this.pick(FLOATS))];
      case 4:
        return [this.t(this.pick(['<nixpkgs>', '<a/b.nix>', 'https://x.org/y?z=1', 'mirror://gnu/x']))];
      case 5:
        return this.path(d);
      case 6:
        return this.string(d);
      case 7:
        return this.indString(d);
      case 8:
        return [this.t('('), ...this.expr(d - 1), this.t(')')];
      case 9: {
        const out = [this.t('[')];
        for (let i = this.int(4); i > 0; i--) out.push(...this.select(d - 1));
        return [...out, this.t(']')];
      }
      case 10:
      case 11:
        return [...(this.chance(0.2) ? [this.t('rec')] : []), this.t('{'), ...this.bindings(d - 1), this.t('}')];
      case 12:
        return [this.t('let'), this.t('{'), ...this.bindings(d - 1), this.t('body'), this.t('='), ...this.expr(d - 1), this.t(';'), this.t('}')];
      default:
        return this.string(d);
    }
  }

  private path(d: number): Piece[] {
    const base = this.pick(PATHS);
    if (d <= 0 || this.chance(0.5)) return [this.t(base)];
    const head = this.pick(['./a/', '/x/', '~/', 'a/', './a', './']);
    const out = [this.t(head), this.t('${', true), ...this.expr(d - 1), this.t('}')];
    if (this.chance(0.5)) out.push(this.t(this.pick(['.nix', '/b', 'c', '/']), true));
    return out;
  }

  private string(d: number): Piece[] {
    const out = [this.t('"')];
    for (let i = this.int(5); i > 0; i--) {
      if (d > 0 && this.chance(0.25)) out.push(this.t('${', true), ...this.expr(d - 1), this.t('}'));
      else out.push(this.t(this.pick(STR_PIECES), true));
    }
    return [...out, this.t('"', true)];
  }

  private indString(d: number): Piece[] {
    const out = [this.t("''")];
    if (this.chance(0.6)) out.push(this.t(this.pick(['\n', '  \n', ' '.repeat(this.int(3)) + '\n']), true));
    for (let line = this.int(4); line > 0; line--) {
      out.push(this.t(' '.repeat(this.int(5)), true));
      for (let i = this.int(4); i > 0; i--) {
        if (d > 0 && this.chance(0.2)) out.push(this.t('${', true), ...this.expr(d - 1), this.t('}'));
        else out.push(this.t(this.pick(IND_PIECES), true));
      }
      out.push(this.t(this.pick(['\n', '\n', '\r\n', '\n\n']), true));
    }
    out.push(this.t(' '.repeat(this.int(4)), true));
    return [...out, this.t("''", true)];
  }

  private attrName(d: number): Piece[] {
    const r = this.int(8);
    if (r === 0 && d > 0) return [this.t('${'), ...this.expr(d - 1), this.t('}')];
    if (r === 1 && d > 0) return [this.t('"a'), this.t('${', true), ...this.simple(0), this.t('}'), this.t('"', true)];
    return [this.t(this.pick(ATTR_NAMES))];
  }

  private attrpath(d: number): Piece[] {
    const out = this.attrName(d);
    for (let i = this.int(3); i > 0; i--) out.push(this.t('.'), ...this.attrName(d));
    return out;
  }

  private bindings(d: number): Piece[] {
    const out: Piece[] = [];
    for (let i = this.int(4); i > 0; i--) {
      if (this.chance(0.2)) {
        out.push(this.t('inherit'));
        if (this.chance(0.5)) out.push(this.t('('), ...this.expr(d - 1), this.t(')'));
        for (let j = this.int(3); j > 0; j--) out.push(this.t(this.pick(ATTR_NAMES)));
        out.push(this.t(';'));
      } else {
        out.push(...this.attrpath(d), this.t('='), ...this.expr(d - 1), this.t(';'));
      }
    }
    return out;
  }

  private pattern(d: number): Piece[] {
    const out: Piece[] = [];
    const at = this.int(3);
    if (at === 1) out.push(this.t(this.chance(0.2) ? this.pick(FORMALS) : 'args'), this.t('@'));
    out.push(this.t('{'));
    const n = this.int(4);
    const names = [...FORMALS].sort(() => this.random() - 0.5);
    for (let i = 0; i < n; i++) {
      out.push(this.t(this.chance(0.1) ? this.pick(FORMALS) : names[i]!));
      if (this.chance(0.3)) out.push(this.t('?'), ...this.expr(d - 1));
      if (i < n - 1 || this.chance(0.3)) out.push(this.t(','));
    }
    if (this.chance(0.3) && (n === 0 || out[out.length - 1]!.text === ',')) out.push(this.t('...'));
    out.push(this.t('}'));
    if (at === 2) out.push(this.t('@'), this.t(this.chance(0.2) ? this.pick(FORMALS) : 'args'));
    return out;
  }
}
