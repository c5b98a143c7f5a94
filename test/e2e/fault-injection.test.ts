// Kills `rollback --yes` with SIGKILL at every write boundary (through the
// test-only TUNE_WIZARD_TEST_KILL_AT hook) and at random moments, then
// checks that every file is wholly one of the states a completed write
// leaves, and that `undo` brings back the exact original bytes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { makeSandbox, runCli, snapshot, startCli, type Sandbox } from '../support/sandbox.js';

const RANDOM_KILLS = 8;
const PARALLEL = Math.max(4, os.availableParallelism() * 2);
const TEMP_FILE = /\.tune-wizard-[0-9a-f]{8}$/;

const hash = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Every state each file may be in: before the run, after each completed write. */
async function allowedStates(): Promise<{ original: Map<string, Buffer>; allowed: Map<string, Set<string>>; boundaries: string[] }> {
  const sandbox = makeSandbox('tuned');
  const partial = makeSandbox('tuned');
  try {
    const original = snapshot(sandbox.flake);
    const log = path.join(sandbox.dir, 'boundaries.log');
    const full = await runCli(sandbox, ['rollback', '--yes'], { TUNE_WIZARD_TEST_BOUNDARY_LOG: log });
    expect(full.exitCode).toBe(0);
    const zramOnly = await runCli(partial, ['rollback', '--yes', '--no-rebuild', '--only', 'zram']);
    expect(zramOnly.exitCode).toBe(0);

    const allowed = new Map<string, Set<string>>();
    for (const state of [original, snapshot(partial.flake), snapshot(sandbox.flake)]) {
      for (const [file, bytes] of state) allowed.set(file, (allowed.get(file) ?? new Set()).add(hash(bytes)));
    }
    const boundaries = readFileSync(log, 'utf8').trim().split('\n');
    return { original, allowed, boundaries };
  } finally {
    sandbox.cleanup();
    partial.cleanup();
  }
}

interface Outcome {
  killed: boolean;
  problems: string[];
}

async function killAndUndo(kill: { at: string } | { afterMs: number }, states: Awaited<ReturnType<typeof allowedStates>>): Promise<Outcome> {
  const sandbox: Sandbox = makeSandbox('tuned');
  const problems: string[] = [];
  try {
    const env: Record<string, string> = 'at' in kill ? { TUNE_WIZARD_TEST_KILL_AT: kill.at } : {};
    const child = startCli(sandbox, ['rollback', '--yes'], env);
    if ('afterMs' in kill) setTimeout(() => child.kill('SIGKILL'), kill.afterMs);
    const run = await child;
    const killed = run.signal === 'SIGKILL';
    const label = 'at' in kill ? `kill at boundary ${kill.at}` : `kill after ${kill.afterMs} ms`;

    for (const [file, bytes] of snapshot(sandbox.flake)) {
      if (TEMP_FILE.test(file)) continue;
      if (!states.allowed.get(file)?.has(hash(bytes))) problems.push(`${label}: ${file} is neither its old nor a new state`);
    }
    for (const file of states.original.keys()) {
      if (!snapshot(sandbox.flake).has(file)) problems.push(`${label}: ${file} is missing`);
    }

    const undo = await runCli(sandbox, ['undo', '--yes', '--no-rebuild']);
    if (undo.exitCode !== 0) problems.push(`${label}: undo exited ${undo.exitCode}: ${undo.stderr}`);
    const after = snapshot(sandbox.flake);
    const names = [...new Set([...after.keys(), ...states.original.keys()])];
    for (const name of names) {
      if (!after.get(name)?.equals(states.original.get(name) ?? Buffer.alloc(0)) || !states.original.has(name)) {
        problems.push(`${label}: after undo, ${name} differs from the original`);
      }
    }
    return { killed, problems };
  } finally {
    sandbox.cleanup();
  }
}

async function inPool<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: size }, worker));
  return results;
}

describe('killing rollback --yes with SIGKILL', () => {
  it('leaves every file wholly old or wholly new, and undo brings back the exact original bytes', async () => {
    const states = await allowedStates();
    expect(states.boundaries.length).toBeGreaterThan(20);

    const atBoundaries = states.boundaries.map((_, index) => ({ at: String(index + 1) }));
    const seed = Date.now() % 100_000;
    let value = seed;
    const random = (): number => ((value = (value * 48271) % 2147483647) / 2147483647);
    const atRandom = Array.from({ length: RANDOM_KILLS }, () => ({ afterMs: 150 + Math.floor(random() * 900) }));

    const outcomes = await inPool([...atBoundaries, ...atRandom], PARALLEL, (kill) => killAndUndo(kill, states));

    const kills = outcomes.filter((o) => o.killed).length;
    const boundaryKills = outcomes.slice(0, atBoundaries.length).filter((o) => o.killed).length;
    console.log(
      `fault injection: survived ${kills} SIGKILLs in ${outcomes.length} runs (${boundaryKills} at the ${atBoundaries.length} write boundaries, ${kills - boundaryKills} at random moments, seed ${seed})`,
    );
    expect(outcomes.flatMap((o) => o.problems)).toEqual([]);
    expect(boundaryKills).toBe(atBoundaries.length);
  }, 180_000);
});
