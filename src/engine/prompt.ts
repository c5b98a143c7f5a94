// The one place that asks the user anything. Tests replace it. The prompt
// library loads on the first question, so --yes runs start faster.
import kleur from 'kleur';

import { AbortError } from '../errors.js';
import { describeInterrupt, ignoreGoneTerminal } from './interrupt.js';

export type StepAnswer = 'apply' | 'skip' | 'abort';

export interface Prompter {
  /** `signal`: the run's interrupt; when it fires the question is withdrawn and an AbortError thrown. */
  askStep(question: string, signal?: AbortSignal): Promise<StepAnswer>;
  /** A yes/no question; the terminal's default answer is No. */
  confirm(question: string, signal?: AbortSignal): Promise<boolean>;
}

/** --yes: every step is applied. */
export const applyAll: Prompter = {
  askStep: async () => 'apply',
  confirm: async () => true,
};

// An answered question keeps a neutral mark: the library's default green
// check mark would also stand beside "Abort" and "No".
const theme = { prefix: { idle: kleur.blue('?'), done: kleur.dim('›') } };

export const terminalPrompter: Prompter = {
  async askStep(question, signal) {
    const { select } = await import('@inquirer/prompts');
    if (signal?.aborted) throw interrupted(signal);
    tolerateGoneTerminal();
    try {
      return await select<StepAnswer>({
        message: question,
        theme,
        default: 'skip',
        choices: [
          { name: 'Apply', value: 'apply', description: 'write this change now' },
          { name: 'Skip', value: 'skip', description: 'leave these files as they are and go on' },
          { name: 'Abort', value: 'abort', description: 'stop and put back what this run changed' },
        ],
      }, signal ? { signal } : {});
    } catch (error) {
      throw promptError(error, signal);
    }
  },

  async confirm(question, signal) {
    const { confirm } = await import('@inquirer/prompts');
    if (signal?.aborted) throw interrupted(signal);
    tolerateGoneTerminal();
    try {
      return await confirm({ message: question, default: false, theme }, signal ? { signal } : {});
    } catch (error) {
      throw promptError(error, signal);
    }
  },
};

/**
 * When the terminal goes away the prompt's input ends, and readline, closing,
 * turns raw mode off on a terminal that is no longer there: node reports
 * that (EIO) as an 'error' event nobody listens to, which would end the
 * process before it put the files back. That one error is dropped; the
 * prompt then ends as closed (ExitPromptError, EOF) and the run restores.
 */
let rawModeGuarded = false;
function tolerateGoneTerminal(): void {
  const stdin = process.stdin;
  if (rawModeGuarded || !stdin.isTTY || typeof stdin.setRawMode !== 'function') return;
  rawModeGuarded = true;
  const setRawMode = stdin.setRawMode.bind(stdin);
  stdin.setRawMode = (mode: boolean) => {
    const emit = stdin.emit;
    stdin.emit = function (this: typeof stdin, event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'error' && (args[0] as NodeJS.ErrnoException | undefined)?.code === 'EIO') {
        ignoreGoneTerminal();
        return true;
      }
      return (emit as (event: string | symbol, ...args: unknown[]) => boolean).call(this, event, ...args);
    } as typeof stdin.emit;
    try {
      return setRawMode(mode);
    } finally {
      stdin.emit = emit;
    }
  };
}

function interrupted(signal: AbortSignal): AbortError {
  return new AbortError(`Aborted at the prompt (${describeInterrupt(signal.reason)}).`);
}

/** Ctrl-C typed at the prompt (ExitPromptError), or a signal withdrawing it (AbortPromptError). */
function promptError(error: unknown, signal: AbortSignal | undefined): unknown {
  const name = (error as Error).name;
  if (name === 'ExitPromptError') {
    if (signal?.aborted) return interrupted(signal);
    // Input ended: Ctrl-D, or the terminal closed (its SIGHUP may come a moment later).
    if (/EOF/.test((error as Error).message)) {
      ignoreGoneTerminal();
      return new AbortError('Aborted at the prompt (its input ended: Ctrl-D, or the terminal closed).');
    }
    return new AbortError('Aborted at the prompt (Ctrl-C).');
  }
  if (name === 'AbortPromptError' && signal) return interrupted(signal);
  return error;
}
