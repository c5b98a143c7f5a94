// Everything the user reads goes through here: step lines and notes on
// stderr, diffs and the closing summary on stdout. Colour is never the only
// signal: each line starts with its glyph.
import kleur from 'kleur';

export interface Streams {
  out: (text: string) => void;
  err: (text: string) => void;
  isTerminal: boolean;
}

export const processStreams: Streams = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTerminal: Boolean(process.stdout.isTTY && process.stdin.isTTY),
};

export function colourWanted(env: NodeJS.ProcessEnv, isTerminal: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return isTerminal && env.TERM !== 'dumb';
}

export class Ui {
  constructor(
    readonly streams: Streams,
    colour: boolean,
  ) {
    kleur.enabled = colour;
  }

  step(index: number, total: number, title: string): void {
    this.streams.err(`\n${kleur.bold().cyan(`[${index}/${total}]`)} ${kleur.bold(title)}\n`);
  }

  ok(text: string): void {
    this.streams.err(`  ${kleur.green('✔')} ${text}\n`);
  }

  info(text: string): void {
    this.streams.err(`  ${kleur.dim('·')} ${text}\n`);
  }

  warn(text: string): void {
    this.streams.err(`  ${kleur.yellow('⚠')} ${text}\n`);
  }

  fail(text: string): void {
    this.streams.err(`  ${kleur.red('✖')} ${text}\n`);
  }

  skipped(text: string): void {
    this.streams.err(`  ${kleur.dim('○')} ${text}\n`);
  }

  /** A line of a running command's own output. */
  output(line: string): void {
    this.streams.err(`  ${kleur.dim('│')} ${line}\n`);
  }

  /** Results: diffs and the closing summary. */
  print(text: string): void {
    this.streams.out(text.endsWith('\n') ? text : `${text}\n`);
  }
}
