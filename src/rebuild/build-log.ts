// With --quiet the build's own output goes to a log file under the user's
// state directory ($XDG_STATE_HOME/tune-wizard/logs, else
// ~/.local/state/tune-wizard/logs), readable by the user alone.
import { chmodSync, closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { UserError } from '../errors.js';

export interface BuildLog {
  file: string;
  write(line: string): void;
  close(): void;
}

export function logDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(os.homedir(), '.local/state');
  return path.join(state, 'tune-wizard', 'logs');
}

export function openBuildLog(now = new Date(), env: NodeJS.ProcessEnv = process.env): BuildLog {
  const dir = logDirectory(env);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const file = path.join(dir, `rebuild-${stamp}.log`);
  let fd: number;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    throw new UserError(`${file}: cannot create the build log (${(error as NodeJS.ErrnoException).code ?? String(error)}). Set XDG_STATE_HOME to a writable directory, or leave out --quiet.`);
  }
  return {
    file,
    write: (line) => void writeSync(fd, `${line}\n`),
    close: () => closeSync(fd),
  };
}
