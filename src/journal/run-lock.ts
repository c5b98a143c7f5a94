// One run at a time per configuration. The lock is a file in the state
// directory, named after the flake's real path and created whole with
// link(2), which fails if it exists. A lock whose process is gone is taken
// over: the taker first claims that exact lock (by inode and content) with a
// second exclusive file, so two takers can never both remove it.
//
// The state directory is per user, so `sudo tune-wizard` (root's) and
// `tune-wizard` (yours) would not see each other's lock files. While it
// holds the lock a run therefore also binds a Linux abstract Unix socket
// named after the flake's real path: one name for every user (in the same
// network namespace), bound atomically, never a file, and released by the
// kernel when the process ends, even by kill -9. A second binder gets
// EADDRINUSE and asks the holder who it is.
import { constants } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { link, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';

import { UserError } from '../errors.js';
import { randomHex, sha256Hex } from '../system/crypto.js';
import { formatTime } from '../system/local-time.js';
import { isAlive } from '../system/process-identity.js';
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
        let shared: net.Server | undefined;
        try {
          shared = await claimSharedName(flake, { ...holder, stateDir });
        } catch (error) {
          await releaseLock(file, text);
          throw error;
        }
        const release = async (): Promise<void> => {
          shared?.close();
          await releaseLock(file, text);
        };
        return { file, tookOverFrom, release };
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

/** Who holds the shared name, as its holder tells it. */
interface SharedHolder extends LockHolder {
  stateDir: string;
  user?: string;
  uid?: number;
}

/** The abstract socket name for a flake (the leading NUL makes it abstract). */
export function sharedLockName(flake: string): string {
  return `\0tune-wizard-lock-${sha256Hex(flake).slice(0, 32)}`;
}

/**
 * Binds the flake's abstract socket name, which answers each connection
 * with this run's holder record. Undefined where the platform has no
 * abstract sockets (not Linux): the lock file alone then guards the run.
 */
async function claimSharedName(flake: string, holder: SharedHolder): Promise<net.Server | undefined> {
  const me = os.userInfo();
  const record = `${JSON.stringify({ ...holder, user: me.username, uid: me.uid })}\n`;
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end(record);
  });
  const outcome = await new Promise<'bound' | 'in-use' | 'unsupported'>((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE' ? 'in-use' : 'unsupported'));
    server.listen({ path: sharedLockName(flake), exclusive: true }, () => resolve('bound'));
  });
  if (outcome === 'unsupported') return undefined;
  if (outcome === 'in-use') throw sharedHeldError(flake, await askHolder(flake));
  server.unref();
  return server;
}

async function askHolder(flake: string): Promise<SharedHolder | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const socket = net.connect({ path: sharedLockName(flake) });
    const done = (value: SharedHolder | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done(undefined), 1000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => done(parseHolder(text) as SharedHolder | undefined));
    socket.on('error', () => done(undefined));
  });
}

function sharedHeldError(flake: string, holder: SharedHolder | undefined): UserError {
  if (!holder) {
    return new UserError(`another process holds tune-wizard's lock for ${flake} (the abstract socket ${sharedLockName(flake).slice(1)}) and did not say who it is. Wait for it to finish or stop it, then run again.`);
  }
  const user = holder.user ?? (holder.uid === undefined ? 'another user' : `uid ${holder.uid}`);
  return new UserError(
    `another tune-wizard run is working on ${flake}: pid ${holder.pid} as ${user} (\`tune-wizard ${holder.command}\`, run ${holder.runId}, started ${formatTime(holder.startedAt)}; its journal is in ${holder.stateDir}). Wait for it to finish or stop it, then run again.`,
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

function heldError(flake: string, holder: LockHolder, file: string): UserError {
  return new UserError(
    `another tune-wizard run is working on ${flake}: pid ${holder.pid} (\`tune-wizard ${holder.command}\`, run ${holder.runId}, started ${formatTime(holder.startedAt)}). Wait for it to finish or stop it, then run again. If that process is not tune-wizard, delete ${file}.`,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
