// Declares the command line: commands, flags, defaults and help. Parsing
// only; nothing here touches the system.
import { parseArgs } from 'node:util';

import { UsageError } from './errors.js';
import { parseRebuildFlags, REBUILD_FLAG_SPEC, splitPassthrough, type RebuildOptions } from './rebuild/rebuild-flags.js';
import { parseFlagSize } from './system/units.js';

export interface CliArgs {
  command: 'rollback' | 'reenable' | 'disable' | 'history' | 'undo' | 'check' | 'recommend' | 'help' | 'version';
  moduleName: string | undefined;
  /** undo: the run to put back (default: the last one). */
  runId: string | undefined;
  force: boolean;
  flake: string;
  host: string | undefined;
  yes: boolean;
  dryRun: boolean;
  noRebuild: boolean;
  sysroot: string;
  only: Set<string> | undefined;
  minHeadroom: number;
  reason: string | undefined;
  /** check, recommend: print JSON on stdout. */
  json: boolean;
  /** recommend: write the suggested values. */
  apply: boolean;
  rebuild: RebuildOptions;
}

export const ROLLBACK_GROUPS = ['cpu', 'zram', 'swappiness'];
const DEFAULT_HEADROOM = '8G';

export const HELP = `tune-wizard: check, tune, walk back or bring back a NixOS flake's build-memory tuning, step by step.

Usage
  tune-wizard rollback [--only cpu,zram,swappiness] [options]
  tune-wizard reenable <unified-llm | ./path/to/module> [--min-headroom 8G] [options]
  tune-wizard disable <unified-llm | ./path/to/module> [--reason TEXT] [options]
  tune-wizard check [--json] [--min-headroom 8G] [--flake DIR#HOST] [--sysroot DIR]
  tune-wizard recommend [--json | --apply [options]]
  tune-wizard history
  tune-wizard undo [RUN] [--force] [--yes] [--no-rebuild]
  tune-wizard ... [options] -- NIXOS-REBUILD-ARGS   (build options for both nixos-rebuild runs: --max-jobs/-j N,
       --cores N, --option NAME VALUE, --builders SPEC, -L, --show-trace, -k, -K, -v..., --quiet,
       --fallback, --no-build-output, --impure, --offline, --refresh; anything else is refused)

Commands
  rollback    undo the build-memory tuning (max-jobs, cores, zram, swappiness)
  reenable    bring a heavy module back into the host, once memory is ready
  disable     comment a module's import out again, with a note
  check       compare the running system with what the configuration says
  recommend   suggest max-jobs, cores, zram size and swappiness for this machine
  history     list the recorded runs, newest first
  undo        put back the files of the last run (or RUN), then offer the rebuild

Options
  --flake DIR[#HOST]   the flake to edit (default: /etc/nixos, host from hostname);
                       DIR/flake.nix works too; flake URLs (github:, path:) do not
  -y, --yes            apply every step without asking (for scripts)
  --dry-run            show every diff and command; change nothing
  --no-rebuild         edit the files, skip nixos-rebuild and the checks that need it
  --only LIST          rollback only these groups: cpu, zram, swappiness
  --min-headroom SIZE  reenable needs (check warns below) headroom of SIZE: MemAvailable +
                       usable swap (zram at what it gives back, as the watchdog counts);
                       with a unit: 8G, 512M, 10GiB (default: ${DEFAULT_HEADROOM}; 0: no minimum)
  --reason TEXT        disable: why, for the note on the commented line (default note:
                       "DISABLED by tune-wizard (DATE)")
  --force              undo: overwrite files that were edited since the run
  --json               check, recommend: print the result as JSON on stdout
  --apply              recommend: write the suggestions (shown as diffs, asked for)
  --mode MODE          after building: switch, boot, test or build (default: switch)
  --elevate TOOL       run the final action with sudo, doas, run0 or none
                       (default: sudo, none when already root; the build runs as you)
  --stop-below LIMIT   stop the build when free memory + usable swap fall under LIMIT,
                       a size (2G) or a share of RAM (5%) (default: 5%, or just above
                       the line of a running earlyoom or systemd-oomd); must be under
                       RAM + swap
  -q, --quiet          write the build's output to a log file (path printed), not the terminal
  --sysroot DIR        read /proc, /sys and /etc under DIR (tests, demos, a mounted system)
  -h, --help           show this help
  -V, --version        show the version

Every edit is shown as a diff and asked for before it is written. If the
rebuild fails, every file this run changed is put back as it was. The
rebuild builds first (as you, watched for memory) and switches only if
the build succeeded.

Every run is journaled in $XDG_STATE_HOME/tune-wizard (default
~/.local/state/tune-wizard): each file's old bytes are saved before it is
written, so \`tune-wizard undo\` can put them back even after a crash or kill.
One run at a time per flake. A run that finds an earlier run unfinished
offers to undo it first; with --yes it stops (exit 1) and asks you to run
\`tune-wizard undo\`.

Exit codes
  0    done, or nothing to do (check: every item passed)
  1    error (a file that does not parse, no flake or host at --flake, a missing
       nixos-rebuild or sudo, a check after the rebuild failed, ...; check: an item failed)
  2    usage: a bad flag or value, a flag the command does not use, or no terminal
       to ask on and no --yes
  3    a gate failed; nothing was changed (check: only warnings)
  4    the rebuild failed; the files were restored
  5    the watchdog stopped the build before memory ran out; the files were restored
  130  aborted by the user; the files were restored
       (4, 5, 130 after undo: the files stay as undo put them; the message names the
       nixos-rebuild command to run once the cause is fixed)

Examples
  tune-wizard rollback --dry-run
  tune-wizard rollback --only zram,swappiness --flake ~/nixos#kernelcore
  tune-wizard reenable unified-llm --min-headroom 10G
  tune-wizard check --json | jq '.checks[] | select(.status != "ok")'
  tune-wizard recommend --apply --no-rebuild
  tune-wizard history
  tune-wizard undo --no-rebuild
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
        force: { type: 'boolean' },
        only: { type: 'string' },
        'min-headroom': { type: 'string' },
        reason: { type: 'string' },
        sysroot: { type: 'string' },
        json: { type: 'boolean' },
        apply: { type: 'boolean' },
        ...REBUILD_FLAG_SPEC,
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    });
  } catch (error) {
    throw new UsageError(describeParseError(error as NodeJS.ErrnoException, argv));
  }
  const { values, positionals } = parsed;
  if (values['stop-below'] !== undefined && /^\s*-/.test(values['stop-below'])) {
    throw new UsageError(`--stop-below needs ${FLAG_VALUES['stop-below']}; negative sizes are not allowed.`);
  }
  const [flake, host] = splitFlake(values.flake ?? '/etc/nixos');
  if (values.sysroot !== undefined && values.sysroot.trim() === '') {
    throw new UsageError('--sysroot is empty; write --sysroot DIR (a directory holding proc/, sys/ and etc/), or leave --sysroot out to read this machine\'s.');
  }
  const base = {
    moduleName: undefined,
    runId: undefined,
    force: values.force ?? false,
    flake,
    host,
    yes: values.yes ?? false,
    dryRun: values['dry-run'] ?? false,
    noRebuild: values['no-rebuild'] ?? false,
    sysroot: values.sysroot ?? '/',
    only: undefined,
    minHeadroom: parseHeadroom(values['min-headroom'] ?? DEFAULT_HEADROOM),
    reason: values.reason,
    json: values.json ?? false,
    apply: values.apply ?? false,
    rebuild: parseRebuildFlags(values, passthrough),
  };

  if (values.help) return { ...base, command: 'help' };
  if (values.version) return { ...base, command: 'version' };

  const args = selectCommand();
  refuseUnusedFlags(args, values, passthrough.length > 0);
  return args;

  function selectCommand(): CliArgs {
    const [command, ...rest] = positionals;
    if (command === undefined) throw new UsageError('missing command: rollback, reenable, disable, check, recommend, history or undo. See tune-wizard --help.');
    if (values.force && command !== 'undo') throw new UsageError('--force is for undo only.');
    if (values.reason !== undefined && command !== 'disable') throw new UsageError('--reason is for disable.');
    if (values.reason !== undefined && values.reason.trim() === '') {
      throw new UsageError('--reason is empty: write why, such as --reason "OOM during rustc", or leave --reason out for the note "DISABLED by tune-wizard (DATE)".');
    }
    if (values.reason !== undefined && /[\r\n]/.test(values.reason)) {
      throw new UsageError('--reason must be one line: it becomes a comment on the import\'s line in flake.nix.');
    }
    if (command === 'check' || command === 'recommend') return parseReportCommand(command, rest, values, base);
    if (values.json || values.apply) throw new UsageError(`--${values.json ? 'json' : 'apply'} is for check and recommend, not ${command}.`);

    if (command === 'rollback') {
      if (rest.length > 0) throw new UsageError(`rollback takes no argument, got "${rest[0]}". See tune-wizard --help.`);
      if (values['min-headroom'] !== undefined) throw new UsageError('--min-headroom is for reenable, not rollback.');
      return { ...base, command, only: parseOnly(values.only) };
    }
    if (command === 'reenable' || command === 'disable') {
      if (values.only !== undefined) throw new UsageError(`--only is for rollback, not ${command}.`);
      if (values.reason !== undefined && command === 'reenable') throw new UsageError('--reason is for disable, not reenable.');
      if (rest.length !== 1) {
        throw new UsageError(`${command} takes one module: unified-llm, or the import path as written in flake.nix (./modules/ml/offload).`);
      }
      const name = rest[0]!;
      if (name.trim() === '') {
        throw new UsageError(`${command}: the module name is empty; write unified-llm, or the import path as written in flake.nix (./modules/ml/offload).`);
      }
      return { ...base, command, moduleName: name };
    }
    if ((command === 'history' || command === 'undo') && (values.only !== undefined || values['min-headroom'] !== undefined)) {
      throw new UsageError(`--only and --min-headroom are for rollback and reenable, not ${command}.`);
    }
    if (command === 'history') {
      if (rest.length > 0) throw new UsageError(`history takes no argument, got "${rest[0]}". See tune-wizard --help.`);
      return { ...base, command };
    }
    if (command === 'undo') {
      if (rest.length > 1) throw new UsageError('undo takes at most one run id; `tune-wizard history` lists them.');
      return { ...base, command, runId: rest[0] };
    }
    throw new UsageError(`unknown command "${command}": use rollback, reenable, disable, check, recommend, history or undo. See tune-wizard --help.`);
  }
}

function parseReportCommand(
  command: 'check' | 'recommend',
  rest: string[],
  values: { only?: string; json?: boolean; apply?: boolean; yes?: boolean; 'dry-run'?: boolean; 'no-rebuild'?: boolean },
  base: Omit<CliArgs, 'command'>,
): CliArgs {
  if (rest.length > 0) throw new UsageError(`${command} takes no argument, got "${rest[0]}". See tune-wizard --help.`);
  if (values.only !== undefined) throw new UsageError(`--only is for rollback, not ${command}.`);
  if (command === 'check') {
    const editFlag = values.apply ? '--apply' : values.yes ? '--yes' : values['dry-run'] ? '--dry-run' : values['no-rebuild'] ? '--no-rebuild' : undefined;
    if (editFlag) throw new UsageError(`check changes nothing; ${editFlag} is not for check.`);
  } else if (values.json && values.apply) {
    throw new UsageError('recommend --json prints the suggestions; --apply writes them. Use one of them.');
  } else if (!values.apply && (values.yes || values['dry-run'] || values['no-rebuild'])) {
    throw new UsageError('--yes, --dry-run and --no-rebuild only mean something with recommend --apply.');
  }
  return { ...base, command };
}

const REBUILD_FLAGS = ['mode', 'elevate', 'quiet', 'stop-below', '--'];
const EDIT_FLAGS = ['flake', 'sysroot', 'yes', 'dry-run', 'no-rebuild', ...REBUILD_FLAGS];

/** The flags each command uses; any other is refused rather than silently ignored. */
const FLAGS_USED: Record<Exclude<CliArgs['command'], 'help' | 'version'>, string[]> = {
  rollback: [...EDIT_FLAGS, 'only'],
  reenable: [...EDIT_FLAGS, 'min-headroom'],
  disable: [...EDIT_FLAGS, 'reason'],
  check: ['flake', 'sysroot', 'json', 'min-headroom'],
  recommend: [...EDIT_FLAGS, 'json', 'apply'],
  history: [],
  undo: ['sysroot', 'force', 'yes', 'dry-run', 'no-rebuild', ...REBUILD_FLAGS],
};

function refuseUnusedFlags(args: CliArgs, given: Record<string, unknown>, passthrough: boolean): void {
  if (args.command === 'help' || args.command === 'version') return;
  const flags = [...Object.keys(given).filter((f) => given[f] !== undefined), ...(passthrough ? ['--'] : [])];
  const usedBy = (flag: string) => Object.entries(FLAGS_USED).filter(([, used]) => used.includes(flag)).map(([command]) => command);
  const name = (flag: string) => (flag === '--' ? 'the arguments after --' : `--${flag}`);
  for (const flag of flags) {
    const users = usedBy(flag);
    const applyOnly = args.command === 'recommend' && !args.apply && REBUILD_FLAGS.includes(flag);
    if (FLAGS_USED[args.command].includes(flag) && !applyOnly) continue;
    if (applyOnly) throw new UsageError(`${name(flag)} only mean${flag === '--' ? '' : 's'} something with recommend --apply.`);
    const list = users.length > 1 ? `${users.slice(0, -1).join(', ')} and ${users.at(-1)}` : users[0];
    const what = args.command === 'history' ? 'history only lists the recorded runs and takes no options' : `${name(flag)} ${flag === '--' ? 'are' : 'is'} for ${list}, not ${args.command}`;
    throw new UsageError(`${args.command === 'history' ? `${name(flag)}: ` : ''}${what}.`);
  }
}

/** What each flag that takes a value wants, for the messages below. */
const FLAG_VALUES: Record<string, string> = {
  flake: 'a flake directory and host such as ~/nixos#kernelcore',
  only: 'a comma-separated list of cpu, zram, swappiness',
  'min-headroom': 'a size such as 8G',
  reason: 'one line of text, in quotes',
  sysroot: 'a directory',
  mode: 'one of switch, boot, test, build',
  elevate: 'one of sudo, doas, run0, none',
  'stop-below': 'a size such as 1G or a share of RAM such as 5%',
};

/**
 * node's parseArgs errors, in our words: which flag, and what to write.
 * (Its own messages suggest `--`, which here means nixos-rebuild's args.)
 */
function describeParseError(error: NodeJS.ErrnoException, argv: string[]): string {
  const quoted = /'(-[^' ,]*)/.exec(error.message)?.[1];
  const long = /'(?:-\w, )?(--[\w-]+)/.exec(error.message)?.[1];
  const name = long?.slice(2);
  const help = 'See tune-wizard --help.';
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${quoted ?? '(unreadable)'}. ${help}`;
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && name) {
    const wants = FLAG_VALUES[name];
    if (!wants) return `--${name} takes no value; write just --${name}. ${help}`;
    if (/argument missing/.test(error.message)) return `--${name} needs a value: ${wants}. ${help}`;
    const next = argv[argv.indexOf(`--${name}`) + 1] ?? '';
    if (/^-\d/.test(next)) {
      return SIZE_FLAGS.has(name)
        ? `--${name} needs ${wants}; negative sizes are not allowed.`
        : `--${name} ${next}: write ${wants}.`;
    }
    return `--${name} needs a value (${wants}), but ${next} follows it, which is an option. Write --${name} VALUE, or --${name}=${next} if the value really starts with "-".`;
  }
  return `${error.message.split('\n')[0]!.replace(/\.$/, '')}. ${help}`;
}

const SIZE_FLAGS = new Set(['min-headroom', 'stop-below']);

/**
 * --flake DIR, DIR#HOST or #HOST. Only a local directory can be edited, so
 * flake URLs are refused with what to write instead.
 */
function splitFlake(value: string): [string, string | undefined] {
  if (value.trim() === '') throw new UsageError('--flake is empty; write --flake DIR#HOST, such as --flake ~/nixos#kernelcore.');
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(value)?.[1];
  if (scheme) {
    const rest = value.slice(scheme.length + 1);
    const instead = scheme === 'path' ? `write the directory itself: --flake ${rest.replace(/\?[^#]*/, '')}` : 'point it at a local checkout: --flake DIR#HOST';
    throw new UsageError(`--flake ${value}: tune-wizard edits files, so it needs a local flake directory, not a ${scheme}: URL; ${instead}.`);
  }
  const parts = value.split('#');
  if (parts.length > 2) throw new UsageError(`--flake ${value}: more than one #; write --flake DIR#HOST with a single #.`);
  if (parts.length === 1) return [value, undefined];
  const host = parts[1]!;
  if (host === '') throw new UsageError(`--flake ${value}: the host after # is empty; write --flake DIR#HOST or leave out #.`);
  return [parts[0] || '.', host];
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

/** 0 is a size too: no headroom required (the gate and the warning are off). */
function parseHeadroom(value: string): number {
  if (/^\s*-/.test(value)) throw new UsageError('--min-headroom needs a size such as 8G; negative sizes are not allowed.');
  const bytes = parseFlagSize(value);
  if (bytes === 'no-unit') throw new UsageError(`--min-headroom ${value}: add a unit, such as ${value}G (0 for no minimum).`);
  if (bytes === 'space') throw new UsageError(`--min-headroom ${value}: write it without a space, such as ${value.replace(/\s+/g, '')}.`);
  if (bytes === undefined) {
    throw new UsageError(`--min-headroom ${value}: write a size such as 8G, 512M or 10GiB (0 for no minimum).`);
  }
  return bytes;
}
