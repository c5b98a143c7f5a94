// The one module that starts processes. Tests replace commands by putting
// stand-in scripts first on PATH, so this stays a thin wrapper.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';

// execa (and the ~130 files it loads) is imported the first time a command
// is about to start: a dry run or a check that starts nothing never pays
// for it. Callers await `runner.ready()` before `start`.
type Execa = typeof import('execa').execa;
let execa: Execa | undefined;

export interface CommandResult {
  exitCode: number | undefined;
  signal: string | undefined;
  /** The last lines the command printed, for error messages. */
  tail: string[];
}

export interface StartOptions {
  cwd?: string;
  /**
   * Start the command in a process group of its own, so that stopping it
   * reaches every process it started (and nothing else), and a Ctrl-C on
   * the terminal reaches only tune-wizard. Such a command has no terminal:
   * leave it off for a command that may ask for a password (sudo).
   */
  ownGroup?: boolean;
  /** Milliseconds between SIGTERM and SIGKILL when stopping (default 5000). */
  graceMs?: number;
}

export interface RunningCommand {
  pid: number | undefined;
  result: Promise<CommandResult>;
  /**
   * Asks the command to stop: SIGTERM to its process group (or to the
   * command alone), then SIGKILL to the same after the grace period.
   */
  stop(): void;
}

export interface CommandRunner {
  find(command: string): Promise<string | undefined>;
  /** Loads what `start` needs; resolves at once the second time. */
  ready(): Promise<void>;
  start(command: string, args: string[], onLine: (line: string) => void, options?: StartOptions): RunningCommand;
}

const TAIL_LINES = 15;
const DEFAULT_GRACE_MS = 5000;

/** Process groups started and not yet finished; killed if tune-wizard exits first. */
const liveGroups = new Set<number>();
process.on('exit', () => {
  for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
});

export const processRunner: CommandRunner = {
  async find(command) {
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
      if (!dir) continue;
      const candidate = path.join(dir, command);
      try {
        await access(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
    return undefined;
  },

  async ready() {
    execa ??= (await import('execa')).execa;
  },

  start(command, args, onLine, options = {}) {
    if (!execa) throw new Error(`internal error: ${command} started before the command runner was ready`);
    const ownGroup = options.ownGroup ?? false;
    const child = execa(command, args, {
      reject: false,
      all: true,
      stdin: ownGroup ? 'ignore' : 'inherit',
      buffer: false,
      cwd: options.cwd,
      detached: ownGroup,
      cleanup: !ownGroup,
      forceKillAfterDelay: false,
      env: { LC_ALL: process.env.LC_ALL ?? 'C.UTF-8' },
    });
    const pid = child.pid;
    if (ownGroup && pid !== undefined) liveGroups.add(pid);

    const tail: string[] = [];
    let pending = '';
    child.all?.setEncoding('utf8');
    child.all?.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) emit(line);
    });
    function emit(line: string): void {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      onLine(line);
    }

    let killTimer: NodeJS.Timeout | undefined;
    let stopping = false;
    // Bounded: zombies nobody reaps (a container without an init) still
    // count as members of the group.
    let waitUntil = 0;
    const result = child.then(async (done) => {
      if (pending) emit(pending);
      // A stopped group may outlive its leader (a child that ignores
      // SIGTERM): wait until the SIGKILL has emptied it.
      if (ownGroup && pid !== undefined) {
        while (stopping && isGroupAlive(pid) && Date.now() < waitUntil) await delay(50);
        liveGroups.delete(pid);
      }
      clearTimeout(killTimer);
      return { exitCode: done.exitCode, signal: done.signal ?? undefined, tail };
    });

    function stop(): void {
      if (stopping || pid === undefined) return;
      stopping = true;
      const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
      waitUntil = Date.now() + graceMs + 2000;
      const send = (signal: NodeJS.Signals): void => {
        if (ownGroup) signalGroup(pid, signal);
        else child.kill(signal);
      };
      send('SIGTERM');
      killTimer = setTimeout(() => send('SIGKILL'), graceMs);
    }
    return { pid, result, stop };
  },
};

function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone already
  }
}

export interface CapturedOutput {
  exitCode: number | undefined;
  lines: string[];
}

/** Runs a short query command (systemctl show) to its end and keeps every line. */
export async function captureOutput(runner: CommandRunner, command: string, args: string[]): Promise<CapturedOutput> {
  const lines: string[] = [];
  await runner.ready();
  const running = runner.start(command, args, (line) => lines.push(line));
  const { exitCode } = await running.result;
  return { exitCode, lines };
}
