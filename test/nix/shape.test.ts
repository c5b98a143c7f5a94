// Tree shapes for the node kinds the editing code navigates, with exact
// byte offsets, child order and parent links.
import { describe, expect, it } from 'vitest';
import { parseText } from '../../src/nix/parser.js';
import { childNodes, childTokens, walk, type Node, type SyntaxTree } from '../../src/nix/syntax.js';

/** A compact rendering: Kind[start,end](children...), tokens as their kind in quotes where they matter. */
function shape(node: Node): string {
  const inner = node.children
    .map((c) => {
      if (c.type === 'node') return shape(c);
      if (c.kind === 'whitespace' || c.kind === 'line_comment' || c.kind === 'block_comment') return '';
      return `'${c.text}'`;
    })
    .filter((s) => s !== '')
    .join(' ');
  return `${node.kind}[${node.start},${node.end}](${inner})`;
}

function parse(source: string): SyntaxTree {
  return parseText(source, 'shape.nix');
}

function expr(tree: SyntaxTree): Node {
  return childNodes(tree.root)[0]!;
}

function first(tree: SyntaxTree, kind: string): Node {
  const found = [...walk(tree.root)].find((n) => n.kind === kind);
  if (!found) throw new Error(`no ${kind}`);
  return found;
}

describe('tree shapes', () => {
  it('Root holds leading and trailing trivia around one expression', () => {
    const tree = parse('  # hi\n x \n');
    expect(tree.root.children.map((c) => c.kind)).toEqual(['whitespace', 'line_comment', 'whitespace', 'Ident', 'whitespace']);
    expect(tree.root.start).toBe(0);
    expect(tree.root.end).toBe(11);
    expect(expr(tree).parent).toBe(tree.root);
    expect(tree.root.parent).toBeUndefined();
  });

  it('AttrSet with Binding, dotted Attrpath, Inherit and InheritFrom', () => {
    const tree = parse('{ a.b.c = 1; inherit x "y"; inherit (lib) mkIf; }');
    expect(shape(expr(tree))).toBe(
      "AttrSet[0,49]('{' " +
        "Binding[2,12](Attrpath[2,7](Ident[2,3]('a') '.' Ident[4,5]('b') '.' Ident[6,7]('c')) '=' Literal[10,11]('1') ';') " +
        "Inherit[13,27]('inherit' Ident[21,22]('x') String[23,26]('\"' 'y' '\"') ';') " +
        "Inherit[28,47]('inherit' InheritFrom[36,41]('(' Ident[37,40]('lib') ')') Ident[42,46]('mkIf') ';') '}')",
    );
  });

  it('keeps trivia inside the node between its tokens, outside at its edges', () => {
    const tree = parse('{ a /* c */ = 1 ; }');
    const binding = first(tree, 'Binding');
    expect(binding.start).toBe(2);
    expect(binding.end).toBe(17);
    expect(binding.children.map((c) => c.kind)).toEqual([
      'Attrpath', 'whitespace', 'block_comment', 'whitespace', 'assign', 'whitespace', 'Literal', 'whitespace', 'semicolon',
    ]);
    const set = expr(tree);
    expect(set.children.map((c) => c.kind)).toEqual(['l_brace', 'whitespace', 'Binding', 'whitespace', 'r_brace']);
  });

  it('quoted and interpolated attribute names', () => {
    const tree = parse('{ "x.y" = 1; ${n}.z = 2; }');
    const [quoted, dynamic] = childNodes(expr(tree)).map((b) => childNodes(b)[0]!);
    expect(shape(quoted!)).toBe(`Attrpath[2,7](String[2,7]('"' 'x.y' '"'))`);
    expect(shape(dynamic!)).toBe(`Attrpath[13,19](Interpol[13,17]('\${' Ident[15,16]('n') '}') '.' Ident[18,19]('z'))`);
  });

  it('rec sets and both kinds of let', () => {
    expect(shape(expr(parse('rec { a = 1; }')))).toBe(
      "AttrSet[0,14]('rec' '{' Binding[6,12](Attrpath[6,7](Ident[6,7]('a')) '=' Literal[10,11]('1') ';') '}')",
    );
    expect(shape(expr(parse('let a = 1; in a')))).toBe(
      "LetIn[0,15]('let' Binding[4,10](Attrpath[4,5](Ident[4,5]('a')) '=' Literal[8,9]('1') ';') 'in' Ident[14,15]('a'))",
    );
    expect(shape(expr(parse('let { body = 1; }')))).toBe(
      "LegacyLet[0,17]('let' '{' Binding[6,15](Attrpath[6,10](Ident[6,10]('body')) '=' Literal[13,14]('1') ';') '}')",
    );
  });

  it('With, Assert and If', () => {
    expect(shape(expr(parse('with lib; x')))).toBe("With[0,11]('with' Ident[5,8]('lib') ';' Ident[10,11]('x'))");
    expect(shape(expr(parse('assert a; b')))).toBe("Assert[0,11]('assert' Ident[7,8]('a') ';' Ident[10,11]('b'))");
    expect(shape(expr(parse('if a then b else c')))).toBe(
      "If[0,18]('if' Ident[3,4]('a') 'then' Ident[10,11]('b') 'else' Ident[17,18]('c'))",
    );
  });

  it('Lambda with an Ident or a Pattern, @ on either side, defaults, ellipsis, trailing comma', () => {
    expect(shape(expr(parse('x: x')))).toBe("Lambda[0,4](Ident[0,1]('x') ':' Ident[3,4]('x'))");
    expect(shape(expr(parse('{ pkgs, lib ? null, ... }@args: 1')))).toBe(
      "Lambda[0,33](Pattern[0,30]('{' PatEntry[2,6](Ident[2,6]('pkgs')) ',' " +
        "PatEntry[8,18](Ident[8,11]('lib') '?' Ident[14,18]('null')) ',' '...' '}' '@' Ident[26,30]('args')) ':' Literal[32,33]('1'))",
    );
    expect(shape(first(parse('args @ { a, }: a'), 'Pattern'))).toBe(
      "Pattern[0,13](Ident[0,4]('args') '@' '{' PatEntry[9,10](Ident[9,10]('a')) ',' '}')",
    );
    const curried = expr(parse('{ inputs, ... }: { lib, ... }: { }'));
    expect(curried.kind).toBe('Lambda');
    expect(childNodes(curried)[1]!.kind).toBe('Lambda');
  });

  it('Apply is binary and left-nested', () => {
    expect(shape(expr(parse('f a b')))).toBe(
      "Apply[0,5](Apply[0,3](Ident[0,1]('f') Ident[2,3]('a')) Ident[4,5]('b'))",
    );
    expect(shape(expr(parse('map or [ ]')))).toBe(
      "Apply[0,10](Apply[0,6](Ident[0,3]('map') Ident[4,6]('or')) List[7,10]('[' ']'))",
    );
  });

  it('Select with a default, HasAttr, unary minus over a literal, Paren', () => {
    expect(shape(expr(parse('a.b."c" or d')))).toBe(
      "Select[0,12](Ident[0,1]('a') '.' Attrpath[2,7](Ident[2,3]('b') '.' String[4,7]('\"' 'c' '\"')) 'or' Ident[11,12]('d'))",
    );
    expect(shape(expr(parse('x ? a.b')))).toBe("HasAttr[0,7](Ident[0,1]('x') '?' Attrpath[4,7](Ident[4,5]('a') '.' Ident[6,7]('b')))");
    expect(shape(expr(parse('-1')))).toBe("UnaryOp[0,2]('-' Literal[1,2]('1'))");
    expect(shape(expr(parse('( 1 )')))).toBe("Paren[0,5]('(' Literal[2,3]('1') ')')");
  });

  it('operators follow Nix precedence and associativity', () => {
    const ops = (source: string) => shape(expr(parse(source))).replace(/\[\d+,\d+\]/g, '');
    expect(ops('a + b * c')).toBe("BinOp(Ident('a') '+' BinOp(Ident('b') '*' Ident('c')))");
    expect(ops('a - b - c')).toBe("BinOp(BinOp(Ident('a') '-' Ident('b')) '-' Ident('c'))");
    expect(ops('a ++ b ++ c')).toBe("BinOp(Ident('a') '++' BinOp(Ident('b') '++' Ident('c')))");
    expect(ops('a // b // c')).toBe("BinOp(Ident('a') '//' BinOp(Ident('b') '//' Ident('c')))");
    expect(ops('a -> b -> c')).toBe("BinOp(Ident('a') '->' BinOp(Ident('b') '->' Ident('c')))");
    expect(ops('!a && b')).toBe("BinOp(UnaryOp('!' Ident('a')) '&&' Ident('b'))");
    expect(ops('!a + b')).toBe("UnaryOp('!' BinOp(Ident('a') '+' Ident('b')))");
    expect(ops('-a ? b')).toBe("HasAttr(UnaryOp('-' Ident('a')) '?' Attrpath(Ident('b')))");
    expect(ops('a == b || c < d')).toBe("BinOp(BinOp(Ident('a') '==' Ident('b')) '||' BinOp(Ident('c') '<' Ident('d')))");
  });

  it('List elements are select expressions', () => {
    expect(shape(expr(parse('[ a.b (f x) "s" ]')))).toBe(
      "List[0,17]('[' Select[2,5](Ident[2,3]('a') '.' Attrpath[4,5](Ident[4,5]('b'))) " +
        "Paren[6,11]('(' Apply[7,10](Ident[7,8]('f') Ident[9,10]('x')) ')') String[12,15]('\"' 's' '\"') ']')",
    );
  });

  it('String and IndentedString with Interpol, escapes kept verbatim', () => {
    expect(shape(expr(parse('"a\\n${b}c"')))).toBe(
      `String[0,10]('"' 'a\\n' Interpol[4,8]('\${' Ident[6,7]('b') '}') 'c' '"')`,
    );
    const ind = expr(parse("''\n  x ''$ ${y}\n''"));
    expect(ind.kind).toBe('IndentedString');
    expect(ind.start).toBe(0);
    expect(ind.end).toBe(18);
    expect(childTokens(ind).map((t) => `${t.kind}:${JSON.stringify(t.text)}`)).toEqual([
      `quote2:"''"`, 'str_content:"\\n"', 'str_content:"  x "', `str_content:"''$"`, 'str_content:" "', `str_content:"\\n"`, `quote2:"''"`,
    ]);
    expect(shape(childNodes(ind)[0]!)).toBe("Interpol[11,15]('${' Ident[13,14]('y') '}')");
  });

  it('Path fragments with interpolation, search paths and URIs', () => {
    expect(shape(expr(parse('./hosts/${name}/default.nix')))).toBe(
      "Path[0,27]('./hosts/' Interpol[8,15]('${' Ident[10,14]('name') '}') '/default.nix')",
    );
    expect(shape(expr(parse('<nixpkgs>')))).toBe("SearchPath[0,9]('<nixpkgs>')");
    expect(shape(expr(parse('https://x.org/y')))).toBe("Literal[0,15]('https://x.org/y')");
    expect(shape(expr(parse('~/a ./b')))).toBe("Apply[0,7](Path[0,3]('~/a') Path[4,7]('./b'))");
  });

  it('parent links point to the enclosing node everywhere', () => {
    const tree = parse('{ config, ... }: { a = [ (x: x.y) ]; }');
    for (const node of walk(tree.root)) {
      for (const child of childNodes(node)) expect(child.parent).toBe(node);
    }
  });
});
