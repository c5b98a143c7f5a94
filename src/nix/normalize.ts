// Prints a syntax tree the way `nix-instantiate --parse` (Nix 2.8) prints
// the expression it parsed: operators fully parenthesized and desugared
// (`a - b` is `(__sub a b)`, `<p>` is `(__findFile __nixPath "p")`),
// dotted attribute paths merged into nested sets, `inherit` expanded,
// strings unescaped and re-escaped, indented strings stripped of their
// indentation, paths made absolute, numbers in C++'s default notation.
//
// Order: Nix 2.8 sorts the attributes of a set by name when printing, which
// is reproduced here. It prints the bindings of a `let` and the arguments of
// a `{ ... }:` function in the order of their interned symbols' addresses,
// which depends on what the process interned before; they are printed here
// in order of first definition (what Nix prints when every name is new).
//
// The result is a byte string, like the tree's text.

import { stripIndentation, unescapeString } from './lexer.js';
import {
  buildAttrModel,
  indentedStringParts,
  interpolExpr,
  plainStringValue,
  staticAttrName,
  staticStringValue,
  type AttrModel,
} from './parser.js';
import { toByteString, type Node, type SyntaxTree, type Token } from './syntax.js';

export interface NormalizeOptions {
  /** Absolute directory that relative paths are resolved against (the file's directory). */
  baseDir: string;
  /** The home directory that `~/...` paths start from. */
  home: string;
}

export function printNormalized(tree: SyntaxTree, opts: NormalizeOptions): string {
  const printer = new Printer(toByteString(opts.baseDir), toByteString(opts.home));
  const expr = tree.root.children.find((c): c is Node => c.type === 'node')!;
  return show(printer.expr(expr));
}

/** A function call, kept open so that applying it to more arguments extends it as Nix does. */
interface Call {
  fn: string;
  args: string[];
}
type Out = string | Call;

function show(out: Out): string {
  return typeof out === 'string' ? out : `(${out.fn} ${out.args.join(' ')})`;
}

function nodes(node: Node): Node[] {
  return node.children.filter((c): c is Node => c.type === 'node');
}

function tokens(node: Node): Token[] {
  return node.children.filter(
    (c): c is Token =>
      c.type === 'token' && c.kind !== 'whitespace' && c.kind !== 'line_comment' && c.kind !== 'block_comment',
  );
}

/** Nix's printLiteralString. */
export function quoteString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"' || c === '\\' || c === '$') out += '\\' + c;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else out += c;
  }
  return out + '"';
}

/** Nix's printIdentifier, used for attribute names. */
export function quoteName(name: string): string {
  if (name === 'if') return '"if"';
  return /^[a-zA-Z_][a-zA-Z0-9_'-]*$/.test(name) ? name : quoteString(name);
}

/** C++'s `ostream << double` (printf %g with 6 significant digits, ties to even). */
export function formatFloat(x: number): string {
  if (x === 0) return '0';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  let exp2 = -1074;
  if (biased !== 0) {
    mant |= 1n << 52n;
    exp2 = biased - 1075;
  }
  // x = num / den exactly
  const num = exp2 >= 0 ? mant << BigInt(exp2) : mant;
  const den = exp2 >= 0 ? 1n : 1n << BigInt(-exp2);
  const pow10 = (k: number) => 10n ** BigInt(k);
  let e10 = Math.floor(Math.log10(x));
  const below = (k: number) => (k >= 0 ? num < den * pow10(k) : num * pow10(-k) < den); // x < 10^k
  while (below(e10)) e10--;
  while (!below(e10 + 1)) e10++;
  const scale = 5 - e10; // digits = round(x * 10^scale), 6 of them
  const n = scale >= 0 ? num * pow10(scale) : num;
  const d = scale >= 0 ? den : den * pow10(-scale);
  let digits = n / d;
  const twice = (n % d) * 2n;
  if (twice > d || (twice === d && digits % 2n === 1n)) digits++;
  if (digits === 1000000n) {
    digits = 100000n;
    e10++;
  }
  const ds = digits.toString();
  if (e10 < -4 || e10 >= 6) {
    const mantissa = (ds[0] + '.' + ds.slice(1)).replace(/\.?0+$/, '');
    const sign = e10 < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(e10)).padStart(2, '0')}`;
  }
  const intPart = e10 >= 0 ? ds.slice(0, e10 + 1) : '0';
  const frac = (e10 >= 0 ? ds.slice(e10 + 1) : '0'.repeat(-e10 - 1) + ds).replace(/0+$/, '');
  return frac === '' ? intPart : `${intPart}.${frac}`;
}

/** Nix's canonPath: an absolute path without `.`, `..` and repeated slashes. */
function canonPath(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}

const noFail = (offset: number, detail: string): never => {
  throw new Error(`printNormalized: the tree does not pass Nix's checks (${detail} at byte ${offset})`);
};

class Printer {
  constructor(
    private readonly baseDir: string,
    private readonly home: string,
  ) {}

  expr(node: Node): Out {
    switch (node.kind) {
      case 'Ident':
        return tokens(node)[0]!.text;
      case 'Literal': {
        const t = tokens(node)[0]!;
        if (t.kind === 'int') return BigInt(t.text).toString();
        if (t.kind === 'float') return formatFloat(Number(t.text));
        return quoteString(t.text);
      }
      case 'String':
        return this.string(node);
      case 'IndentedString':
        return this.indentedString(node);
      case 'Path':
        return this.path(node);
      case 'SearchPath': {
        const text = tokens(node)[0]!.text;
        return { fn: '__findFile', args: ['__nixPath', quoteString(text.slice(1, -1))] };
      }
      case 'Paren':
        return this.expr(nodes(node)[0]!);
      case 'Apply': {
        const [fn, arg] = nodes(node) as [Node, Node];
        // `e or` (the old call of a function named `or`) is a new call of
        // `e`, never an extension of a call that `e` already is.
        if (arg.kind === 'Ident' && tokens(arg)[0]!.kind === 'kw_or') return { fn: show(this.expr(fn)), args: ['or'] };
        const f = this.expr(fn);
        const a = show(this.expr(arg));
        if (typeof f === 'string') return { fn: f, args: [a] };
        f.args.push(a);
        return f;
      }
      case 'UnaryOp': {
        const operand = show(this.expr(nodes(node)[0]!));
        return tokens(node)[0]!.text === '!' ? `(! ${operand})` : { fn: '__sub', args: ['0', operand] };
      }
      case 'BinOp':
        return this.binOp(node);
      case 'Select': {
        const [e, path, def] = nodes(node) as [Node, Node, Node | undefined];
        const base = `(${show(this.expr(e))}).${this.attrPath(path)}`;
        return def === undefined ? base : `${base} or (${show(this.expr(def))})`;
      }
      case 'HasAttr': {
        const [e, path] = nodes(node) as [Node, Node];
        return `((${show(this.expr(e))}) ? ${this.attrPath(path)})`;
      }
      case 'AttrSet':
        return this.attrs(buildAttrModel(node, noFail));
      case 'LegacyLet':
        return `(${this.attrs(buildAttrModel(node, noFail))}).body`;
      case 'LetIn': {
        const model = buildAttrModel(node, noFail);
        let out = '(let ';
        for (const [name, entry] of model.attrs) {
          if (entry.inherited) out += `inherit ${quoteName(name)}; `;
          else out += `${quoteName(name)} = ${this.attrValue(name, entry)}; `;
        }
        return `${out}in ${show(this.expr(nodes(node).at(-1)!))})`;
      }
      case 'List':
        return `[ ${nodes(node).map((e) => `(${show(this.expr(e))}) `).join('')}]`;
      case 'Lambda':
        return this.lambda(node);
      case 'With': {
        const [e, body] = nodes(node) as [Node, Node];
        return `(with ${show(this.expr(e))}; ${show(this.expr(body))})`;
      }
      case 'Assert': {
        const [c, body] = nodes(node) as [Node, Node];
        return `assert ${show(this.expr(c))}; ${show(this.expr(body))}`;
      }
      case 'If': {
        const [c, a, b] = nodes(node).map((n) => show(this.expr(n)));
        return `(if ${c} then ${a} else ${b})`;
      }
      default:
        throw new Error(`printNormalized: unexpected ${node.kind} node`);
    }
  }

  private binOp(node: Node): Out {
    const [l, r] = nodes(node) as [Node, Node];
    const a = show(this.expr(l));
    const b = show(this.expr(r));
    const op = tokens(node)[0]!.text;
    switch (op) {
      case '+':
        return `(${a} + ${b})`;
      case '-':
        return { fn: '__sub', args: [a, b] };
      case '*':
        return { fn: '__mul', args: [a, b] };
      case '/':
        return { fn: '__div', args: [a, b] };
      case '<':
        return { fn: '__lessThan', args: [a, b] };
      case '>':
        return { fn: '__lessThan', args: [b, a] };
      case '<=':
        return `(! (__lessThan ${b} ${a}))`;
      case '>=':
        return `(! (__lessThan ${a} ${b}))`;
      default:
        return `(${a} ${op} ${b})`;
    }
  }

  private string(node: Node): string {
    const plain = plainStringValue(node);
    if (plain !== null) return quoteString(plain);
    const parts: string[] = [];
    for (const c of node.children) {
      if (c.type === 'node') parts.push(show(this.expr(interpolExpr(c))));
      else if (c.kind === 'str_content') parts.push(quoteString(unescapeString(c.text)));
    }
    return `(${parts.join(' + ')})`;
  }

  private indentedString(node: Node): Out {
    const { parts, exprs } = indentedStringParts(node);
    if (parts.length === 0) return '""';
    const stripped = stripIndentation(parts);
    const shown = stripped.map((p) => (typeof p === 'string' ? quoteString(p) : show(this.expr(exprs[p]!))));
    // A single string constant is not a concatenation.
    const only = stripped[0]!;
    if (stripped.length === 1 && (typeof only === 'string' || staticStringValue(exprs[only]!) !== null)) {
      return shown[0]!;
    }
    return `(${shown.join(' + ')})`;
  }

  private path(node: Node): string {
    const [first, ...rest] = node.children as [Token, ...(Token | Node)[]];
    const raw = first.text;
    let value: string;
    if (raw.startsWith('~')) value = this.home + raw.slice(1);
    else {
      value = canonPath(raw.startsWith('/') ? raw : `${this.baseDir}/${raw}`);
      if (raw.endsWith('/') && raw.length > 1) value += '/';
    }
    if (rest.length === 0) return value;
    const parts = [value];
    for (const c of rest) {
      parts.push(c.type === 'node' ? show(this.expr(interpolExpr(c))) : quoteString(c.text));
    }
    return `(${parts.join(' + ')})`;
  }

  private attrPath(path: Node): string {
    return nodes(path)
      .map((name) => {
        const s = staticAttrName(name);
        if (s !== null) return quoteName(s);
        return `"\${${show(this.expr(name.kind === 'Interpol' ? interpolExpr(name) : name))}}"`;
      })
      .join('.');
  }

  private attrValue(name: string, entry: { from?: Node; value?: Node; nested?: AttrModel }): string {
    if (entry.nested !== undefined) return this.attrs(entry.nested);
    if (entry.from !== undefined) return `(${show(this.expr(entry.from))}).${quoteName(name)}`;
    return show(this.expr(entry.value!));
  }

  private attrs(model: AttrModel): string {
    let out = model.rec ? 'rec { ' : '{ ';
    const names = [...model.attrs.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      const entry = model.attrs.get(name)!;
      if (entry.inherited) out += `inherit ${quoteName(name)} ; `;
      else out += `${quoteName(name)} = ${this.attrValue(name, entry)}; `;
    }
    for (const d of model.dynamic) {
      const nameExpr = d.name.kind === 'Interpol' ? interpolExpr(d.name) : d.name;
      out += `"\${${show(this.expr(nameExpr))}}" = ${this.attrValue('', d)}; `;
    }
    return out + '}';
  }

  private lambda(node: Node): string {
    const [param, body] = nodes(node) as [Node, Node];
    const bodyText = show(this.expr(body));
    if (param.kind === 'Ident') return `(${tokens(param)[0]!.text}: ${bodyText})`;
    let arg: string | undefined;
    const formals: string[] = [];
    for (const c of param.children) {
      if (c.type !== 'node') continue;
      if (c.kind === 'Ident') arg = tokens(c)[0]!.text;
      else {
        const [nameNode, def] = nodes(c) as [Node, Node | undefined];
        const name = tokens(nameNode)[0]!.text;
        formals.push(def === undefined ? name : `${name} ? ${show(this.expr(def))}`);
      }
    }
    if (tokens(param).some((t) => t.kind === 'ellipsis')) formals.push('...');
    return `({ ${formals.join(', ')} }${arg === undefined ? '' : ` @ ${arg}`}: ${bodyText})`;
  }
}
