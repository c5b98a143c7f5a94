// The one module that starts processes. Tests replace commands by putting
// stand-in scripts first on PATH, so this stays a thin wrapper.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';


export interface CommandResult {
  exitCode: number | undefined;
  signal: string | undefined;
  /** The last lines the command printed, for error messages. */
  tail: string[];
}

export interface RunningCommand {
  result: Promise<CommandResult>;
  /** Asks the command to stop (SIGTERM, then SIGKILL after a grace period). */
  stop(): void;
}

export interface CommandRunner {
  find(command: string): Promise<string | undefined>;
  start(command: string, args: string[], onLine: (line: string) => void): RunningCommand;
}

const TAIL_LINES = 15;

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

  start(command, args, onLine) {
    const child = startProcess(command, args);
    const tail: string[] = [];
    let pending = '';
    const result = child.then(async ({ running }) => {
      running.all?.setEncoding('utf8');
      running.all?.on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) emit(line);
      });
      const done = await running;
      if (pending) emit(pending);
      return { exitCode: done.exitCode, signal: done.signal ?? undefined, tail };
    });
    function emit(line: string): void {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      onLine(line);
    }
    return { result, stop: () => void child.then(({ running }) => running.kill('SIGTERM')) };
  },
};

// execa is loaded on first use: most runs start no process at all. The
// subprocess is wrapped because it is itself a promise of its result.
async function startProcess(command: string, args: string[]) {
  const { execa } = await import('execa');
  const running = execa(command, args, {
    reject: false,
    all: true,
    stdin: 'ignore',
    buffer: false,
    forceKillAfterDelay: 5000,
    env: { LC_ALL: process.env.LC_ALL ?? 'C.UTF-8' },
  });
  return { running };
}

export interface CapturedOutput {
  exitCode: number | undefined;
  lines: string[];
}

/** Runs a short query command (systemctl show) to its end and keeps every line. */
export async function captureOutput(runner: CommandRunner, command: string, args: string[]): Promise<CapturedOutput> {
  const lines: string[] = [];
  const running = runner.start(command, args, (line) => lines.push(line));
  const { exitCode } = await running.result;
  return { exitCode, lines };
}
