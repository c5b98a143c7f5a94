// One run at a time per configuration. The lock is a file in the state
// directory, named after the flake's real path and created whole with
// link(2), which fails if it exists. A lock whose process is gone is taken
// over: the taker first claims that exact lock (by inode and content) with a
// second exclusive file, so two takers can never both remove it.
import { constants } from 'node:fs';
import { link, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';

import { UserError } from '../errors.js';
import { randomHex, sha256Hex } from '../system/crypto.js';
import { formatTime } from '../system/local-time.js';
import { ensurePrivateDir } from './journal-files.js';

export interface LockHolder {
  pid: number;
  runId: string;
  command: string;
  startedAt: string;
}

export interface HeldLock {
  file: string;
  /** The dead run whose lock this one replaced, if any. */
  tookOverFrom: LockHolder | undefined;
  release(): Promise<void>;
}

interface SeenLock {
  holder: LockHolder | undefined;
  text: string;
  ino: number;
}

const ATTEMPTS = 50;

export function lockFileFor(stateDir: string, flake: string): string {
  const key = sha256Hex(flake).slice(0, 16);
  return path.join(stateDir, 'locks', `${key}.lock`);
}

export async function acquireLock(stateDir: string, flake: string, holder: LockHolder): Promise<HeldLock> {
  const file = lockFileFor(stateDir, flake);
  await ensurePrivateDir(path.dirname(file));
  const text = `${JSON.stringify({ ...holder, flake })}\n`;
  const temp = `${file}.${process.pid}-${randomHex(4)}`;
  await writeDurably(temp, text);

  let tookOverFrom: LockHolder | undefined;
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (await tryLink(temp, file)) {
        return { file, tookOverFrom, release: () => releaseLock(file, text) };
      }
      const seen = await readLock(file);
      if (!seen) continue;
      if (seen.holder && isAlive(seen.holder.pid)) throw heldError(flake, seen.holder, file);
      const outcome = await takeOver(file, seen);
      if (outcome === 'removed') tookOverFrom = seen.holder;
      if (outcome === 'busy') await sleep(20);
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  throw new UserError(
    `could not take the lock ${file} for ${flake}; if no tune-wizard run is active, delete it and any ${path.basename(file)}.takeover-* next to it, then run again.`,
  );
}

/** Who holds the lock of a flake, if anyone still alive does. */
export async function findLiveHolder(stateDir: string, flake: string): Promise<LockHolder | undefined> {
  const seen = await readLock(lockFileFor(stateDir, flake));
  return seen?.holder && isAlive(seen.holder.pid) ? seen.holder : undefined;
}

/** removed: this process removed the stale lock; gone: someone else did; busy: another taker is at it. */
async function takeOver(file: string, stale: SeenLock): Promise<'removed' | 'gone' | 'busy'> {
  const claim = `${file}.takeover-${stale.ino}-${sha256Hex(stale.text).slice(0, 12)}`;
  const mine = `${claim}.${process.pid}-${randomHex(4)}`;
  await writeDurably(mine, `${process.pid}\n`);
  try {
    if (!(await tryLink(mine, claim))) return 'busy';
  } finally {
    await unlink(mine).catch(() => undefined);
  }
  try {
    const now = await readLock(file);
    if (!now || now.ino !== stale.ino || now.text !== stale.text) return 'gone';
    await unlink(file);
    return 'removed';
  } finally {
    await unlink(claim).catch(() => undefined);
  }
}

async function releaseLock(file: string, text: string): Promise<void> {
  const now = await readFile(file, 'utf8').catch(() => undefined);
  if (now === text) await unlink(file).catch(() => undefined);
}

async function readLock(file: string): Promise<SeenLock | undefined> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const { ino } = await handle.stat();
    const text = await handle.readFile('utf8');
    return { holder: parseHolder(text), text, ino };
  } finally {
    await handle.close();
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    return typeof value.pid === 'number' ? (value as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

async function tryLink(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function writeDurably(file: string, text: string): Promise<void> {
  const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function heldError(flake: string, holder: LockHolder, file: string): UserError {
  return new UserError(
    `another tune-wizard run is working on ${flake}: pid ${holder.pid} (\`tune-wizard ${holder.command}\`, run ${holder.runId}, started ${formatTime(holder.startedAt)}). Wait for it to finish or stop it, then run again. If that process is not tune-wizard, delete ${file}.`,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
