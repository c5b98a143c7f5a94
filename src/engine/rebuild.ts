// Runs `nixos-rebuild switch` for the host, streaming its output and, for
// heavy builds, the machine's memory every few seconds.
import { AbortError, RebuildError } from '../errors.js';
import { formatBytes } from '../system/units.js';
import type { RebuildStep, RunContext } from './types.js';

export interface RebuildOutcome {
  /** nothing: no file changed; skipped: --dry-run or --no-rebuild. */
  status: 'nothing' | 'skipped' | 'switched';
  command: string[];
  lowestHeadroom: number | undefined;
}

const MEMORY_INTERVAL_MS = Number(process.env.TUNE_WIZARD_MEMORY_INTERVAL_MS ?? 5000);

export function rebuildCommand(ctx: RunContext): string[] {
  const rebuild = ['nixos-rebuild', 'switch', '--flake', `${ctx.flakeDir}#${ctx.host}`];
  return process.getuid?.() === 0 ? rebuild : ['sudo', ...rebuild];
}

export async function runRebuild(step: RebuildStep, ctx: RunContext): Promise<RebuildOutcome> {
  const command = rebuildCommand(ctx);
  const shown = command.join(' ');
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
    ctx.ui.skipped(`--no-rebuild: run it yourself: ${shown}`);
    return outcome;
  }

  ctx.ui.info(`running ${shown}`);
  const running = ctx.runner.start(command[0]!, command.slice(1), (line) => ctx.ui.output(line));
  const watcher = step.watchMemory ? watchMemory(ctx, outcome) : undefined;

  const stop = (): void => running.stop();
  ctx.signal.addEventListener('abort', stop);
  let result;
  try {
    result = await running.result;
  } finally {
    ctx.signal.removeEventListener('abort', stop);
    await watcher?.stop();
  }

  if (ctx.signal.aborted) {
    throw new AbortError('Interrupted during the rebuild; it was stopped.');
  }
  if (result.exitCode !== 0) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode ?? 'unknown'}`;
    const tail = result.tail.filter((l) => l.trim() !== '').slice(-3).join(' | ');
    throw new RebuildError(`\`${shown}\` ${how}${tail ? `: ${tail}` : ''}. Fix the error and run again.`);
  }

  outcome.status = 'switched';
  ctx.ui.ok(`rebuild finished${outcome.lowestHeadroom === undefined ? '' : `; lowest headroom ${formatBytes(outcome.lowestHeadroom)}`}`);
  return outcome;
}

function watchMemory(ctx: RunContext, outcome: RebuildOutcome): { stop(): Promise<void> } {
  let stopped = false;
  let pending: Promise<void> = Promise.resolve();
  const sample = async (): Promise<void> => {
    const mem = await ctx.sysroot.memInfo().catch(() => undefined);
    if (!mem || stopped) return;
    const headroom = mem.memAvailable + mem.swapFree;
    outcome.lowestHeadroom = Math.min(outcome.lowestHeadroom ?? headroom, headroom);
    const swapUsed = mem.swapTotal - mem.swapFree;
    ctx.ui.info(
      `memory: ${formatBytes(mem.memAvailable)} available of ${formatBytes(mem.memTotal)}, swap ${formatBytes(swapUsed)} of ${formatBytes(mem.swapTotal)} used`,
    );
  };
  pending = sample();
  const timer = setInterval(() => {
    pending = sample();
  }, MEMORY_INTERVAL_MS);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      stopped = true;
    },
  };
}
