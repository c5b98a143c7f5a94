// Test-only hooks, read from the environment and inert unless set. They let
// the fault-injection tests stop the process at exact points of a write and
// fail a write the way a full or read-only disk would. Never set them by hand.
//
//   TUNE_WIZARD_TEST_KILL_AT=N | NAME | NAME@N
//       SIGKILL this process at the N-th write boundary it crosses, or at the
//       first (or N-th) boundary called NAME.
//   TUNE_WIZARD_TEST_BOUNDARY_LOG=FILE
//       append the name of every boundary crossed to FILE, one per line.
//   TUNE_WIZARD_TEST_WRITE_ERROR=CODE@DIR
//       writes of files under DIR fail with CODE (ENOSPC, EROFS, EACCES, ...).
import { appendFileSync } from 'node:fs';
import path from 'node:path';

let crossed = 0;
const crossedByName = new Map<string, number>();

/** Marks a point between two durable steps of a write. */
export function crossBoundary(name: string): void {
  const spec = process.env.TUNE_WIZARD_TEST_KILL_AT;
  const log = process.env.TUNE_WIZARD_TEST_BOUNDARY_LOG;
  if (!spec && !log) return;

  crossed++;
  const ofName = (crossedByName.get(name) ?? 0) + 1;
  crossedByName.set(name, ofName);
  if (log) appendFileSync(log, `${name}\n`);
  if (spec && isKillPoint(spec, name, ofName)) process.kill(process.pid, 'SIGKILL');
}

function isKillPoint(spec: string, name: string, ofName: number): boolean {
  if (/^\d+$/.test(spec)) return Number(spec) === crossed;
  const [wanted, count] = spec.split('@');
  return wanted === name && Number(count ?? 1) === ofName;
}

/** The error a test asked writes under a directory to fail with, if any. */
export function injectedWriteError(file: string): NodeJS.ErrnoException | undefined {
  const spec = process.env.TUNE_WIZARD_TEST_WRITE_ERROR;
  if (!spec) return undefined;
  const [code, dir] = spec.split('@');
  if (!code || !dir || !path.resolve(file).startsWith(path.resolve(dir) + path.sep)) return undefined;
  const error: NodeJS.ErrnoException = new Error(`${code}: injected by TUNE_WIZARD_TEST_WRITE_ERROR, write '${file}'`);
  error.code = code;
  return error;
}
