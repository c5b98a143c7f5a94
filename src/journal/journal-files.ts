// The journal's file-system edge: private directories (0700), append-only
// record files and saved bytes (0600), each made durable with fsync before
// the call returns.
import { constants, readdirSync, readFileSync, type Dirent } from 'node:fs';
import { chmod, mkdir, open, readdir, readFile, realpath, unlink } from 'node:fs/promises';
import path from 'node:path';

import { UserError } from '../errors.js';
import { describeWriteError, syncDirectory, tempPrefix, writeFileAtomic } from '../system/atomic-write.js';

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
    await chmod(dir, PRIVATE_DIR);
  } catch (error) {
    throw stateDirError(dir, error);
  }
}

/** Creates a new directory (failing if it exists) and makes its entry durable. */
export async function createPrivateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { mode: PRIVATE_DIR });
    await chmod(dir, PRIVATE_DIR);
  } catch (error) {
    throw stateDirError(dir, error);
  }
  await syncDirectory(path.dirname(dir));
}

/** Appends one line and fsyncs it: once this returns, the line survives a crash. */
export async function appendLine(file: string, line: string): Promise<void> {
  try {
    const handle = await open(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, PRIVATE_FILE);
    try {
      await handle.writeFile(`${line}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw describeWriteError(file, error);
  }
}

/** Saves bytes under a name once; a later save of the same name is a no-op. */
export async function saveBytesOnce(file: string, bytes: Buffer): Promise<void> {
  const existing = await readFile(file).catch(() => undefined);
  if (existing?.equals(bytes)) return;
  await writeFileAtomic(file, bytes, { mode: PRIVATE_FILE });
}

// Journal files are small and every start lists them all (to find a run that
// did not finish): blocking reads cost far less than a thread-pool round trip
// each.
export async function readBytes(file: string): Promise<Buffer | undefined> {
  try {
    return readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`cannot read ${file}: ${(error as Error).message}`, 1, { cause: error });
  }
}

export async function listDirs(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

/** Removes the temporary files a killed writeFileAtomic left next to a file. */
export async function removeLeftoverTemps(file: string): Promise<string[]> {
  const target = await realpath(file).catch(() => file);
  const dir = path.dirname(target);
  const prefix = tempPrefix(target);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(prefix));
  for (const name of names) await unlink(path.join(dir, name)).catch(() => undefined);
  return names.map((n) => path.join(dir, n));
}

function stateDirError(dir: string, error: unknown): UserError {
  const code = (error as NodeJS.ErrnoException).code;
  return new UserError(
    `cannot use the state directory ${dir} (${code ?? (error as Error).message}); set XDG_STATE_HOME to a directory you can write`,
    1,
    { cause: error },
  );
}
