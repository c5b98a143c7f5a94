// The rebuild step: decides whether to rebuild at all (nothing changed, dry
// run, --no-rebuild), then hands over to the watched runner in
// src/rebuild/ (loaded only when a rebuild really runs).
import { isRoot, planCommands } from '../rebuild/rebuild-commands.js';
import { shellCommand } from './shell-words.js';
import type { BuildLoad } from '../journal/records.js';
import type { RebuildStep, RunContext } from './types.js';

export interface RebuildOutcome {
  /** nothing: no file changed; skipped: --dry-run or --no-rebuild; built: --mode build. */
  status: 'nothing' | 'skipped' | 'built' | 'switched';
  command: string[];
  lowestHeadroom: number | undefined;
  /** How heavy the build was (see BuildLoad), when it ran and could be measured. */
  load?: BuildLoad;
}

/** The command that applies the configuration (the one to tell the user about). */
export function rebuildCommand(ctx: RunContext): string[] {
  const commands = planCommands(ctx);
  return commands.final ?? commands.build;
}

/** The first command the rebuild needs (elevation tool, nixos-rebuild) that is not on PATH. */
export async function findMissingCommand(ctx: RunContext): Promise<string | undefined> {
  for (const word of rebuildCommand(ctx).filter((w) => [...ELEVATION_TOOLS, 'nixos-rebuild'].includes(w))) {
    if (!(await ctx.runner.find(word))) return word;
  }
  return undefined;
}

const ELEVATION_TOOLS = ['sudo', 'doas', 'run0'];

/**
 * What to do about a missing command, by which one it is: nixos-rebuild
 * means this is not the NixOS machine; an elevation tool can be swapped.
 * `canSkipRebuild`: whether --no-rebuild would help (not after undo).
 * `root`: whether tune-wizard runs as root, when no tool is needed at all.
 */
export function missingCommandMessage(command: string, canSkipRebuild = true, root = isRoot()): string {
  if (ELEVATION_TOOLS.includes(command) && root) {
    return `${command} is not on PATH, and no tool is needed to run as root: pass --elevate none (you are root), or install ${command}.`;
  }
  if (ELEVATION_TOOLS.includes(command)) {
    const others = ELEVATION_TOOLS.filter((t) => t !== command).map((t) => `--elevate ${t}`).join(' or ');
    return `${command} is not on PATH, and the switch needs it to run as root: pass ${others} to use another tool, run tune-wizard as root, or install ${command}.`;
  }
  return `${command} is not on PATH: run this on the NixOS machine${canSkipRebuild ? ', or pass --no-rebuild to only edit the files' : ''}.`;
}

export async function runRebuild(step: RebuildStep, ctx: RunContext): Promise<RebuildOutcome> {
  const command = rebuildCommand(ctx);
  const commands = planCommands(ctx);
  const shown = commands.final ? `${shellCommand(commands.build)}, then ${shellCommand(command)}` : shellCommand(command);
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
    ctx.ui.skipped(`--no-rebuild: run it yourself: ${shellCommand(command)}`);
    return outcome;
  }

  const { runWatchedRebuild } = await import('../rebuild/run-rebuild.js');
  const report = await runWatchedRebuild(ctx, step.watchMemory);
  return { ...outcome, ...report };
}
