// The per-flake lock on a temporary state directory.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { acquireLock, lockFileFor, type LockHolder } from '../../src/journal/run-lock.js';
import { formatTime } from '../../src/system/local-time.js';

let stateDir: string;
beforeEach(() => {
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'tune-wizard-lock-'));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

const flake = '/etc/nixos';
const holder = (runId: string, pid = process.pid): LockHolder => ({ pid, runId, command: 'rollback', startedAt: '2025-11-22T10:00:00.000Z' });

/** The pid of a process that has exited. */
function deadPid(): number {
  return Number(execFileSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).trim());
}

function writeStaleLock(pid: number): void {
  const file = lockFileFor(stateDir, flake);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ ...holder('stale-run', pid), flake }));
}

describe('the run lock', () => {
  it('refuses a second run and names the process that holds the lock', async () => {
    const first = await acquireLock(stateDir, flake, holder('run-1'));

    await expect(acquireLock(stateDir, flake, holder('run-2'))).rejects.toThrow(
      `another tune-wizard run is working on ${flake}: pid ${process.pid} (\`tune-wizard rollback\`, run run-1, started ${formatTime('2025-11-22T10:00:00.000Z')})`,
    );

    await first.release();
    const again = await acquireLock(stateDir, flake, holder('run-3'));
    await again.release();
  });

  it('keys the lock by flake: two flakes can run at once', async () => {
    const one = await acquireLock(stateDir, '/etc/nixos', holder('a'));
    const two = await acquireLock(stateDir, '/home/kc/nixos', holder('b'));
    await one.release();
    await two.release();
  });

  it('takes over the lock of a process that is gone and says whose it was', async () => {
    const pid = deadPid();
    writeStaleLock(pid);

    const lock = await acquireLock(stateDir, flake, holder('run-new'));

    expect(lock.tookOverFrom).toMatchObject({ pid, runId: 'stale-run' });
    await expect(acquireLock(stateDir, flake, holder('run-other'))).rejects.toThrow(`pid ${process.pid}`);
    await lock.release();
  });

  it('gives a stale lock to exactly one of many racing takers', async () => {
    writeStaleLock(deadPid());

    const results = await Promise.allSettled(Array.from({ length: 24 }, (_, i) => acquireLock(stateDir, flake, holder(`racer-${i}`))));

    const winners = results.filter((r) => r.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((r) => r.status === 'rejected')) {
      expect(String(loser.reason)).toContain('another tune-wizard run is working on');
    }
    await (winners[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLock>>>).value.release();
    expect(readdirSync(path.dirname(lockFileFor(stateDir, flake)))).toEqual([]);
  });

  it('release leaves a lock that is no longer its own', async () => {
    const lock = await acquireLock(stateDir, flake, holder('mine'));
    writeFileSync(lock.file, JSON.stringify({ ...holder('someone-else'), flake }));

    await lock.release();

    expect(readdirSync(path.dirname(lock.file))).toEqual([path.basename(lock.file)]);
  });
});
