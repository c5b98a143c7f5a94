#!/usr/bin/env node
// Entry point: parse the command line, set up the context, run the
// procedure, and turn the outcome into one message and an exit code. This
// is the only place that exits.
import { readFileSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { disable } from '../steps/disable.js';
import { knownModules, reenable } from '../steps/reenable.js';
import { rollback } from '../steps/rollback.js';
import { HELP, parseCli, type CliArgs } from './args.js';
import { createRunContext } from './engine/context.js';
import { onInterrupt } from './engine/interrupt.js';
import { applyAll, terminalPrompter, type Prompter } from './engine/prompt.js';
import { findMissingCommand, missingCommandMessage } from './engine/rebuild.js';
import { runProcedure, type RunSummary } from './engine/run-procedure.js';
import type { BuildJournal, Procedure, RunContext } from './engine/types.js';
import { colourWanted, processStreams, Ui } from './engine/ui.js';
import { ExitCode, UsageError, UserError } from './errors.js';
import { beginJournaledRun, finishJournaledRun, recordChecks, warnOfUnfinishedRun, type JournaledRun } from './journal/journaled-run.js';
import { refuseSecondBuild } from './journal/live-builds.js';
import { findStateDir } from './journal/state-dir.js';
import { processRunner } from './system/command-runner.js';
import { localDate } from './system/local-time.js';
import { Sysroot } from './system/sysroot.js';
import { formatBytes } from './system/units.js';
import { Workspace } from './system/workspace.js';

export async function main(argv: string[]): Promise<number> {
  const ui = new Ui(processStreams, colourWanted(process.env, Boolean(process.stderr.isTTY)));
  try {
    const args = parseCli(argv);
    if (args.command === 'help') {
      ui.print(HELP);
      return ExitCode.ok;
    }
    if (args.command === 'version') {
      ui.print(readVersion());
      return ExitCode.ok;
    }
    if (args.command === 'history') {
      const { runHistoryCommand } = await import('./journal/history-command.js');
      return await runHistoryCommand(findStateDir(process.env), ui);
    }
    return await runCommand(args, ui);
  } catch (error) {
    if (error instanceof UserError) {
      process.stderr.write(`tune-wizard: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`tune-wizard: unexpected error; please report it with the output below.\n`);
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    return ExitCode.error;
  }
}

async function runCommand(args: CliArgs, ui: Ui): Promise<number> {
  const onlyReads = args.command === 'check' || (args.command === 'recommend' && !args.apply);
  const sysroot = new Sysroot(path.resolve(args.sysroot));
  await sysroot.requireReadable();
  if (args.rebuild.stopBelow?.kind === 'bytes' && !onlyReads) await requireReachableStopLine(sysroot, args.rebuild.stopBelow);

  // What was asked for must exist before the missing terminal is worth a word.
  if (args.command === 'undo') {
    const stateDir = findStateDir(process.env);
    const { chooseUndoTarget } = await import('./journal/undo-target.js');
    const { listRuns } = await import('./journal/run-journal.js');
    const choice = chooseUndoTarget(await listRuns(stateDir), args.runId);
    if ('nothing' in choice) {
      ui.print(choice.nothing);
      return ExitCode.ok;
    }
    const prompter = choosePrompter(args, onlyReads);
    const { runUndoCommand } = await import('./journal/undo-command.js');
    return runUndoCommand({ ...args, stateDir, ui, prompter, runner: processRunner });
  }

  const flakeDir = await findFlakeDir(args.flake);
  const host = args.host ?? (await sysroot.hostname()) ?? os.hostname();
  try {
    await requireHost(flakeDir, host);
    const prompter = choosePrompter(args, onlyReads);
    return await runInFlake(args, ui, { flakeDir, host, sysroot, prompter }, onlyReads);
  } catch (error) {
    if (error instanceof UserError) error.message = inFlakeTerms(error.message, flakeDir);
    throw error;
  }
}

function choosePrompter(args: CliArgs, onlyReads: boolean): Prompter {
  if (!args.yes && !args.dryRun && !processStreams.isTerminal && !onlyReads) {
    throw new UsageError('no terminal to ask on: pass --yes to apply every step, or --dry-run to only show them.');
  }
  return args.yes ? applyAll : terminalPrompter;
}

async function runInFlake(args: CliArgs, ui: Ui, setup: Omit<Setup, 'workspace'>, onlyReads: boolean): Promise<number> {
  const { flakeDir, host } = setup;

  if (onlyReads) {
    const ctx = await makeContext(args, ui, { ...setup, workspace: new Workspace(true) }, new AbortController().signal);
    // Loaded only for these commands: rollback and reenable start faster.
    if (args.command === 'check') return (await import('./check/check-command.js')).runCheck(ctx, args.json);
    return (await import('./recommend/recommend-command.js')).printRecommendation(ctx, args.json);
  }

  const stateDir = findStateDir(process.env);
  const flakeRealPath = await realpath(flakeDir);
  if (args.dryRun) await refuseSecondBuild(stateDir, setup.sysroot, ui, false);
  if (args.dryRun) await warnOfUnfinishedRun(stateDir, flakeRealPath, ui);
  const run = args.dryRun ? undefined : await beginJournaledRun({
    stateDir,
    command: [args.command, ...(args.moduleName ? [args.moduleName] : [])],
    flake: flakeDir,
    flakeRealPath,
    host,
    ui,
    prompter: setup.prompter,
    sysroot: setup.sysroot,
    yes: args.yes,
    willBuild: !args.noRebuild,
  });
  const workspace = new Workspace(args.dryRun, run?.journal);
  try {
    const summary = await runJournaled(args, ui, { ...setup, workspace, buildJournal: run?.journal }, run);
    if (run) await finishJournaledRun(run, summary, undefined);
  } catch (error) {
    if (run) await finishJournaledRun(run, undefined, error);
    if (run && workspace.changes().length > 0) {
      ui.warn(`this run left ${workspace.changes().length} file(s) changed; \`tune-wizard undo\` puts them back (run ${run.journal.id}).`);
    }
    throw error;
  }
  return ExitCode.ok;
}

interface Setup {
  flakeDir: string;
  host: string;
  sysroot: Sysroot;
  workspace: Workspace;
  prompter: Prompter;
  /** Records the build's process group (absent in a dry run). */
  buildJournal?: BuildJournal | undefined;
}

async function makeContext(args: CliArgs, ui: Ui, setup: Setup, signal: AbortSignal): Promise<RunContext> {
  const ctx = createRunContext({
    flakeDir: setup.flakeDir,
    host: setup.host,
    sysroot: setup.sysroot,
    workspace: setup.workspace,
    runner: processRunner,
    ui,
    signal,
    options: {
      yes: args.yes,
      dryRun: args.dryRun,
      noRebuild: args.noRebuild,
      minHeadroom: args.minHeadroom,
      only: args.only,
      rebuild: args.rebuild,
    },
    systemAtStart: await setup.sysroot.currentSystem(),
    ...(setup.buildJournal ? { buildJournal: setup.buildJournal } : {}),
  });
  await ctx.configuration();
  return ctx;
}

async function runJournaled(args: CliArgs, ui: Ui, setup: Setup, run: JournaledRun | undefined): Promise<RunSummary> {
  const interrupt = new AbortController();
  const stopListening = onInterrupt((name) => interrupt.abort(name));
  try {
    const ctx = await makeContext(args, ui, setup, interrupt.signal);
    const chosen = await chooseProcedure(args, ctx);
    const procedure = run ? recordChecks(chosen, run.journal) : chosen;
    if (!args.dryRun && !args.noRebuild) {
      await requireCommands(ctx);
      // A stop line already above the headroom is found before the first edit, not after it.
      if (procedure.steps.some((step) => step.kind === 'rebuild')) {
        const { refuseCrossedStopLine } = await import('./rebuild/run-rebuild.js');
        await refuseCrossedStopLine(ctx);
      }
    }

    ui.streams.err(`tune-wizard ${procedure.name}: ${procedure.summary}\n  flake ${setup.flakeDir}, host ${setup.host}${args.dryRun ? ', dry run' : ''}\n`);
    return await runProcedure(procedure, ctx, setup.prompter);
  } finally {
    stopListening();
  }
}

async function chooseProcedure(args: CliArgs, ctx: RunContext): Promise<Procedure> {
  if (args.command === 'rollback') return rollback;
  if (args.command === 'reenable') return reenable(asWritten(ctx.flakeDir, args.moduleName!));
  if (args.command === 'recommend') {
    const { recommendFor } = await import('./recommend/recommend-command.js');
    const { recommendProcedure } = await import('../steps/recommend.js');
    return recommendProcedure(await recommendFor(ctx));
  }
  const today = localDate(new Date());
  const moduleName = asWritten(ctx.flakeDir, args.moduleName!);
  const importPath = knownModules[moduleName] ?? moduleName;
  const { findEarlierComment } = await import('./journal/earlier-comment.js');
  const earlier = args.reason === undefined ? await findEarlierComment(findStateDir(process.env), ctx.flakeDir, importPath) : undefined;
  return disable(moduleName, args.reason, today, earlier);
}

/**
 * A module named by an absolute path inside the flake, as the flake writes
 * it: `/home/me/flake/modules/ml/offload` → `./modules/ml/offload`, so that
 * every step (and the journal) sees the one spelling.
 */
function asWritten(flakeDir: string, name: string): string {
  if (!path.isAbsolute(name)) return name;
  const relative = path.relative(flakeDir, name);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? name : `./${relative.split(path.sep).join('/')}`;
}

/**
 * The flake directory --flake names. A path to the flake.nix itself is
 * taken as its directory: that is what a careful user may well type.
 */
async function findFlakeDir(given: string): Promise<string> {
  const resolved = path.resolve(given);
  const info = await stat(resolved).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) {
    const why = info.code === 'ENOENT' ? 'no such directory' : info.code === 'EACCES' ? 'permission denied' : info.message;
    throw new UserError(`--flake ${given}: ${why}. Point --flake at your configuration's flake directory (the one holding flake.nix).`);
  }
  if (info.isFile()) {
    if (path.basename(resolved) === 'flake.nix') return path.dirname(resolved);
    throw new UserError(`--flake ${given} is a file, not a flake directory. Point --flake at the directory holding flake.nix.`);
  }
  const flakeFile = await stat(path.join(resolved, 'flake.nix')).catch(() => undefined);
  if (!flakeFile?.isFile()) {
    throw new UserError(`${resolved}: no flake.nix here. Point --flake at your configuration's flake directory.`);
  }
  return resolved;
}

/** The host must be in flake.nix: read only that file, before anything else is asked or taken. */
async function requireHost(flakeDir: string, host: string): Promise<void> {
  const [{ parseFile }, { findHost }] = await Promise.all([import('./config/parse-file.js'), import('./config/host-call.js')]);
  findHost(await parseFile(new Workspace(true), path.join(flakeDir, 'flake.nix')), host);
}

/**
 * The watchdog stops the build when free memory + usable swap fall under
 * --stop-below; a line at or above RAM + swap would stop it at once.
 */
async function requireReachableStopLine(sysroot: Sysroot, stopBelow: { bytes: number; text: string }): Promise<void> {
  const mem = await sysroot.memInfo().catch(() => undefined);
  if (!mem) return;
  const most = mem.memTotal + mem.swapTotal;
  if (stopBelow.bytes < most) return;
  throw new UsageError(
    `--stop-below ${stopBelow.text} is at or above this machine's RAM + swap (${formatBytes(mem.memTotal)} + ${formatBytes(mem.swapTotal)}), so the build would be stopped at once; write a smaller size such as 1G, or a share of RAM such as 5%.`,
  );
}

/** Files inside the flake are named as the steps name them: relative to it. */
function inFlakeTerms(message: string, flakeDir: string): string {
  const prefix = flakeDir.endsWith(path.sep) ? flakeDir : `${flakeDir}${path.sep}`;
  const [first, ...rest] = message.split(prefix);
  let out = first!;
  for (const part of rest) out += (/(^|[\s`'"(])$/.test(out) ? '' : prefix) + part;
  return out;
}

/** The rebuild's commands must exist before any file is touched. */
async function requireCommands(ctx: RunContext): Promise<void> {
  const missing = await findMissingCommand(ctx);
  if (missing) throw new UserError(`${missingCommandMessage(missing)} Nothing was changed.`);
}

function readVersion(): string {
  const file = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

const exitCode = await main(process.argv.slice(2));
process.exitCode = exitCode;
