// The fixture library (test/fixtures/configs, see test/support/fixture-cases.ts):
// each case's input/ is copied to a temporary directory and the BUILT CLI is
// run on it as a user would (`--yes --no-rebuild`, the tuned sysroot), twice.
// Then:
//   - the exit code is the case's;
//   - exactly the case's files changed, each equal to expected/ byte for byte;
//   - the output names what the case says it must (notes);
//   - the second run changes nothing and says so ("Nothing to change", or
//     "Nothing changed by tune-wizard" when something is left for the user);
//   - with nix-instantiate: every .nix file of the result parses, and the
//     effective values, computed by the module-system harness
//     (test/harness through test/support/nix-eval.ts), are the case's.
// A case with "pending" in case.json shows as a todo with the reason in its
// title: the tool cannot do it yet. Build first (npm test does):
// npx tsc -p tsconfig.json.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  changedFiles,
  describeRun,
  expectedFiles,
  limiter,
  loadCases,
  nixFiles,
  runCase,
  type CaseRun,
  type FixtureCase,
} from '../support/fixture-cases.js';
import { evaluateOptions } from '../support/nix-eval.js';
import { hasNix, nixParseError, nixRequired } from '../support/nix-tool.js';
import { cliPath } from '../support/sandbox.js';

const cases = loadCases();

// nix-tool.ts already fails the run when CI requires Nix and it is missing;
// otherwise the Nix checks are listed as skipped, with the reason.
const NO_NIX = 'skipped: nix-instantiate is not on PATH (install nix-bin; CI requires it)';
const itNix = hasNix || nixRequired ? it.concurrent : it.skip;
const nixTitle = (title: string): string => (hasNix || nixRequired ? title : `${title} (${NO_NIX})`);

// Every case runs once (two CLI processes), shared by its tests; all of them
// start together in beforeAll, a few at a time, so the file stays fast.
const runs = new Map<string, Promise<CaseRun>>();
const slot = limiter(Math.max(4, 2 * os.availableParallelism()));
function runOf(c: FixtureCase): Promise<CaseRun> {
  let run = runs.get(c.name);
  if (!run) {
    run = slot(() => runCase(c));
    runs.set(c.name, run);
  }
  return run;
}

beforeAll(() => {
  if (!existsSync(cliPath)) {
    throw new Error(`${cliPath} is missing: build first (npx tsc -p tsconfig.json, or npm test).`);
  }
  for (const c of cases) if (!c.pending) void runOf(c).catch(() => undefined);
});

afterAll(async () => {
  for (const run of runs.values()) (await run.catch(() => undefined))?.cleanup();
});

describe('the fixture library', () => {
  it('has at least 40 cases, each with an input flake and a well-formed case.json', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    for (const c of cases) {
      expect(existsSync(path.join(c.dir, 'input/flake.nix')), `${c.name}: input/flake.nix`).toBe(true);
      expect(typeof c.host, `${c.name}: host`).toBe('string');
      expect(['rollback', 'reenable'], `${c.name}: command`).toContain(c.command[0]);
      expect([...expectedFiles(c).keys()].sort(), `${c.name}: expected/ holds exactly the files in "changes"`).toEqual(
        c.exitCode === 0 ? c.changes : [],
      );
    }
  });
});

for (const c of cases) {
  const label = `${c.name} (${c.command.join(' ')} #${c.host})`;

  if (c.pending) {
    describe(label, () => {
      it.todo(`PENDING: ${c.pending}`);
    });
    continue;
  }

  describe.concurrent(label, () => {
    it(`exit ${c.exitCode}; changes exactly ${c.changes.length ? c.changes.join(', ') : 'nothing'}, byte for byte; says what it must`, async () => {
      const run = await runOf(c);
      const { first } = run;
      expect(first.output, 'an unexpected error').not.toContain('unexpected error');
      expect(first.exitCode, describeRun(first)).toBe(c.exitCode);
      expect(changedFiles(run.before, run.afterFirst), describeRun(first)).toEqual(c.changes);
      for (const [file, bytes] of expectedFiles(c)) {
        const actual = run.afterFirst.get(file);
        expect(actual?.toString('utf8'), `${file} differs from expected/${file}`).toBe(bytes.toString('utf8'));
        expect(actual?.equals(bytes), `${file}: bytes differ from expected/${file}`).toBe(true);
      }
      for (const note of c.notes) {
        expect(first.output, `the output should contain ${JSON.stringify(note)}`).toContain(note);
      }
    });

    it('a second run changes nothing', async () => {
      const run = await runOf(c);
      const { second } = run;
      expect(changedFiles(run.afterFirst, run.afterSecond), describeRun(second)).toEqual([]);
      if (c.exitCode === 0) {
        expect(second.exitCode, describeRun(second)).toBe(0);
        // With something left for the user (a hand edit, a place tune-wizard
        // could not read) the run may not claim the configuration already
        // says it all, only that it changed nothing.
        expect(second.output, describeRun(second)).toMatch(/Nothing to change|Nothing changed by tune-wizard; see what is left for you below/);
      } else {
        expect(second.exitCode, describeRun(second)).toBe(c.exitCode);
      }
    });

    itNix(nixTitle('every .nix file of the result parses (nix-instantiate --parse)'), async () => {
      const run = await runOf(c);
      const errors = nixFiles(run.afterFirst)
        .map((file) => [file, nixParseError(path.join(run.flake, file))] as const)
        .filter(([, error]) => error !== undefined);
      expect(errors).toEqual([]);
    });

    if (c.values && Object.keys(c.values).length > 0) {
      const values = c.values;
      const title = `effective values: ${Object.entries(values)
        .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
        .join(', ')}`;
      if (c.valuesPending) {
        it.todo(`${title} (PENDING: ${c.valuesPending})`);
      } else {
        itNix(nixTitle(title), async () => {
          const run = await runOf(c);
          const got = await evaluateOptions(run.flake, c.host, Object.keys(values));
          expect(got).toEqual(values);
        });
      }
    }
  });
}
