// Replaces a file's bytes so that readers (and a crash at any moment) see
// either the old bytes or the new ones, never a mix.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chown, lstat, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

import { UserError } from '../errors.js';

export async function writeFileAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const target = await resolveSymlink(file);
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.tune-wizard-${randomBytes(4).toString('hex')}`);
  const old = await stat(target).catch(() => undefined);

  try {
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, old?.mode ?? 0o644);
    try {
      await handle.writeFile(bytes);
      if (old) {
        await handle.chmod(old.mode & 0o7777);
        if (process.getuid?.() === 0) await chown(temp, old.uid, old.gid);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw describeWriteError(file, error);
  }

  await syncDirectory(dir);
}

async function resolveSymlink(file: string): Promise<string> {
  const info = await lstat(file).catch(() => undefined);
  return info?.isSymbolicLink() ? realpath(file) : file;
}

async function syncDirectory(dir: string): Promise<void> {
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
  const code = (error as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    EACCES: 'permission denied; run with sudo, or point --flake at a checkout you can write',
    EPERM: 'permission denied; run with sudo, or point --flake at a checkout you can write',
    EROFS: 'read-only file system; point --flake at a writable checkout',
    ENOSPC: 'no space left on device; free some space and run again (nothing was written)',
    EDQUOT: 'disk quota exceeded; free some space and run again (nothing was written)',
  };
  const reason = (code && reasons[code]) ?? String((error as Error).message ?? error);
  return new UserError(`cannot write ${file}: ${reason}`, 1, { cause: error });
}
