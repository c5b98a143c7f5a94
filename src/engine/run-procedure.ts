// Walks a procedure: gates, then edits (diff, ask, write), then the
// rebuild, then verification. A failed rebuild or an abort puts every file
// this run changed back to its exact previous bytes.
import path from 'node:path';

import kleur from 'kleur';

import { shortPath } from '../config/module-graph.js';
import { AbortError, AfterSwitchError, GateError, RebuildError, UserError, WatchdogError } from '../errors.js';
import { rebuildTitle } from '../step-kinds/rebuild.js';
import { renderDiff } from './diff-view.js';
import type { Prompter } from './prompt.js';
import { rebuildCommand, runRebuild, type RebuildOutcome } from './rebuild.js';
import { shellCommand } from './shell-words.js';
import type { CheckResult, EditStep, Procedure, RunContext, Step } from './types.js';

export interface RunSummary {
  changedFiles: string[];
  /** Edit steps the user chose to skip. */
  declined: string[];
  /** Hand edits the steps could not make (EditPlan.handEdits), for the closing lines. */
  handEdits: string[];
  /** Places the steps could not read that may decide their options (EditPlan.handChecks), with those options. */
  handChecks: Map<string, string[]>;
  verified: number;
  rebuild: RebuildOutcome | undefined;
}

export async function runProcedure(procedure: Procedure, ctx: RunContext, prompter: Prompter): Promise<RunSummary> {
  const steps = procedure.steps.filter((s) => isSelected(s, ctx));
  const summary: RunSummary = { changedFiles: [], declined: [], handEdits: [], handChecks: new Map(), verified: 0, rebuild: undefined };

  const config = await ctx.configuration();
  ctx.ui.info(`${config.modules.length} module${config.modules.length === 1 ? '' : 's'} of ${ctx.host} read`);
  for (const item of config.unfollowed) {
    const where = `${shortPath(config, item.file)}:${item.line}`;
    if (item.kind === 'outside') {
      ctx.ui.info(`not read (outside this flake): ${item.text} (${where})`);
    } else {
      // Part of the host's own configuration, maybe its tuning: say it loudly.
      ctx.ui.warn(`${where}: \`${item.text}\` is not read: ${item.reason}. tune-wizard does not evaluate Nix, so what it sets is neither checked nor changed: check it by hand, or write it out plainly (a path or a set) to have it read.`);
    }
  }

  for (const step of steps) if (step.kind === 'edit') await step.preflight?.(ctx);

  try {
    for (const [index, step] of steps.entries()) {
      ctx.ui.step(index + 1, steps.length, step.kind === 'rebuild' ? rebuildTitle(ctx.options.rebuild.mode, step.watchMemory) : step.title);
      await runStep(step, ctx, prompter, summary);
      if (ctx.signal.aborted) throw new AbortError('Interrupted.');
    }
  } catch (error) {
    // Until the system runs the new files, the old files are the truth:
    // any failure puts them back. After the switch they stay, to match it.
    const switched = summary.rebuild?.status === 'switched' || error instanceof AfterSwitchError;
    if (!switched) await restore(ctx, error as Error);
    throw error;
  }

  summary.changedFiles = ctx.workspace.changes().map((c) => c.file);
  printClosing(ctx, summary);
  return summary;
}

function isSelected(step: Step, ctx: RunContext): boolean {
  const only = ctx.options.only;
  return !only || step.group === undefined || only.has(step.group);
}

async function runStep(step: Step, ctx: RunContext, prompter: Prompter, summary: RunSummary): Promise<void> {
  switch (step.kind) {
    case 'gate': {
      const result = await step.check(ctx);
      reportCheck(ctx, result);
      if (!result.ok) {
        const advice = typeof step.advice === 'function' ? step.advice(ctx, result) : step.advice;
        throw new GateError(`${step.title}: measured ${result.measured}, needed ${result.needed}. Nothing was changed.${advice ? ` ${advice}` : ''}`);
      }
      return;
    }
    case 'edit':
      return runEdit(step, ctx, prompter, summary);
    case 'rebuild':
      summary.rebuild = await runRebuild(step, ctx);
      return;
    case 'verify': {
      if (summary.rebuild?.status !== 'switched') {
        ctx.ui.skipped(ctx.options.dryRun ? 'dry run: not checked' : summary.rebuild?.status === 'nothing' ? 'skipped: nothing was rebuilt' : 'skipped: needs the rebuilt system');
        return;
      }
      const result = await step.check(ctx);
      reportCheck(ctx, result);
      if (!result.ok) {
        throw new UserError(
          `${step.title}: the rebuilt system shows ${result.measured}, expected ${result.needed}. The configuration was changed and switched; check \`nixos-rebuild list-generations\` and the definitions named above.`,
        );
      }
      summary.verified++;
      return;
    }
  }
}

async function runEdit(step: EditStep, ctx: RunContext, prompter: Prompter, summary: RunSummary): Promise<void> {
  const plan = await step.plan(ctx);
  for (const line of plan.explanation) ctx.ui.info(line);
  for (const note of plan.notes) ctx.ui.warn(note);
  const handEdits = plan.handEdits ?? [];
  summary.handEdits.push(...handEdits);
  const checks = plan.handChecks ?? [];
  for (const check of checks) {
    const known = summary.handChecks.get(check.place) ?? [];
    summary.handChecks.set(check.place, [...new Set([...known, ...check.options])]);
  }
  if (plan.changes.length === 0) {
    // Something unread may decide the step's options: "nothing to change"
    // would be a claim tune-wizard cannot make.
    const places = checks.map((c) => c.place).join(', ');
    if (checks.length > 0) ctx.ui.skipped(`nothing written; check by hand: ${places}${handEdits.length > 0 ? '; the hand edit above is left for you' : ''}`);
    else if (handEdits.length > 0) ctx.ui.skipped('nothing written: the hand edit above is left for you');
    else ctx.ui.ok('nothing to change');
    return;
  }

  for (const change of plan.changes) ctx.ui.print(renderDiff(change, ctx.flakeDir));
  if (ctx.options.dryRun) {
    for (const change of plan.changes) await ctx.workspace.write(change.file, change.before, change.after);
    ctx.ui.skipped(`dry run: ${describeFiles(ctx, plan.changes.map((c) => c.file))} not written`);
    return;
  }

  const answer = await prompter.askStep(`${step.title}: apply this change?`, ctx.signal);
  if (answer === 'abort') throw new AbortError();
  if (answer === 'skip') {
    ctx.ui.skipped('skipped; files left as they are');
    summary.declined.push(step.title);
    return;
  }
  for (const change of plan.changes) await ctx.workspace.write(change.file, change.before, change.after);
  ctx.ui.ok(`wrote ${describeFiles(ctx, plan.changes.map((c) => c.file))}`);
}

function reportCheck(ctx: RunContext, result: CheckResult): void {
  const line = `${result.measured} (needed ${result.needed})`;
  if (result.ok) ctx.ui.ok(line);
  else ctx.ui.fail(line);
}

async function restore(ctx: RunContext, reason: Error): Promise<void> {
  const { restored, keptEdited } = await ctx.workspace.restoreAll();
  if (ctx.options.dryRun) return;
  for (const file of keptEdited) {
    ctx.ui.warn(`${describeFiles(ctx, [file])} was edited by someone else after this run wrote it; left as it is.`);
  }
  if (restored.length === 0) return;
  const what = reason instanceof AbortError ? 'Stopped' : reason instanceof WatchdogError ? 'The watchdog stopped the rebuild' : reason instanceof RebuildError ? 'The rebuild failed' : 'Stopped by an error';
  ctx.ui.warn(`${what}: restored ${describeFiles(ctx, restored)} to ${restored.length === 1 ? 'its' : 'their'} previous bytes.`);
}

export function describeFiles(ctx: RunContext, files: string[]): string {
  return files.map((f) => path.relative(ctx.flakeDir, f) || f).join(', ');
}

function printClosing(ctx: RunContext, summary: RunSummary): void {
  ctx.ui.print('');
  printOutcome(ctx, summary);
  const left = leftForYou(summary);
  if (left.length > 0) ctx.ui.print(kleur.yellow(`Left for you, by hand: ${left.join('; ')}. Then rebuild.`));
}

/**
 * What the user still has to do: the values to set ("set X = v at f:3"),
 * then the places to look at, which may or may not set anything ("check
 * f:4 (`s // { }`), which may set X and Y").
 */
function leftForYou(summary: RunSummary): string[] {
  const sets = [...new Set(summary.handEdits)].map((edit) => `set ${edit}`);
  const checks = [...summary.handChecks].map(([place, options]) => `check ${place}, which may set ${listAnd(options)}`);
  return [...sets, ...checks];
}

function listAnd(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)!}`;
}

function printOutcome(ctx: RunContext, summary: RunSummary): void {
  const changed = summary.changedFiles;
  // "already says" is only true when nothing is left for the user.
  const leftOver = summary.handEdits.length > 0 || summary.handChecks.size > 0;
  if (ctx.options.dryRun) {
    ctx.ui.print(
      changed.length === 0
        ? leftOver ? 'Dry run: nothing for tune-wizard to change; see what is left for you below.' : 'Dry run: nothing to change.'
        : `Dry run: would change ${describeFiles(ctx, changed)}. Nothing was written. Run again without --dry-run to apply.`,
    );
    return;
  }
  if (changed.length === 0) {
    ctx.ui.print(
      summary.declined.length > 0
        ? 'Nothing changed: every change was skipped.'
        : leftOver
          ? 'Nothing changed by tune-wizard; see what is left for you below.'
          : 'Nothing to change: the configuration already says what this procedure asks for.',
    );
    return;
  }
  if (summary.rebuild?.status === 'switched') {
    const checked = summary.verified > 0 ? ` and checked (${summary.verified} check${summary.verified === 1 ? '' : 's'} passed)` : '';
    ctx.ui.print(kleur.green(`Done: changed ${describeFiles(ctx, changed)}; rebuilt${checked}.`));
    return;
  }
  if (summary.rebuild?.status === 'built') {
    ctx.ui.print(`Changed ${describeFiles(ctx, changed)}; built (--mode ${ctx.options.rebuild.mode}), not running yet, so not checked.`);
    return;
  }
  ctx.ui.print(`Changed ${describeFiles(ctx, changed)}; not rebuilt. Next: ${shellCommand(rebuildCommand(ctx))}`);
}
