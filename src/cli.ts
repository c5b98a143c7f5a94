#!/usr/bin/env node
// Entry point: parse the command line, set up the context, run the
// procedure, and turn the outcome into one message and an exit code. This
// is the only place that exits.
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { reenable } from '../steps/reenable.js';
import { rollback } from '../steps/rollback.js';
import { HELP, parseCli, type CliArgs } from './args.js';
import { loadConfiguration } from './config/module-graph.js';
import { applyAll, terminalPrompter } from './engine/prompt.js';
import { rebuildCommand } from './engine/rebuild.js';
import { runProcedure } from './engine/run-procedure.js';
import type { Procedure, RunContext } from './engine/types.js';
import { colourWanted, processStreams, Ui } from './engine/ui.js';
import { ExitCode, UsageError, UserError } from './errors.js';
import { processRunner } from './system/command-runner.js';
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
  if (!args.yes && !args.dryRun && !interactive) {
    throw new UsageError('no terminal to ask on: pass --yes to apply every step, or --dry-run to only show them.');
  }

  const sysroot = new Sysroot(path.resolve(args.sysroot));
  const flakeDir = path.resolve(args.flake);
  await requireFlake(flakeDir);
  const host = args.host ?? (await sysroot.hostname()) ?? os.hostname();
  const workspace = new Workspace(args.dryRun);
  const interrupt = new AbortController();
  const onSignal = (): void => interrupt.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const procedure: Procedure = args.command === 'rollback' ? rollback : reenable(args.moduleName!);

  const ctx: RunContext = {
    flakeDir,
    host,
    sysroot,
    workspace,
    runner: processRunner,
    ui,
    signal: interrupt.signal,
    options: {
      yes: args.yes,
      dryRun: args.dryRun,
      noRebuild: args.noRebuild,
      minHeadroom: args.minHeadroom,
      only: args.only,
      rebuild: args.rebuild,
    },
    systemAtStart: await sysroot.currentSystem(),
    configuration: () => loadConfiguration(workspace, flakeDir, host),
  };

  await ctx.configuration();
  if (!args.dryRun && !args.noRebuild) await requireCommands(ctx);

  ui.streams.err(`tune-wizard ${procedure.name}: ${procedure.summary}\n  flake ${flakeDir}, host ${host}${args.dryRun ? ', dry run' : ''}\n`);
  try {
    await runProcedure(procedure, ctx, args.yes ? applyAll : terminalPrompter);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return ExitCode.ok;
}

async function requireFlake(dir: string): Promise<void> {
  const info = await stat(path.join(dir, 'flake.nix')).catch(() => undefined);
  if (!info?.isFile()) {
    throw new UserError(`${dir}: no flake.nix here. Point --flake at your configuration's flake directory.`);
  }
}

/** The rebuild's commands must exist before any file is touched. */
async function requireCommands(ctx: RunContext): Promise<void> {
  const commands = rebuildCommand(ctx).filter((word) => ['sudo', 'doas', 'run0', 'nixos-rebuild'].includes(word));
  for (const command of commands) {
    if (!(await ctx.runner.find(command))) {
      throw new UserError(`${command} is not on PATH; nothing was changed. Run this on the NixOS machine, or pass --no-rebuild to only edit the files.`);
    }
  }
}

function readVersion(): string {
  const file = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

const exitCode = await main(process.argv.slice(2));
process.exitCode = exitCode;
