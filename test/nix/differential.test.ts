// Differential test against Nix itself: for every .nix file in the
// repository (and the corpus in test/fixtures/nix-syntax) and for a few
// hundred generated expressions and mutations of them, our parser accepts
// exactly what `nix-instantiate --parse` accepts, and where both accept,
// printNormalized prints what Nix prints.
//
// How the comparison is made:
// - Undefined variables: Nix's parser rejects them (a scope check, not
//   syntax), so every input is given to Nix as `with {}; <input>` and the
//   `(with { }; ...)` around its output is stripped (see support.ts).
// - Attribute order: Nix 2.8 sorts a set's attributes by name when it
//   prints them, and printNormalized does too, so sets compare exactly.
//   `let` bindings and `{ ... }:` arguments are printed by Nix in the order
//   of its symbol table's addresses, which no rule of the input decides;
//   both outputs are put through canonicalOrder (support.ts), which sorts
//   those two lists by name, before comparing.
// - Paths: Nix reads every input from a file in a scratch directory (see
//   nixParseMany), so relative paths resolve against that directory; HOME
//   is another scratch directory. printNormalized gets the same two.
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { printNormalized } from '../../src/nix/normalize.js';
import { parseByteString } from '../../src/nix/parser.js';
import { NixSyntaxError } from '../../src/nix/syntax.js';
import { ExprGenerator } from './generator.js';
import { canonicalOrder, findNixFiles, nix, nixParseMany, repoRoot, type NixResult } from './support.js';

const skip = !nix.available && !nix.required;
if (skip) {
  console.warn(
    'Skipping the differential Nix parser tests: nix-instantiate is not on PATH ' +
      "(install Debian's nix-bin; CI=1 or TUNE_WIZARD_REQUIRE_NIX=1 makes this a failure).",
  );
}

interface Case {
  name: string;
  text: string; // byte string
}

type Ours = { ok: true; printed: string } | { ok: false; error: NixSyntaxError };

function ours(c: Case, dir: string, home: string): Ours {
  try {
    const tree = parseByteString(c.text, c.name);
    return { ok: true, printed: printNormalized(tree, { baseDir: dir, home }) };
  } catch (e) {
    if (e instanceof NixSyntaxError) return { ok: false, error: e };
    throw e;
  }
}

const clip = (s: string) => (s.length > 400 ? s.slice(0, 400) + '...' : s);

/** Compares both sides; returns a description of each disagreement. */
async function compare(cases: Case[], home: string): Promise<{ problems: string[]; stats: Record<string, number> }> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'tune-wizard-nix-cases-')));
  let results: NixResult[];
  try {
    results = await nixParseMany(cases.map((c) => c.text), dir, home);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const problems: string[] = [];
  const stats = { valid: 0, invalid: 0, exact: 0 };
  cases.forEach((c, i) => {
    const theirs = results[i]!;
    const mine = ours(c, dir, home);
    if (mine.ok !== theirs.ok) {
      problems.push(
        `${c.name}: nix ${theirs.ok ? 'accepts' : 'rejects'} it, we ${mine.ok ? 'accept' : `reject (${mine.error.message})`}` +
          `\n  input: ${clip(JSON.stringify(c.text))}\n  nix: ${clip(theirs.ok ? theirs.stdout : theirs.stderr.trim())}`,
      );
      return;
    }
    if (!mine.ok) {
      stats.invalid++;
      return;
    }
    stats.valid++;
    if (mine.printed === theirs.stdout) stats.exact++;
    else if (canonicalOrder(mine.printed) !== canonicalOrder(theirs.stdout)) {
      problems.push(`${c.name}: printed forms differ\n  input: ${clip(JSON.stringify(c.text))}\n  nix : ${clip(theirs.stdout)}\n  ours: ${clip(mine.printed)}`);
    }
  });
  return { problems, stats };
}

describe.skipIf(skip)('differential: our parser against nix-instantiate --parse', () => {
  const home = mkdtempSync(join(tmpdir(), 'tune-wizard-nix-home-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('has nix-instantiate (CI and TUNE_WIZARD_REQUIRE_NIX=1 require it)', () => {
    expect(nix.available, 'nix-instantiate is not on PATH').toBe(true);
  });

  it('agrees on every .nix file in the repository', async () => {
    const cases = findNixFiles().map((file) => ({
      name: relative(repoRoot, file),
      text: readFileSync(file).toString('latin1'),
    }));
    const { problems, stats } = await compare(cases, home);
    console.log(`differential, repository files: ${cases.length} compared`, stats);
    expect(cases.length).toBeGreaterThan(12);
    expect(problems).toEqual([]);
  });

  it('agrees on generated expressions and their mutations', async () => {
    const gen = new ExprGenerator(0x5eed);
    const cases: Case[] = [];
    for (let i = 0; i < 300; i++) {
      const pieces = gen.expression(i % 5 === 0 ? 5 : 3);
      cases.push({ name: `generated #${i}`, text: gen.render(pieces) });
      cases.push({ name: `mutated #${i}`, text: gen.render(gen.mutate(pieces)) });
    }
    const { problems, stats } = await compare(cases, home);
    console.log(`differential, generated: ${cases.length} compared`, stats);
    expect(stats.valid).toBeGreaterThan(150);
    expect(stats.invalid).toBeGreaterThan(150);
    expect(problems).toEqual([]);
  });
});
