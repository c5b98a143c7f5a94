// The one place that asks the user anything. Tests replace it. The prompt
// library loads on the first question, so --yes runs start faster.
import kleur from 'kleur';

import { AbortError } from '../errors.js';
import { describeInterrupt } from './interrupt.js';

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
    try {
      return await confirm({ message: question, default: false, theme }, signal ? { signal } : {});
    } catch (error) {
      throw promptError(error, signal);
    }
  },
};

function interrupted(signal: AbortSignal): AbortError {
  return new AbortError(`Aborted at the prompt (${describeInterrupt(signal.reason)}).`);
}

/** Ctrl-C typed at the prompt (ExitPromptError), or a signal withdrawing it (AbortPromptError). */
function promptError(error: unknown, signal: AbortSignal | undefined): unknown {
  const name = (error as Error).name;
  if (name === 'ExitPromptError') return new AbortError('Aborted at the prompt (Ctrl-C).');
  if (name === 'AbortPromptError' && signal) return interrupted(signal);
  return error;
}
