// The one place that asks the user anything. Tests replace it. The prompt
// library loads on the first question, so --yes runs start faster.
import kleur from 'kleur';

import { AbortError } from '../errors.js';

export type StepAnswer = 'apply' | 'skip' | 'abort';

export interface Prompter {
  askStep(question: string): Promise<StepAnswer>;
  /** A yes/no question; the terminal's default answer is No. */
  confirm(question: string): Promise<boolean>;
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
  async askStep(question) {
    const { select } = await import('@inquirer/prompts');
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
      });
    } catch (error) {
      if ((error as Error).name === 'ExitPromptError') throw new AbortError('Aborted at the prompt (Ctrl-C).');
      throw error;
    }
  },

  async confirm(question) {
    const { confirm } = await import('@inquirer/prompts');
    try {
      return await confirm({ message: question, default: false, theme });
    } catch (error) {
      if ((error as Error).name === 'ExitPromptError') throw new AbortError('Aborted at the prompt (Ctrl-C).');
      throw error;
    }
  },
};
