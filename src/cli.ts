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
import { applyAll, terminalPrompter, type Prompter } from './engine/prompt.js';
import { findMissingCommand } from './engine/rebuild.js';
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
  const interactive = processStreams.isTerminal;
  const onlyReads = args.command === 'check' || (args.command === 'recommend' && !args.apply);
  if (!args.yes && !args.dryRun && !interactive && !onlyReads) {
    throw new UsageError('no terminal to ask on: pass --yes to apply every step, or --dry-run to only show them.');
  }
  const prompter = args.yes ? applyAll : terminalPrompter;
  const sysroot = new Sysroot(path.resolve(args.sysroot));
  await sysroot.requireReadable();
  if (args.command === 'undo') {
    const stateDir = findStateDir(process.env);
    const { runUndoCommand } = await import('./journal/undo-command.js');
    return runUndoCommand({ ...args, stateDir, ui, prompter, runner: processRunner });
  }

  const flakeDir = path.resolve(args.flake);
  await requireFlake(flakeDir);
  const host = args.host ?? (await sysroot.hostname()) ?? os.hostname();
  const setup = { flakeDir, host, sysroot, prompter };

  if (onlyReads) {
    const ctx = await makeContext(args, ui, { ...setup, workspace: new Workspace(true) }, new AbortController().signal);
    // Loaded only for these commands: rollback and reenable start faster.
    if (args.command === 'check') return (await import('./check/check-command.js')).runCheck(ctx, args.json);
    return (await import('./recommend/recommend-command.js')).printRecommendation(ctx, args.json);
  }

  const stateDir = findStateDir(process.env);
  const flakeRealPath = await realpath(flakeDir);
  if (args.dryRun) await refuseSecondBuild(stateDir, ui, false);
  if (args.dryRun) await warnOfUnfinishedRun(stateDir, flakeRealPath, ui);
  const run = args.dryRun ? undefined : await beginJournaledRun({
    stateDir,
    command: [args.command, ...(args.moduleName ? [args.moduleName] : [])],
    flake: flakeDir,
    flakeRealPath,
    host,
    ui,
    prompter,
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
  const onSignal = (): void => interrupt.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const ctx = await makeContext(args, ui, setup, interrupt.signal);
    const chosen = await chooseProcedure(args, ctx);
    const procedure = run ? recordChecks(chosen, run.journal) : chosen;
    if (!args.dryRun && !args.noRebuild) await requireCommands(ctx);

    ui.streams.err(`tune-wizard ${procedure.name}: ${procedure.summary}\n  flake ${setup.flakeDir}, host ${setup.host}${args.dryRun ? ', dry run' : ''}\n`);
    return await runProcedure(procedure, ctx, setup.prompter);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function chooseProcedure(args: CliArgs, ctx: RunContext): Promise<Procedure> {
  if (args.command === 'rollback') return rollback;
  if (args.command === 'reenable') return reenable(args.moduleName!);
  if (args.command === 'recommend') {
    const { recommendFor } = await import('./recommend/recommend-command.js');
    const { recommendProcedure } = await import('../steps/recommend.js');
    return recommendProcedure(await recommendFor(ctx));
  }
  const today = localDate(new Date());
  const importPath = knownModules[args.moduleName!] ?? args.moduleName!;
  const { findEarlierComment } = await import('./journal/earlier-comment.js');
  const earlier = args.reason === undefined ? await findEarlierComment(findStateDir(process.env), ctx.flakeDir, importPath) : undefined;
  return disable(args.moduleName!, args.reason ?? 'disabled with tune-wizard', today, earlier);
}

async function requireFlake(dir: string): Promise<void> {
  const info = await stat(path.join(dir, 'flake.nix')).catch(() => undefined);
  if (!info?.isFile()) {
    throw new UserError(`${dir}: no flake.nix here. Point --flake at your configuration's flake directory.`);
  }
}

/** The rebuild's commands must exist before any file is touched. */
async function requireCommands(ctx: RunContext): Promise<void> {
  const missing = await findMissingCommand(ctx);
  if (missing) {
    throw new UserError(`${missing} is not on PATH; nothing was changed. Run this on the NixOS machine, or pass --no-rebuild to only edit the files.`);
  }
}

function readVersion(): string {
  const file = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

const exitCode = await main(process.argv.slice(2));
process.exitCode = exitCode;
