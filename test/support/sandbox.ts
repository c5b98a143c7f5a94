// A throwaway copy of the sample flake and a fixture sysroot, and a way to
// run the built CLI on them as a user would, with stand-in nixos-rebuild
// and sudo first on PATH.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { execa } from 'execa';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cliPath = path.join(repoRoot, 'dist/src/cli.js');
export const stubBin = path.join(repoRoot, 'test/support/bin');
export const sysrootFixture = (name: string): string => path.join(repoRoot, 'test/fixtures/sysroots', name);

export interface Sandbox {
  dir: string;
  flake: string;
  sysroot: string;
  log: string;
  /** XDG_STATE_HOME for the runs: the journal and locks land under it, never in the real home. */
  state: string;
  cleanup(): void;
}

export function makeSandbox(sysroot = 'tuned', example = 'examples/kernelcore'): Sandbox {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tune-wizard-test-'));
  const sandbox = {
    dir,
    flake: path.join(dir, 'flake'),
    sysroot: path.join(dir, 'sysroot'),
    log: path.join(dir, 'stub.log'),
    state: path.join(dir, 'state'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  cpSync(path.join(repoRoot, example), sandbox.flake, { recursive: true });
  cpSync(sysrootFixture(sysroot), sandbox.sysroot, { recursive: true });
  return sandbox;
}

export interface CliRun {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

export function startCli(sandbox: Sandbox, args: string[], env: Record<string, string> = {}) {
  // Our flags go before a `--`: what follows it is for nixos-rebuild.
  const dash = args.includes('--') ? args.indexOf('--') : args.length;
  // The sandbox's flake and sysroot, to the commands that use them (history uses neither, undo the run's flake).
  const command = args[0];
  const flake = args.slice(0, dash).includes('--flake') || command === 'history' || command === 'undo' ? [] : ['--flake', `${sandbox.flake}#kernelcore`];
  const sysroot = args.slice(0, dash).includes('--sysroot') || command === 'history' ? [] : ['--sysroot', sandbox.sysroot];
  const argv = [...args.slice(0, dash), ...flake, ...sysroot, ...args.slice(dash)];
  return execa(process.execPath, [cliPath, ...argv], {
    reject: false,
    stdin: 'ignore',
    env: {
      PATH: `${stubBin}${path.delimiter}${process.env.PATH ?? ''}`,
      NO_COLOR: '1',
      TW_STUB_LOG: sandbox.log,
      TW_STUB_SYSROOT: sandbox.sysroot,
      TW_STUB_SWITCH_STATE: sysrootFixture('rolled-back'),
      TUNE_WIZARD_MEMORY_INTERVAL_MS: '200',
      XDG_STATE_HOME: sandbox.state,
      // The build's temporary directory (a --mode build result stays) goes with the sandbox.
      TMPDIR: sandbox.dir,
      ...env,
    },
    extendEnv: false,
  });
}

export async function runCli(sandbox: Sandbox, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const result = await startCli(sandbox, args, env);
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Resolves once the running CLI has printed a line matching `pattern` on stderr. */
export function waitForOutput(child: ReturnType<typeof startCli>, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no output matching ${pattern}; got:\n${seen}`)), 20_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/** Every file under a directory, relative path → bytes. */
export function snapshot(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const visit = (sub: string): void => {
    for (const name of readdirSync(path.join(dir, sub))) {
      const rel = path.join(sub, name);
      if (statSync(path.join(dir, rel)).isDirectory()) visit(rel);
      else files.set(rel, readFileSync(path.join(dir, rel)));
    }
  };
  visit('');
  return files;
}

/** Relative paths whose bytes differ between two snapshots. */
export function changedFiles(before: Map<string, Buffer>, after: Map<string, Buffer>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((n) => !before.get(n)?.equals(after.get(n) ?? Buffer.alloc(0)) || !after.has(n)).sort();
}

/**
 * Processes still alive (zombies excluded) among those the stand-in
 * nixos-rebuild recorded in its TW_STUB_PIDFILE ("PID PGID" lines), and
 * any other member of their process groups.
 */
export function survivingStandIns(pidFile: string): number[] {
  if (!existsSync(pidFile)) return [];
  const recorded = readFileSync(pidFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split(' ').map(Number));
  const pids = new Set(recorded.map(([pid]) => pid!));
  // Only groups a stand-in leads: one started in tune-wizard's own group
  // shares it with the test runner.
  const groups = new Set(recorded.filter(([pid, pgid]) => pid === pgid).map(([, pgid]) => pgid!));
  const alive: number[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z') continue;
    if (pids.has(Number(name)) || groups.has(Number(pgrp))) alive.push(Number(name));
  }
  return alive;
}
