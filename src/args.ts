// Declares the command line: commands, flags, defaults and help. Parsing
// only; nothing here touches the system.
import { parseArgs } from 'node:util';

import { UsageError } from './errors.js';
import { parseRebuildFlags, REBUILD_FLAG_SPEC, splitPassthrough, type RebuildOptions } from './rebuild/rebuild-flags.js';
import { parseSize } from './system/units.js';

export interface CliArgs {
  command: 'rollback' | 'reenable' | 'help' | 'version';
  moduleName: string | undefined;
  flake: string;
  host: string | undefined;
  yes: boolean;
  dryRun: boolean;
  noRebuild: boolean;
  sysroot: string;
  only: Set<string> | undefined;
  minHeadroom: number;
  rebuild: RebuildOptions;
}

export const ROLLBACK_GROUPS = ['cpu', 'zram', 'swappiness'];
const DEFAULT_HEADROOM = '8G';

export const HELP = `tune-wizard: walk a NixOS flake's build-memory tuning back, or bring a heavy module back, step by step.

Usage
  tune-wizard rollback [--only cpu,zram,swappiness] [options]
  tune-wizard reenable <unified-llm | ./path/to/module> [--min-headroom 8G] [options]
  ... [options] -- NIXOS-REBUILD-ARGS   (passed to both nixos-rebuild runs)

Options
  --flake DIR[#HOST]   the flake to edit (default: /etc/nixos, host from hostname)
  -y, --yes            apply every step without asking (for scripts)
  --dry-run            show every diff and command; change nothing
  --no-rebuild         edit the files, skip nixos-rebuild and the checks that need it
  --only LIST          rollback only these groups: cpu, zram, swappiness
  --min-headroom SIZE  reenable needs MemAvailable + SwapFree of at least SIZE (default: ${DEFAULT_HEADROOM})
  --mode MODE          after building: switch, boot, test or build (default: switch)
  --elevate TOOL       run the final action with sudo, doas, run0 or none
                       (default: sudo, none when already root; the build runs as you)
  --stop-below LIMIT   stop the build when free memory + usable swap fall under LIMIT,
                       a size (2G) or a share of RAM (5%) (default: 5%, or just above
                       the line of a running earlyoom or systemd-oomd)
  -q, --quiet          write the build's output to a log file (path printed), not the terminal
  --sysroot DIR        read /proc, /sys and /etc under DIR (tests, demos, a mounted system)
  -h, --help           show this help
  -V, --version        show the version

Every edit is shown as a diff and asked for before it is written. If the
rebuild fails, every file this run changed is put back as it was. The
rebuild builds first (as you, watched for memory) and switches only if
the build succeeded.

Exit codes
  0    done, or nothing to do
  1    error (a file that does not parse, a check after the rebuild failed, ...)
  2    usage: a bad flag, or no terminal to ask on and no --yes
  3    a gate failed; nothing was changed
  4    the rebuild failed; the files were restored
  5    the watchdog stopped the build before memory ran out; the files were restored
  130  aborted by the user; the files were restored

Examples
  tune-wizard rollback --dry-run
  tune-wizard rollback --only zram,swappiness --flake ~/nixos#kernelcore
  tune-wizard reenable unified-llm --min-headroom 10G
  tune-wizard reenable unified-llm --stop-below 2G -- --max-jobs 1 --cores 2
`;

export function parseCli(fullArgv: string[]): CliArgs {
  const [argv, passthrough] = splitPassthrough(fullArgv);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        flake: { type: 'string' },
        yes: { type: 'boolean', short: 'y' },
        'dry-run': { type: 'boolean' },
        'no-rebuild': { type: 'boolean' },
        only: { type: 'string' },
        'min-headroom': { type: 'string' },
        sysroot: { type: 'string' },
        ...REBUILD_FLAG_SPEC,
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}. See tune-wizard --help.`);
  }
  const { values, positionals } = parsed;
  const [flake, host] = splitFlake(values.flake ?? '/etc/nixos');
  const base = {
    moduleName: undefined,
    flake,
    host,
    yes: values.yes ?? false,
    dryRun: values['dry-run'] ?? false,
    noRebuild: values['no-rebuild'] ?? false,
    sysroot: values.sysroot ?? '/',
    only: undefined,
    minHeadroom: parseHeadroom(values['min-headroom'] ?? DEFAULT_HEADROOM),
    rebuild: parseRebuildFlags(values, passthrough),
  };

  if (values.help) return { ...base, command: 'help' };
  if (values.version) return { ...base, command: 'version' };

  const [command, ...rest] = positionals;
  if (command === undefined) throw new UsageError('missing command: rollback or reenable. See tune-wizard --help.');

  if (command === 'rollback') {
    if (rest.length > 0) throw new UsageError(`rollback takes no argument, got "${rest[0]}". See tune-wizard --help.`);
    if (values['min-headroom'] !== undefined) throw new UsageError('--min-headroom is for reenable, not rollback.');
    return { ...base, command, only: parseOnly(values.only) };
  }
  if (command === 'reenable') {
    if (values.only !== undefined) throw new UsageError('--only is for rollback, not reenable.');
    if (rest.length !== 1) {
      throw new UsageError('reenable takes one module: unified-llm, or the import path as written in flake.nix (./modules/ml/offload).');
    }
    return { ...base, command, moduleName: rest[0] };
  }
  throw new UsageError(`unknown command "${command}": use rollback or reenable. See tune-wizard --help.`);
}

function splitFlake(value: string): [string, string | undefined] {
  const hash = value.lastIndexOf('#');
  if (hash === -1) return [value, undefined];
  const host = value.slice(hash + 1);
  if (host === '') throw new UsageError(`--flake ${value}: the host after # is empty; write --flake DIR#HOST or leave out #.`);
  return [value.slice(0, hash) || '.', host];
}

function parseOnly(value: string | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const groups = value.split(',').map((g) => g.trim()).filter(Boolean);
  const unknown = groups.filter((g) => !ROLLBACK_GROUPS.includes(g));
  if (groups.length === 0 || unknown.length > 0) {
    throw new UsageError(`--only ${value}: use a comma-separated list of ${ROLLBACK_GROUPS.join(', ')}.`);
  }
  return new Set(groups);
}

function parseHeadroom(value: string): number {
  const bytes = parseSize(value);
  if (bytes === undefined || bytes <= 0) {
    throw new UsageError(`--min-headroom ${value}: write a size such as 8G, 512M or 10GiB.`);
  }
  return bytes;
}
