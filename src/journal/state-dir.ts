// Where tune-wizard keeps its journal and locks: $XDG_STATE_HOME/tune-wizard,
// or ~/.local/state/tune-wizard when XDG_STATE_HOME is unset or not absolute.
import os from 'node:os';
import path from 'node:path';

export function findStateDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_STATE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.local', 'state');
  return path.join(base, 'tune-wizard');
}
