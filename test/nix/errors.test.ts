// Syntax errors: NixSyntaxError with the file, the 1-based line and byte
// column of the offending byte, and a short one-line detail.
import { describe, expect, it } from 'vitest';
import { parseByteString, parseBytes, parseText } from '../../src/nix/parser.js';
import { NixSyntaxError } from '../../src/nix/syntax.js';

function error(source: string, parse = parseText): NixSyntaxError {
  try {
    parse(source, 'bad.nix');
  } catch (e) {
    if (e instanceof NixSyntaxError) return e;
    throw e;
  }
  throw new Error(`parsed without error: ${source}`);
}

describe('syntax errors', () => {
  it.each([
    ['{ a = 1; b = ; }', 1, 14, "unexpected ';', expected an expression"],
    ['{ a = 1 }', 1, 9, "unexpected '}', expected ';'"],
    ['{\n  a = 1;\n  b = 2\n}\n', 4, 1, "unexpected '}', expected ';'"],
    ['let a = 1; a', 1, 13, "unexpected end of file, expected '='"],
    ['[ 1 2', 1, 6, "unexpected end of file, expected a list element or ']'"],
    ['"abc', 1, 5, `unexpected end of file, expected '"'`],
    ['f (x', 1, 5, "unexpected end of file, expected ')'"],
    ['a == b == c', 1, 8, "unexpected '==': comparison operators do not chain"],
    ['{ a = 1; a = 2; }', 1, 10, "attribute 'a' already defined at line 1, column 3"],
    ['{ a.b = 1;\n  a.b = 2; }', 2, 3, "attribute 'a.b' already defined at line 1, column 5"],
    ['{ a, a }: a', 1, 6, "duplicate formal function argument 'a'"],
    ['let ${x} = 1; in 2', 1, 1, 'dynamic attributes not allowed in let'],
    ['{ inherit ${x}; }', 1, 11, 'dynamic attributes not allowed in inherit'],
    ['./a/', 1, 1, 'path has a trailing slash'],
    ['9223372036854775808', 1, 1, "invalid integer '9223372036854775808'"],
    ['1.0e999', 1, 1, "invalid float '1.0e999'"],
    ['x ~ y', 1, 3, "unexpected character '~'"],
    ['', 1, 1, 'unexpected end of file, expected an expression'],
    ['a + if b then c else d', 1, 5, "unexpected 'if', expected an expression"],
  ])('%j', (source, line, column, detail) => {
    const e = error(source);
    expect(e.file).toBe('bad.nix');
    expect([e.line, e.column]).toEqual([line, column]);
    expect(e.detail).toBe(detail);
    expect(e.message).toBe(`bad.nix:${line}:${column}: ${detail}`);
  });

  it('counts columns in bytes after a multi-byte character', () => {
    // `{ s = "日本"; b = ; }`: the `;` after `b =` is byte 20 (日 and 本 are 3 bytes each)
    const e = error('{ s = "日本"; b = ; }');
    expect([e.line, e.column]).toEqual([1, 21]);
  });

  it('counts lines after comments in Japanese, Cyrillic and emoji', () => {
    const e = error('# 設定\n# Привет 🚀\n{\n  a = 1;\n  b = ]\n}');
    expect([e.line, e.column]).toEqual([5, 7]);
  });

  it('counts CR LF as one line break', () => {
    const e = error('{\r\n  a = 1;\r\n  b = ;\r\n}');
    expect([e.line, e.column]).toEqual([3, 7]);
  });

  it('reports a non-ASCII byte in code by its value, on one line', () => {
    const e = error('{ ä = 1; }');
    expect([e.line, e.column]).toEqual([1, 3]);
    expect(e.detail).toBe('unexpected character byte 0xc3');
  });

  it('keeps messages on one line even for odd tokens', () => {
    for (const source of ["x.''a\nb''", "{ a = ''\n\n''; } ;", 'x\n\n\x01', '[ 1 ]\n# c\n  )', '{ a = "a\nb" }']) {
      const e = error(source);
      expect(e.message).not.toMatch(/[\n\r]/);
    }
  });

  it('is thrown the same way by parseBytes and parseByteString', () => {
    const bytes = Buffer.from('# é\n{ x = ; }', 'utf8');
    const a = error('', () => parseBytes(bytes, 'bad.nix'));
    const b = error('', () => parseByteString(bytes.toString('latin1'), 'bad.nix'));
    expect([a.line, a.column, a.detail]).toEqual([2, 7, "unexpected ';', expected an expression"]);
    expect([b.line, b.column, b.detail]).toEqual([a.line, a.column, a.detail]);
  });

  it('turns very deep nesting into a syntax error instead of a crash', () => {
    const deep = '['.repeat(200000) + ']'.repeat(200000);
    const e = error(deep);
    expect(e.detail).toBe('expression nested too deeply');
  });
});
