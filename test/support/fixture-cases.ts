// The fixture library in test/fixtures/configs: one directory per case,
//   input/      a flake and its modules, as a user has them
//   expected/   the exact bytes of every file the command must change
//   case.json   host, command, which files change, the effective values
//               after, substrings the output must contain, the exit code,
//               and `pending` when the tool cannot do the case yet
// and a way to run the built CLI on a throwaway copy of a case, twice.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { execa } from 'execa';

import { changedFiles, cliPath, repoRoot, snapshot, stubBin, sysrootFixture } from './sandbox.js';

export const configsDir = path.join(repoRoot, 'test/fixtures/configs');

export interface FixtureCase {
  /** The directory name, e.g. "07-mkif-plain". */
  name: string;
  dir: string;
  /** What the case covers, one line. */
  about: string;
  host: string;
  /** ["rollback"] or ["reenable", "./path"]. */
  command: string[];
  /** Paths relative to the flake that must change, sorted. */
  changes: string[];
  /** Effective option values after the run, by dotted option name. */
  values?: Record<string, unknown>;
  /** Substrings the output (stdout + stderr) must contain. */
  notes: string[];
  exitCode: number;
  /** Why the tool cannot do this case yet: the case is reported as pending. */
  pending?: string;
  /** Why the value check cannot run yet (a harness limit, not the tool's). */
  valuesPending?: string;
}

export function loadCases(): FixtureCase[] {
  return readdirSync(configsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const dir = path.join(configsDir, name);
      const raw = JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8')) as Omit<FixtureCase, 'name' | 'dir'>;
      return {
        ...raw,
        name,
        dir,
        notes: raw.notes ?? [],
        changes: [...(raw.changes ?? [])].sort(),
        exitCode: raw.exitCode ?? 0,
      };
    });
}

/** Every file under the case's expected/, relative path → bytes. */
export function expectedFiles(c: FixtureCase): Map<string, Buffer> {
  const dir = path.join(c.dir, 'expected');
  return existsSync(dir) ? snapshot(dir) : new Map();
}

export interface CliResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** stdout + stderr, with the temporary flake path replaced by <flake>. */
  output: string;
}

export interface CaseRun {
  /** The temporary flake the case ran on (input/ copied). */
  flake: string;
  before: Map<string, Buffer>;
  first: CliResult;
  afterFirst: Map<string, Buffer>;
  second: CliResult;
  afterSecond: Map<string, Buffer>;
  cleanup(): void;
}

async function runOnce(c: FixtureCase, flake: string, stateHome: string): Promise<CliResult> {
  const args = [
    cliPath,
    ...c.command,
    '--yes',
    '--no-rebuild',
    '--flake',
    `${flake}#${c.host}`,
    '--sysroot',
    sysrootFixture('tuned'),
  ];
  const result = await execa(process.execPath, args, {
    reject: false,
    stdin: 'ignore',
    timeout: 30_000,
    extendEnv: false,
    env: {
      // The stand-in nixos-rebuild and sudo come first, so that nothing real
      // could ever run even if --no-rebuild were ignored.
      PATH: `${stubBin}${path.delimiter}${process.env.PATH ?? ''}`,
      NO_COLOR: '1',
      XDG_STATE_HOME: stateHome,
      HOME: stateHome,
    },
  });
  const stdout = String(result.stdout);
  const stderr = String(result.stderr);
  const output = `${stdout}\n${stderr}`.split(flake).join('<flake>');
  return { exitCode: result.exitCode, stdout, stderr, output };
}

/**
 * At most `n` cases run at once: each run is two CLI processes, and the
 * machine may have only a couple of cores.
 */
export function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** Copies input/ to a temporary directory and runs the case's command on it twice. */
export async function runCase(c: FixtureCase): Promise<CaseRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `tune-wizard-fixture-${c.name}-`));
  const flake = path.join(dir, 'flake');
  const stateHome = path.join(dir, 'state');
  cpSync(path.join(c.dir, 'input'), flake, { recursive: true });
  const before = snapshot(flake);
  const first = await runOnce(c, flake, stateHome);
  const afterFirst = snapshot(flake);
  const second = await runOnce(c, flake, stateHome);
  const afterSecond = snapshot(flake);
  return {
    flake,
    before,
    first,
    afterFirst,
    second,
    afterSecond,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export { changedFiles };

/** .nix files of a snapshot, relative paths. */
export function nixFiles(files: Map<string, Buffer>): string[] {
  return [...files.keys()].filter((f) => f.endsWith('.nix')).sort();
}

/** A short description of a CLI run for assertion messages. */
export function describeRun(run: CliResult): string {
  return `exit ${run.exitCode}\n--- output ---\n${run.output.trim()}`;
}
