// Replaces a file's bytes so that readers (and a crash at any moment) see
// either the old bytes or the new ones, never a mix.
import { constants } from 'node:fs';
import { chown, lstat, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

import { UserError } from '../errors.js';
import { randomHex } from './crypto.js';
import { crossBoundary, injectedWriteError } from './test-hooks.js';

export interface WriteOptions {
  /** Mode of a file that does not exist yet (an existing file keeps its own). */
  mode?: number;
}

/** The prefix of the temporary files writeFileAtomic leaves only if it is killed. */
export function tempPrefix(target: string): string {
  return `.${path.basename(target)}.tune-wizard-`;
}

export async function writeFileAtomic(file: string, bytes: Uint8Array, options: WriteOptions = {}): Promise<void> {
  let temp: string | undefined;
  let dir = '';
  try {
    const target = await resolveSymlink(file);
    dir = path.dirname(target);
    const old = await stat(target).catch(() => undefined);
    const injected = injectedWriteError(target);
    if (injected && injected.code !== 'ENOSPC') throw injected;

    temp = path.join(dir, `${tempPrefix(target)}${randomHex(4)}`);
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, old?.mode ?? options.mode ?? 0o644);
    try {
      await handle.writeFile(bytes);
      if (injected) throw injected;
      await handle.chmod(old ? old.mode & 0o7777 : (options.mode ?? 0o644));
      if (old && process.getuid?.() === 0) await chown(temp, old.uid, old.gid);
      await handle.sync();
    } finally {
      await handle.close();
    }
    crossBoundary('temp-synced');
    await rename(temp, target);
  } catch (error) {
    if (temp) await unlink(temp).catch(() => undefined);
    throw describeWriteError(file, error);
  }
  crossBoundary('renamed');

  await syncDirectory(dir);
}

/** A symlinked file is written through to its target, which stays a file. */
async function resolveSymlink(file: string): Promise<string> {
  const info = await lstat(file).catch(() => undefined);
  return info?.isSymbolicLink() ? realpath(file) : file;
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY).catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename is done.
  } finally {
    await handle.close();
  }
}

export function describeWriteError(file: string, error: unknown): UserError {
  if (error instanceof UserError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    EACCES: 'permission denied; run with sudo, or point --flake at a checkout you can write',
    EPERM: 'permission denied; run with sudo, or point --flake at a checkout you can write',
    EROFS: 'read-only file system; remount it read-write, or point --flake at a writable checkout',
    ENOSPC: 'no space left on device; free some space and run again (nothing was written to it)',
    EDQUOT: 'disk quota exceeded; free some space and run again (nothing was written to it)',
    ENOENT: 'no such file or directory (a dangling symlink?); check the path and run again',
  };
  if (process.getuid?.() === 0 && code === 'EPERM') {
    // root is refused by the file system itself: an immutable or append-only file.
    reasons.EPERM = 'operation not permitted even as root; is the file or its folder immutable? (lsattr shows it, chattr -i clears it)';
  }
  const reason = (code && reasons[code]) ?? String((error as Error).message ?? error);
  return new UserError(`cannot write ${file}: ${reason}`, 1, { cause: error });
}
