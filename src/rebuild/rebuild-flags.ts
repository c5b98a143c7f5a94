// The rebuild's flags: --mode, --elevate, --quiet, --stop-below and the
// arguments after `--`. Parsing only.
import { UsageError } from '../errors.js';
import { parseFlagSize } from '../system/units.js';
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
 * The arguments after `--` are an allow-list: build options that tune how
 * the build runs (parallelism, logs, failure handling) but not what is
 * built, activated, where, or how it gets root, which tune-wizard sets
 * itself (--flake DIR#HOST, --mode, --elevate). Anything else, a new
 * nixos-rebuild flag included, is refused until it is known to be safe.
 */
const ALLOWED_SWITCHES = new Set([
  '-L',
  '--print-build-logs',
  '--show-trace',
  '-k',
  '--keep-going',
  '-K',
  '--keep-failed',
  '-v',
  '--verbose',
  '--quiet',
  '--fallback',
  '--no-build-output',
  '--impure',
  '--offline',
  '--refresh',
]);
/** Options and how many values follow them. */
const ALLOWED_WITH_VALUES: Record<string, number> = {
  '--max-jobs': 1,
  '-j': 1,
  '--cores': 1,
  '--option': 2,
  '--builders': 1,
};
/** A count of jobs or cores: a number, or `auto` for --max-jobs. */
const JOBS = /^(?:\d+|auto)$/;

/** What the message says is allowed. */
const ALLOWED_TEXT =
  '--max-jobs/-j N, --cores N, --option NAME VALUE, --builders SPEC, -L/--print-build-logs, --show-trace, -k/--keep-going, -K/--keep-failed, -v/--verbose (-vv...), --quiet, --fallback, --no-build-output, --impure, --offline, --refresh';

/** Refuses any argument after `--` that is not a known build option (exit 2, one line). */
export function checkPassthrough(args: string[]): string[] {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (ALLOWED_SWITCHES.has(arg) || /^-v+$/.test(arg)) continue;
    const joined = /^-j(\d+)$/.exec(arg) ?? /^--(?:max-jobs|cores)=(.+)$/.exec(arg);
    if (joined) {
      if (!JOBS.test(joined[1]!)) refuse(arg, 'takes a number');
      continue;
    }
    const count = ALLOWED_WITH_VALUES[arg];
    if (count !== undefined) {
      const values = args.slice(i + 1, i + 1 + count);
      if (values.length < count || values.some((v) => v.startsWith('-'))) {
        refuse(arg, `needs ${count === 2 ? 'two values' : 'a value'}`);
      }
      if ((arg === '--max-jobs' || arg === '-j' || arg === '--cores') && !JOBS.test(values[0]!)) refuse(`${arg} ${values[0]}`, 'takes a number');
      i += count;
      continue;
    }
    refuse(arg, 'is not a build option tune-wizard passes on');
  }
  return args;
}

function refuse(arg: string, why: string): never {
  throw new UsageError(
    `\`-- ${arg}\` ${why}: tune-wizard sets what nixos-rebuild builds and activates itself (--flake DIR#HOST, --mode, --elevate), and after -- takes only ${ALLOWED_TEXT}.`,
  );
}

function pick<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} ${value}: use one of ${allowed.join(', ')}.`);
}

export function parseStopBelow(text: string): StopBelow {
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  const size = percent ? undefined : parseFlagSize(text);
  if (percent) {
    const value = Number(percent[1]);
    if (value > 0 && value < 100) return { kind: 'percent', percent: value, text };
  } else if (size === 'no-unit') {
    throw new UsageError(`--stop-below ${text}: add a unit, such as ${text}G, or write a share of RAM such as ${text}%.`);
  } else if (size === 'space') {
    throw new UsageError(`--stop-below ${text}: write it without a space, such as ${text.replace(/\s+/g, '')}.`);
  } else if (size !== undefined && size > 0) {
    return { kind: 'bytes', bytes: size, text };
  }
  throw new UsageError(`--stop-below ${text}: write a size such as 1G or 800M, or a share of RAM such as 5%.`);
}
