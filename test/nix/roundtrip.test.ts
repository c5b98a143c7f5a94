// Lossless round trip: the tokens of the tree, printed in order, are the
// input bytes exactly, for every .nix file in the repository (found when
// the tests run, so files others add are covered) and for generated input.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseByteString, parseBytes, parseText } from '../../src/nix/parser.js';
import { NixSyntaxError, fromByteString, walk } from '../../src/nix/syntax.js';
import { ExprGenerator } from './generator.js';
import { corpusDir, findNixFiles, repoRoot } from './support.js';
import { printTokens, treeProblems } from './tree-check.js';

const files = findNixFiles();
const corpus = files.filter((f) => f.startsWith(corpusDir + '/'));

describe('round trip on every .nix file in the repository', () => {
  it('finds the corpus and other files', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(12);
    expect(files.length).toBeGreaterThan(corpus.length);
  });

  it.each(files.map((f) => [relative(repoRoot, f), f]))('%s', (_name, file) => {
    const bytes = readFileSync(file);
    let tree;
    try {
      tree = parseBytes(bytes, file);
    } catch (e) {
      // A file that does not parse must fail with a proper syntax error;
      // the differential test checks that Nix rejects it too.
      expect(e).toBeInstanceOf(NixSyntaxError);
      expect(corpus).not.toContain(file);
      return;
    }
    expect(printTokens(tree)).toBe(bytes.toString('latin1'));
    expect(treeProblems(tree)).toEqual([]);
  });
});

describe('round trip on generated expressions', () => {
  it('holds for every generated expression that parses', () => {
    const gen = new ExprGenerator(20240601);
    let parsed = 0;
    for (let i = 0; i < 1500; i++) {
      const pieces = gen.expression(4);
      const text = gen.render(i % 2 === 0 ? pieces : gen.mutate(pieces));
      let tree;
      try {
        tree = parseByteString(text, 'gen.nix');
      } catch (e) {
        if (!(e instanceof NixSyntaxError)) throw e;
        continue;
      }
      parsed++;
      expect(printTokens(tree)).toBe(text);
      expect(treeProblems(tree), text).toEqual([]);
    }
    expect(parsed).toBeGreaterThan(500);
  });
});

describe('byte offsets', () => {
  it('count bytes, not UTF-16 units, after non-ASCII comments', () => {
    const source = '# 日本語 — Кириллица 🚀\n{ a = 1; }\n';
    const tree = parseText(source, 'u.nix');
    const binding = [...walk(tree.root)].find((n) => n.kind === 'Binding')!;
    const prefix = Buffer.byteLength('# 日本語 — Кириллица 🚀\n{ ', 'utf8');
    expect(binding.start).toBe(prefix);
    expect(tree.position(binding.start)).toEqual({ line: 2, column: 3 });
    expect(fromByteString(printTokens(tree))).toBe(source);
  });

  it('are the same from parseText, parseBytes and parseByteString', () => {
    const file = `${corpusDir}/unicode-comments.nix`;
    const bytes = readFileSync(file);
    const a = parseBytes(bytes, file);
    const b = parseText(bytes.toString('utf8'), file);
    const c = parseByteString(bytes.toString('latin1'), file);
    const spans = (t: typeof a) => [...walk(t.root)].map((n) => `${n.kind}:${n.start}-${n.end}`);
    expect(spans(b)).toEqual(spans(a));
    expect(spans(c)).toEqual(spans(a));
    const sysctl = [...walk(a.root)].find((n) => n.kind === 'String' && a.text.slice(n.start, n.end) === '"vm.swappiness"')!;
    // after three comment lines in Japanese, Cyrillic and emoji, and a block comment
    expect(bytes.subarray(sysctl.start, sysctl.end).toString('utf8')).toBe('"vm.swappiness"');
    expect(a.position(sysctl.start).line).toBe(7);
  });

  it('keeps CRLF line endings and counts CR LF as one line break', () => {
    const file = `${corpusDir}/crlf.nix`;
    const bytes = readFileSync(file);
    expect(bytes.includes('\r\n')).toBe(true);
    const tree = parseBytes(bytes, file);
    expect(printTokens(tree)).toBe(bytes.toString('latin1'));
    const host = tree.text.indexOf('"crlf-host"');
    expect(tree.position(host)).toEqual({ line: 10, column: 25 });
  });

  it('position() finds lines by binary search at the edges', () => {
    const tree = parseByteString('a\n\nb\rc\r\n d', 'p.nix');
    expect(tree.position(0)).toEqual({ line: 1, column: 1 });
    expect(tree.position(1)).toEqual({ line: 1, column: 2 });
    expect(tree.position(2)).toEqual({ line: 2, column: 1 });
    expect(tree.position(3)).toEqual({ line: 3, column: 1 });
    expect(tree.position(5)).toEqual({ line: 4, column: 1 });
    expect(tree.position(7)).toEqual({ line: 4, column: 3 });
    expect(tree.position(8)).toEqual({ line: 5, column: 1 });
    expect(tree.position(9)).toEqual({ line: 5, column: 2 });
  });
});
