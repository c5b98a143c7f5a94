// An edit step that sets options to requested values in every module that
// defines them.
import { access } from 'node:fs/promises';
import path from 'node:path';

import { commentOutEdit, describeSites as describeImportSites, findImport, importSitesOf, requireGoneAfter, requireOwnList } from '../config/commented-import.js';
import { shortPath, type Configuration } from '../config/module-graph.js';
import { describeResolution, describeSites, planOption, reaches, where, type OptionPlan, type OptionTarget } from '../config/option-plan.js';
import { formatLiteral } from '../nix/query.js';
import { parseBuffer } from '../config/parse-file.js';
import { otherHostsReading } from '../config/shared-modules.js';
import { applyEdits, type TextEdit } from '../config/text-edit.js';
import type { EditPlan, EditStep, RunContext } from '../engine/types.js';
import { UserError } from '../errors.js';
import type { FileChange } from '../system/workspace.js';

export function setOptions(spec: { title: string; group: string; targets: OptionTarget[] }): EditStep {
  return {
    kind: 'edit',
    title: spec.title,
    group: spec.group,
    async preflight(ctx) {
      // What makes a plan refuse (a sysctl defined twice at one priority)
      // is in the priorities, which no step's edits change: refusing on the
      // files as they are stops the run before the first diff.
      const config = await ctx.configuration();
      refuseIfAny(spec.targets.map((target) => plannedOnce(config, target)));
    },
    async plan(ctx) {
      const config = await ctx.configuration();
      const explanation: string[] = [];
      const notes: string[] = [];
      const handEdits: string[] = [];
      const checks = new Map<string, string[]>();
      const edits = new Map<string, TextEdit[]>();
      const plans = spec.targets.map((target) => plannedOnce(config, target));
      refuseIfAny(plans);
      for (const plan of plans) {
        explanation.push(explainResolution(config, plan.target.option, plan));
        notes.push(...plan.notes);
        const hand = handEdit(config, plan);
        if (hand) handEdits.push(hand);
        for (const place of plan.checks) checks.set(place, [...(checks.get(place) ?? []), plan.target.option]);
        for (const [file, list] of plan.edits) edits.set(file, [...(edits.get(file) ?? []), ...list]);
      }
      // Targets in one set (max-jobs, cores) share the notes about that set.
      const handChecks = [...checks].map(([place, options]) => ({ place, options }));
      const changes = await changesFor(ctx, edits);
      // Not refused (unlike an import line in a shared list): setting a value
      // the procedure asks for is what the user wants on every host that
      // shares the module, most likely; but they should know before saying yes.
      if (changes.length > 0) {
        const shared = await otherHostsReading(ctx.workspace, config);
        for (const change of changes) {
          const others = shared.get(change.file);
          if (!others) continue;
          const names = others.map((name) => `nixosConfigurations.${name}`);
          const by = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)!}`;
          notes.push(`${shortPath(config, change.file)} is also used by ${by}: this change applies there too.`);
        }
      }
      return { changes, explanation, notes: [...new Set(notes)], handEdits, handChecks };
    },
  };
}

// Plans per configuration read: the first step plans on the same files as
// the preflight did, and large configurations take a while to plan.
const plans = new WeakMap<Configuration, Map<OptionTarget, OptionPlan>>();

function plannedOnce(config: Configuration, target: OptionTarget): OptionPlan {
  let known = plans.get(config);
  if (!known) plans.set(config, (known = new Map()));
  let plan = known.get(target);
  if (!plan) known.set(target, (plan = planOption(config, target)));
  return plan;
}

/** A plan that cannot be made safely stops the run, changing nothing (the engine puts back what it wrote). */
function refuseIfAny(plans: OptionPlan[]): void {
  const refusals = plans.flatMap((plan) => (plan.refusal ? [plan.refusal] : []));
  if (refusals.length > 0) throw new UserError(refusals.join('\n'));
}

function explainResolution(config: Configuration, option: string, plan: OptionPlan): string {
  const { before, after } = plan;
  const count = plan.definitions.length;
  if (count === 0 && before.priority !== 'extraOptions') {
    const unread = config.unfollowed.some((u) => u.kind === 'computed') || plan.opaque.length > 0;
    return `${option}: not defined by any module${unread ? ' that tune-wizard could read (see below)' : ''}`;
  }
  const state = (r: OptionPlan['before']): string => describeResolution(r, plan.target);
  if (plan.edits.size === 0 && !before.conflict && reaches(before, plan.target)) {
    return `${option}: already ${state(before)} (${describeSites(config, plan, true)})`;
  }
  if (plan.edits.size === 0 && !before.conflict) {
    return `${option}: ${describeSites(config, plan)}; now ${state(before)}; not changed by this step`;
  }
  return `${option}: ${describeSites(config, plan)}; now ${state(before)}, after ${state(after)}`;
}

/**
 * The edit left to the user when the plan does not bring the option to its
 * value: where the definitions that still decide it are. An option nothing
 * defines is not one (the step says what the default gives instead).
 */
function handEdit(config: Configuration, plan: OptionPlan): string | undefined {
  if (plan.refusal || plan.definitions.length === 0 || reaches(plan.after, plan.target)) return undefined;
  const deciding = plan.after.winners.length > 0 ? plan.after.winners : plan.definitions;
  return `${plan.target.option} = ${formatLiteral(plan.target.value)} at ${where(config, deciding)}`;
}

/** Applies planned edits in memory, checking every result still parses. */
export async function changesFor(ctx: RunContext, edits: Map<string, TextEdit[]>): Promise<FileChange[]> {
  const changes: FileChange[] = [];
  for (const [file, list] of edits) {
    const before = await ctx.workspace.read(file);
    const after = applyEdits(before, list);
    try {
      parseBuffer(after, file);
    } catch (error) {
      throw new UserError(`internal error: the planned edit of ${file} would not parse; nothing was written. Please report this.`, 1, { cause: error });
    }
    if (!after.equals(before)) changes.push({ file, before, after });
  }
  return changes;
}

export function uncommentImport(spec: { title: string; importPath: string }): EditStep {
  return {
    kind: 'edit',
    title: spec.title,
    async plan(ctx): Promise<EditPlan> {
      const config = await ctx.configuration();
      const found = findImport(config, spec.importPath);
      if (found.state === 'active') {
        return { changes: [], explanation: [`${spec.importPath} is already imported (${shortPath(config, found.file)}:${found.line})`], notes: [] };
      }
      const target = path.resolve(config.flakeDir, spec.importPath);
      await access(target).catch(() => {
        throw new UserError(`${shortPath(config, found.found.file)}:${found.found.line}: ${spec.importPath} does not exist under ${config.flakeDir}; restore the module's files first. Nothing was changed.`);
      });
      requireOwnList(config, found.found.list, found.found.line, 'uncommenting it');
      const explanation = [`uncomment ${shortPath(config, found.found.file)}:${found.found.line}${found.found.note ? ` (note: ${found.found.note})` : ''}`];
      const changes = await changesFor(ctx, new Map([[found.found.file, [found.found.edit]]]));
      const elsewhere = importSitesOf(config, spec.importPath);
      const notes = elsewhere.length === 0 ? [] : [
        `${spec.importPath} is already imported at ${describeImportSites(config, elsewhere)}, so ${config.host} has it without this line; uncommenting lists it in flake.nix too.`,
      ];
      return { changes, explanation, notes };
    },
  };
}

export function commentOutImport(spec: { title: string; importPath: string; comment: { note: string; exact?: string } }): EditStep {
  return {
    kind: 'edit',
    title: spec.title,
    async plan(ctx): Promise<EditPlan> {
      const config = await ctx.configuration();
      const found = findImport(config, spec.importPath, 'comment out');
      if (found.state === 'commented') {
        requireGoneAfter(config, spec.importPath, undefined, found.found);
        return { changes: [], explanation: [`${spec.importPath} is already commented out (${shortPath(config, found.found.file)}:${found.found.line})`], notes: [] };
      }
      requireOwnList(config, found.list, found.line, 'commenting it out');
      requireGoneAfter(config, spec.importPath, { file: found.file, line: found.line }, undefined);
      const edit = commentOutEdit(config, found.item, spec.comment);
      const changes = await changesFor(ctx, new Map([[found.file, [{ start: edit.start, end: edit.end, text: edit.text }]]]));
      const how = edit.asBefore ? ', as it was before tune-wizard reenabled it' : '';
      return { changes, explanation: [`comment out ${shortPath(config, found.file)}:${found.line}${how}`], notes: [] };
    },
  };
}
