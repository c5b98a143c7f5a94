// printNormalized without Nix at hand: recorded outputs of Nix 2.8, the
// number and name formatting, and the order canonicalizer used by the
// differential test.
import { describe, expect, it } from 'vitest';
import { formatFloat, printNormalized, quoteName, quoteString } from '../../src/nix/normalize.js';
import { parseText } from '../../src/nix/parser.js';
import { fromByteString } from '../../src/nix/syntax.js';
import { NIX_OUTPUTS } from './nix-outputs.js';
import { canonicalOrder } from './support.js';

const print = (source: string, baseDir = '/tmp', home = '/root') =>
  fromByteString(printNormalized(parseText(source, 'n.nix'), { baseDir, home }));

describe('printNormalized', () => {
  it.each(NIX_OUTPUTS)('prints %j as Nix does', (input, printed) => {
    expect(print(input)).toBe(printed);
  });

  it('resolves relative paths against baseDir and ~ against home', () => {
    expect(print('[ ./a ../b /c/./d/../e ~/f ./. ]', '/x/y', '/home/u')).toBe('[ (/x/y/a) (/x/b) (/c/e) (/home/u/f) (/x/y) ]');
    expect(print('./a/${b}/c', '/x/y')).toBe('(/x/y/a/ + b + "/c")');
  });

  it('prints let bindings and function arguments in order of definition', () => {
    expect(print('let b = 1; a = 2; in { c, a ? 1 }: a')).toBe('(let b = 1; a = 2; in ({ c, a ? 1 }: a))');
  });

  it('expands inherit and merges attribute sets as Nix does', () => {
    expect(print('{ a = rec { x = 1; ${y} = 2; }; a.b = 3; a = { c = 4; }; inherit (s) d; }')).toBe(
      '{ a = rec { b = 3; c = 4; x = 1; "${y}" = 2; }; d = (s).d; }',
    );
    expect(print('{ a.b = 1; a = rec { c = 2; ${x} = 3; }; }')).toBe('{ a = { b = 1; c = 2; }; }');
  });
});

describe('formatting helpers', () => {
  it('formatFloat is printf %g with ties to even', () => {
    const cases: Array<[number, string]> = [
      [1500, '1500'],
      [0.5, '0.5'],
      [123456789, '1.23457e+08'],
      [1e-5, '1e-05'],
      [0.0001, '0.0001'],
      [100000, '100000'],
      [1000000, '1e+06'],
      [99999.95, '99999.9'],
      [1234565, '1.23456e+06'], // an exact tie rounds to even
      [1234575, '1.23458e+06'],
      [0.125, '0.125'],
      [1.5e300, '1.5e+300'],
      [3.14159265, '3.14159'],
    ];
    for (const [x, s] of cases) expect(formatFloat(x), String(x)).toBe(s);
  });

  it('quoteString escapes like Nix, including every $', () => {
    expect(quoteString('a"b\\c\nd\re\tf$g${h}')).toBe('"a\\"b\\\\c\\nd\\re\\tf\\$g\\${h}"');
  });

  it('quoteName leaves identifiers bare and quotes the rest (and "if")', () => {
    expect(['a', 'a-b', "x'", '_1', 'or', 'in', 'if', '', '1a', 'a.b', 'é'].map(quoteName)).toEqual([
      'a', 'a-b', "x'", '_1', 'or', 'in', '"if"', '""', '"1a"', '"a.b"', '"é"',
    ]);
  });
});

describe('canonicalOrder (for comparing with Nix)', () => {
  it('sorts function arguments and let bindings, nested too', () => {
    expect(canonicalOrder('({ y ? [ ], x ? { }, ... } @ a: (let z = assert p; q; inherit b; "a b" = 1; in z))')).toBe(
      '({ x ? { }, y ? [ ], ... } @ a: (let "a b" = 1; inherit b; z = assert p; q; in z))',
    );
    expect(canonicalOrder('{ "${(x: (let b = 1; a = 2; in a))}" = 1; f = ({ b, a }: "s, }; \\${"); }')).toBe(
      '{ "${(x: (let a = 2; b = 1; in a))}" = 1; f = ({ a, b }: "s, }; \\${"); }',
    );
  });

  it('leaves attribute sets and strings alone', () => {
    const text = '({ b = 1; a = 2; }).a "(let b = 1; a = 2; in a)"';
    expect(canonicalOrder(text)).toBe(text);
  });
});
