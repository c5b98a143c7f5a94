// The rebuild's flags: --mode, --elevate, --quiet, --stop-below and the
// arguments after `--`. Parsing only.
import { UsageError } from '../errors.js';
import { parseSize } from '../system/units.js';
import type { StopBelow } from '../watch/stop-line.js';

export const REBUILD_MODES = ['switch', 'boot', 'test', 'build'] as const;
export const ELEVATIONS = ['sudo', 'doas', 'run0', 'none'] as const;
export type RebuildMode = (typeof REBUILD_MODES)[number];
export type Elevation = (typeof ELEVATIONS)[number];

export interface RebuildOptions {
  mode: RebuildMode;
  /** undefined: sudo unless already root. */
  elevate: Elevation | undefined;
  quiet: boolean;
  stopBelow: StopBelow | undefined;
  /** Passed to both nixos-rebuild runs (after `--` on the command line). */
  extraArgs: string[];
}

export const REBUILD_FLAG_SPEC = {
  mode: { type: 'string' },
  elevate: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  'stop-below': { type: 'string' },
} as const;

interface RebuildFlagValues {
  mode?: string;
  elevate?: string;
  quiet?: boolean;
  'stop-below'?: string;
}

/** Splits off the arguments after the first `--`. */
export function splitPassthrough(argv: string[]): [string[], string[]] {
  const dash = argv.indexOf('--');
  return dash === -1 ? [argv, []] : [argv.slice(0, dash), argv.slice(dash + 1)];
}

export function parseRebuildFlags(values: RebuildFlagValues, extraArgs: string[]): RebuildOptions {
  return {
    mode: pick('--mode', values.mode ?? 'switch', REBUILD_MODES),
    elevate: values.elevate === undefined ? undefined : pick('--elevate', values.elevate, ELEVATIONS),
    quiet: values.quiet ?? false,
    stopBelow: values['stop-below'] === undefined ? undefined : parseStopBelow(values['stop-below']),
    extraArgs: checkPassthrough(extraArgs),
  };
}

/**
 * nixos-rebuild flags that change what is built or activated, or where, or
 * how it gets root: tune-wizard sets those itself (--flake DIR#HOST,
 * --mode, --elevate), and a second one after `--` would override them.
 */
const STEERING_FLAGS = new Set([
  '--flake',
  '--rollback',
  '--target-host',
  '--build-host',
  '--use-remote-sudo',
  '--sudo',
  '--ask-sudo-password',
  '--profile-name',
  '--specialisation',
  '--install-bootloader',
  '--file',
  '--attr',
  '--upgrade',
  '--upgrade-all',
  '--override-input',
  '--update-input',
  '--recreate-lock-file',
  '--commit-lock-file',
  '--output-lock-file',
  '--reference-lock-file',
]);
/** Their one-letter spellings: -p profile, -c specialisation, -f file, -A attr, -S ask-sudo-password. */
const STEERING_LETTERS = /[pcfAS]/;
/** One-letter flags whose value may follow without a space (-j4, -Inixpkgs=...). */
const TAKES_VALUE = /[jI]/;
/** nixos-rebuild's actions: a second one would replace build or the chosen mode. */
const ACTIONS = new Set([
  'switch',
  'boot',
  'test',
  'build',
  'dry-build',
  'dry-run',
  'dry-activate',
  'edit',
  'repl',
  'build-vm',
  'build-vm-with-bootloader',
  'build-image',
  'list-generations',
]);

/** Build flags that take values, which are not read as flags or actions. */
const VALUE_COUNTS: Record<string, number> = {
  '--option': 2,
  '--arg': 2,
  '--argstr': 2,
  '--max-jobs': 1,
  '-j': 1,
  '--cores': 1,
  '--include': 1,
  '-I': 1,
  '--builders': 1,
  '--log-format': 1,
};

/** Refuses an argument after `--` that would change what is built or switched. */
export function checkPassthrough(args: string[]): string[] {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    // Values are skipped: `--option system-features test` names no action.
    const values = VALUE_COUNTS[arg];
    if (values !== undefined) {
      i += values;
      continue;
    }
    if (STEERING_FLAGS.has(arg.split('=')[0]!) || isSteeringShort(arg) || ACTIONS.has(arg)) {
      throw new UsageError(
        `\`-- ${arg}\` would change what nixos-rebuild builds or activates, which tune-wizard sets itself (--flake DIR#HOST, --mode, --elevate); after -- pass only build options such as --max-jobs 1, --cores 2, --option NAME VALUE, -L or --show-trace.`,
      );
    }
  }
  return args;
}

/** `-p NAME`, `-pNAME`, or a cluster of one-letter flags holding one of them (`-Lp`). */
function isSteeringShort(arg: string): boolean {
  if (!/^-[a-zA-Z]/.test(arg)) return false;
  const first = arg[1]!;
  if (STEERING_LETTERS.test(first)) return true;
  if (TAKES_VALUE.test(first)) return false;
  return /^-[a-zA-Z]+$/.test(arg) && STEERING_LETTERS.test(arg);
}

function pick<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} ${value}: use one of ${allowed.join(', ')}.`);
}

export function parseStopBelow(text: string): StopBelow {
  const percent = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (percent) {
    const value = Number(percent[1]);
    if (value > 0 && value < 100) return { kind: 'percent', percent: value, text };
  } else {
    const bytes = parseSize(text);
    if (bytes !== undefined && bytes > 0) return { kind: 'bytes', bytes, text };
  }
  throw new UsageError(`--stop-below ${text}: write a size such as 1G or 800M, or a share of RAM such as 5%.`);
}
