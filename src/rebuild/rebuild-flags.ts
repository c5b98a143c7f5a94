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
    extraArgs,
  };
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
