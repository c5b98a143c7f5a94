// The rebuild step: decides whether to rebuild at all (nothing changed, dry
// run, --no-rebuild), then hands over to the watched runner in
// src/rebuild/ (loaded only when a rebuild really runs).
import { planCommands } from '../rebuild/rebuild-commands.js';
import type { RebuildStep, RunContext } from './types.js';

export interface RebuildOutcome {
  /** nothing: no file changed; skipped: --dry-run or --no-rebuild; built: --mode build. */
  status: 'nothing' | 'skipped' | 'built' | 'switched';
  command: string[];
  lowestHeadroom: number | undefined;
}

/** The command that applies the configuration (the one to tell the user about). */
export function rebuildCommand(ctx: RunContext): string[] {
  const commands = planCommands(ctx);
  return commands.final ?? commands.build;
}

/** The first command the rebuild needs (elevation tool, nixos-rebuild) that is not on PATH. */
export async function findMissingCommand(ctx: RunContext): Promise<string | undefined> {
  for (const word of rebuildCommand(ctx).filter((w) => ['sudo', 'doas', 'run0', 'nixos-rebuild'].includes(w))) {
    if (!(await ctx.runner.find(word))) return word;
  }
  return undefined;
}

export async function runRebuild(step: RebuildStep, ctx: RunContext): Promise<RebuildOutcome> {
  const command = rebuildCommand(ctx);
  const commands = planCommands(ctx);
  const shown = commands.final ? `${commands.build.join(' ')}, then ${command.join(' ')}` : command.join(' ');
  const outcome: RebuildOutcome = { status: 'skipped', command, lowestHeadroom: undefined };

  if (ctx.workspace.changes().length === 0) {
    ctx.ui.skipped('no file changed, so there is nothing to rebuild');
    return { ...outcome, status: 'nothing' };
  }
  if (ctx.options.dryRun) {
    ctx.ui.skipped(`dry run: would run ${shown}`);
    return outcome;
  }
  if (ctx.options.noRebuild) {
    ctx.ui.skipped(`--no-rebuild: run it yourself: ${command.join(' ')}`);
    return outcome;
  }

  const { runWatchedRebuild } = await import('../rebuild/run-rebuild.js');
  const report = await runWatchedRebuild(ctx, step.watchMemory);
  return { ...outcome, ...report };
}
