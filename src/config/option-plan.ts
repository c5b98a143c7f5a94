// Plans the change of one option to a requested value across every module
// of a host: finds each definition, works out which one wins before and
// after (priorities, conflicts), and produces the byte edits.
import path from 'node:path';

import {
  attrNames,
  describeLiteral,
  formatLiteral,
  lineOf,
  sameLiteral,
  type NixLiteral,
} from '../nix/query.js';
import { childNodes, childTokens, fromByteString, type Node } from '../nix/syntax.js';
import { confText, findConfLines, type ConfLine } from './conf-lines.js';
import {
  findDefinitions,
  findSetDefinitions,
  PRIORITY,
  submoduleOf,
  type Definition,
  type Inactive,
  type Opaque,
  type SubmoduleOption,
} from './definitions.js';
import { spellLibFunction } from './lib-spelling.js';
import { shortPath, type Configuration } from './module-graph.js';
import { replaceWith, type TextEdit } from './text-edit.js';
import { countUses } from './value-source.js';

export interface OptionTarget {
  /** Dotted option path, e.g. nix.settings.max-jobs. */
  option: string;
  /** Older names that set the same option (nix.maxJobs). */
  aliases?: string[];
  value: NixLiteral;
  /** Write plain definitions as `mkDefault VALUE` (the seed's spelling). */
  wrapPlainIn?: 'mkDefault';
  /** nix.conf keys that `nix.extraOptions` lines may set (they win). */
  confKeys?: string[];
  /** What NixOS gives the option when no module defines it. */
  nixosDefault?: NixLiteral;
  /** When no module defines it, add it to this block (e.g. zramSwap). */
  addInto?: string;
}

export interface Resolution {
  value: NixLiteral | undefined;
  /** A priority, or 'extraOptions' when a nix.extraOptions line decides. */
  priority: number | 'extraOptions' | undefined;
  winners: Definition[];
  conflict: boolean;
  /**
   * More than one definition wins where the option takes exactly one (a
   * sysctl): NixOS refuses to evaluate even when the values are equal.
   * `conflict` is then true as well.
   */
  duplicate: boolean;
  /**
   * More than one definition wins where the option takes exactly one, but
   * not all of them unconditionally (an `mkIf` whose condition tune-wizard
   * cannot know): NixOS refuses only if the conditions hold.
   */
  maybeDuplicate?: boolean;
  /**
   * Inside a submodule option (nix.settings, boot.kernel.sysctl): the
   * priority of the definitions of the whole set that count.
   */
  setPriority: number | undefined;
  /** Definitions of the option that do not count because the whole set they are in loses. */
  dropped: Definition[];
  /** `priority` as the winners write it ("mkOverride 50", "mkForce"), when known. */
  how?: string;
  /** `setPriority` as the wrappers around the counting sets write it, when known. */
  setHow?: string;
}

export interface OptionPlan {
  target: OptionTarget;
  definitions: Definition[];
  opaque: Opaque[];
  before: Resolution;
  after: Resolution;
  edits: Map<string, TextEdit[]>;
  notes: string[];
  /** The nix.extraOptions lines that decide the option, edited where they differ. */
  confLines: ConfLine[];
  /**
   * Set when the option cannot be planned safely: what is wrong, where, and
   * the edit to make by hand. Nothing of the plan may be written then.
   */
  refusal?: string;
  /**
   * Places tune-wizard could not read that may set the option (an opaque
   * item, a module it did not follow), as `file:line (\`text\`)`: whatever
   * the plan says, the value is only known once they are checked by hand.
   */
  checks: string[];
}

export function planOption(config: Configuration, target: OptionTarget): OptionPlan {
  const definitions: Definition[] = [];
  const opaque: Opaque[] = [];
  const inactive: Inactive[] = [];
  for (const name of [target.option, ...(target.aliases ?? [])]) {
    for (const module of config.modules) {
      const found = findDefinitions(module, splitOption(name));
      definitions.push(...found.definitions);
      // `config = import ./x.nix { }` hides the option under its old name as
      // well as its own: one place, reported once, by the option's name.
      for (const item of found.opaque) {
        if (!opaque.some((o) => o.file === item.file && o.line === item.line && o.text === item.text)) {
          opaque.push({ ...item, option: target.option });
        }
      }
      inactive.push(...found.inactive);
    }
  }

  const scope = scopeOf(config, target.option);
  let before = resolve(definitions.map((d) => ({ def: d, value: d.value, priority: d.priority })), scope);
  let planned = planEdits(config, definitions, target, Boolean(target.wrapPlainIn), scope);
  if (target.wrapPlainIn && !planned.refusal && !reaches(planned.after, target)) {
    // Written as mkDefault, the new value would lose to (or conflict with) a
    // definition we cannot edit; keep the plain priority instead.
    const plain = planEdits(config, definitions, target, false, scope);
    if (reaches(plain.after, target)) planned = plain;
  }
  const { edits, notes } = planned;
  let after = planned.after;
  const lines = findConfLines(config, target.confKeys ?? []);
  if (lines.length > 0) {
    before = decidedByLines(lines, lines.map((l) => l.value));
    after = decidedByLines(lines, lines.map((l) => planConfLine(config, l, target, edits, notes)));
  }

  for (const item of opaque) {
    notes.push(`${shortPath(config, item.file)}:${item.line}: \`${item.text}\` may set ${item.option} in a way tune-wizard cannot read; check it by hand.`);
  }
  for (const item of inactive) {
    notes.push(`${shortPath(config, item.file)}:${item.line}: \`${item.text}\` never applies (its condition is false), so it does not define ${item.option}; it is left as it is.`);
  }
  if (lines.length === 0) notes.push(...wholeSetNotes(config, target, scope, before));
  const maybe = lines.length === 0 ? [after, before].find((r) => r.maybeDuplicate) : undefined;
  if (maybe) notes.push(maybeDuplicateNote(config, target, maybe));
  // Edits change values only, never priorities, so a sysctl defined twice
  // at its winning priority stays so; the after check is a safety net.
  const duplicate = lines.length === 0 ? [before, after].find((r) => r.duplicate) : undefined;
  const refusal = (duplicate && refuseDuplicate(config, target, duplicate, duplicate === before)) || planned.refusal;
  if (definitions.length === 0 && opaque.length === 0 && lines.length === 0) {
    notes.push(...planMissing(config, target, edits));
  } else if (refusal) {
    // The refusal says it all.
  } else if (after.conflict) {
    notes.push(`After this change ${target.option} still has conflicting definitions; fix them by hand.`);
  } else if (after.value === undefined && after.winners.length > 1 && edits.size > 0) {
    notes.push(`Until the hand edit above is made, the definitions of ${target.option} at ${describePriority(after.priority)} disagree and NixOS will refuse to evaluate; make it before rebuilding.`);
  } else if (!sameLiteral(after.value, target.value) && after.value !== undefined) {
    notes.push(`After this change ${target.option} is still ${describeLiteral(after.value)}, decided at ${where(config, after.winners)}.`);
  } else if (definitions.length > 0 && after.winners.length === 0 && after.priority !== 'extraOptions' && target.nixosDefault && !sameLiteral(target.nixosDefault, target.value)) {
    notes.push(`After this change no definition of ${target.option} counts, so NixOS uses its default, ${describeLiteral(target.nixosDefault)}.`);
  }

  const checks = [
    ...opaque.map((item) => `${shortPath(config, item.file)}:${item.line} (\`${item.text}\`)`),
    ...config.unfollowed.filter((u) => u.kind === 'computed').map((u) => `${shortPath(config, u.file)}:${u.line} (\`${u.text}\`, not read)`),
  ];
  return { target, definitions, opaque, before, after, edits, notes, confLines: lines, checks: [...new Set(checks)], ...(refusal ? { refusal } : {}) };
}

/**
 * A sysctl defined more than once at its winning priority does not
 * evaluate in NixOS, whatever the values. Setting every definition to the
 * new value would not help, so the choice is between refusing and
 * repairing. tune-wizard refuses: a repair means deciding which definition
 * is the real one and lowering the priority of (or deleting) the others,
 * and those modules may be shared with other hosts, where a lowered
 * priority can start a new conflict (mkDefault against another mkDefault)
 * or let another value win. The configuration is already broken, so the
 * user has to look at it anyway; they are told where, and the edit that
 * fixes it.
 */
function refuseDuplicate(config: Configuration, target: OptionTarget, resolution: Resolution, today: boolean): string {
  // The definitions under an mkIf tune-wizard cannot decide are not counted:
  // the ones that surely apply are enough to make it fail.
  const r = { ...resolution, winners: resolution.winners.filter(isUnconditional) };
  const count = r.winners.length;
  const times = count === 2 ? 'twice' : `${count} times`;
  const at = r.winners.map((d) => `${shortPath(config, d.file)}:${d.line} (\`${snippet(d, d.binding)}\`)`).join(', ');
  const others = count === 2 ? 'the other' : 'the others';
  const lower = typeof r.priority === 'number' && r.priority < PRIORITY.default ? 'lib.mkDefault' : `lib.mkOverride ${(typeof r.priority === 'number' ? r.priority : PRIORITY.default) + 100}`;
  const state = today
    ? 'so this configuration does not evaluate today ("defined multiple times while it\'s expected to be unique")'
    : 'and the planned change would leave it so';
  return (
    `${target.option} is defined ${times} at the same priority (${describeLevel(r)}): ${at}. ` +
    `NixOS takes exactly one definition of a sysctl at its winning priority, even when the values are equal, ${state}. ` +
    `tune-wizard does not choose one for you: keep the one you mean and set it to ${formatLiteral(target.value)}, ` +
    `delete ${others} (or give ${count === 2 ? 'it' : 'them'} a lower priority, e.g. ${lower}, so that ${count === 2 ? 'it loses' : 'they lose'}), then run again. Nothing was changed.`
  );
}

/**
 * A sysctl defined more than once at its winning priority, some of the
 * definitions under an `mkIf` whose condition tune-wizard cannot know
 * (`config.x.enable`). NixOS refuses the configuration only when the
 * conditions hold, so tune-wizard does not claim it is broken, and does not
 * refuse either: the system this runs on was most likely built from these
 * files, which means the conditions are false today, and refusing would
 * stop a user whose configuration is fine. Every definition is set to the
 * new value instead, so that whichever applies says it, and a true
 * condition leaves the configuration exactly as broken as before (the
 * rebuild then fails and the run puts the files back). The user is told,
 * with the hand edit that removes the doubt.
 */
function maybeDuplicateNote(config: Configuration, target: OptionTarget, r: Resolution): string {
  const at = r.winners.map((d) => {
    const under = d.conditions.filter((c) => !isTrue(c)).map((c) => `\`${c.replace(/\s+/g, ' ').trim()}\``);
    return `${shortPath(config, d.file)}:${d.line}${under.length > 0 ? ` (only when ${under.join(' and ')})` : ''}`;
  });
  const conditions = [...new Set(r.winners.flatMap((d) => d.conditions.filter((c) => !isTrue(c))).map((c) => `\`${c.replace(/\s+/g, ' ').trim()}\``))];
  const holds = conditions.length === 1 ? `${conditions[0]} holds` : `${conditions.join(' or ')} hold`;
  return (
    `${target.option} is defined at ${at.join(' and ')}, at the same priority (${describeLevel(r)}). ` +
    `NixOS takes exactly one definition of a sysctl: ${r.winners.length === 2 ? 'both' : 'all'} may apply, and if ${holds}, NixOS refuses to evaluate this configuration ` +
    `("defined multiple times while it's expected to be unique"), before this change as after it. tune-wizard cannot tell whether it does, ` +
    `so every definition is set to ${formatLiteral(target.value)}; to be sure, keep one and delete the others (or give them a lower priority, e.g. lib.mkDefault).`
  );
}

/** `plain`, `mkForce`, or `plain, inside mkForce around all of boot.kernel.sysctl`. */
function describeLevel(r: Resolution): string {
  const own = r.priority === PRIORITY.plain ? 'plain' : (r.how ?? describePriority(r.priority));
  if (r.setPriority === undefined || r.setPriority === PRIORITY.plain || r.winners.length === 0) return own;
  const set = submoduleOf(splitOption(r.winners[0]!.option))?.path.join('.') ?? 'the set';
  return `${own}, inside ${r.setHow ?? describePriority(r.setPriority)} around all of ${set}`;
}

/** What the whole-set wrappers around the option's set do, when there are any. */
function wholeSetNotes(config: Configuration, target: OptionTarget, scope: Scope, before: Resolution): string[] {
  const submodule = scope.submodule;
  if (!submodule || before.setPriority === undefined) return [];
  const set = submodule.path.join('.');
  const name = target.option.slice(set.length + 1);
  const notes: string[] = [];
  const counting = setSites(config, scope.sets.filter((d) => d.setPriority === before.setPriority));
  const losing = setSites(config, scope.sets.filter((d) => d.setPriority !== before.setPriority));
  const wrappers = uniqueWrappers(config, scope.sets.filter((d) => d.setPriority === before.setPriority));

  for (const d of before.dropped) {
    const inside = d.setWrapper
      ? `inside the ${wrapperText(d.setWrapper.name, d.setPriority)} around all of ${set} (line ${d.setWrapper.line})`
      : `in a plain definition of ${set}`;
    const level = before.setPriority === PRIORITY.plain ? 'plain' : (before.setHow ?? describePriority(before.setPriority));
    // Its own wrapper (`lib.mkForce 100`) counts only inside its set.
    const own = d.wrapper ? `${wrapperText(d.wrapper, d.priority)} ` : '';
    const changed = !sameLiteral(d.value, target.value) && d.source.kind !== 'computed' && d.source.editAt !== undefined && isInside(config.flakeDir, d.file)
      ? ` It is changed to ${formatLiteral(target.value)} all the same, in case the winning definition goes away.`
      : '';
    notes.push(
      `${shortPath(config, d.file)}:${d.line}: ${name} = ${own}${describeLiteral(d.value)} is ${inside}, which loses as a whole to ` +
        `the ${level} definition${counting.length === 1 ? '' : 's'} of ${set} at ${listSome(counting)}: ` +
        `NixOS weighs each definition of the whole set against every other one and drops the losers with everything in them, so it has no effect.${changed}`,
    );
  }
  if (before.setPriority < PRIORITY.plain && wrappers.length > 0) {
    const here = losing.length > 0 ? ` (in this configuration: ${listSome(losing)})` : '';
    notes.push(
      `${wrappers.join('; ')} around all of ${set}: this makes it the only definition of ${set} that counts; ` +
        `every other one${here}, NixOS's own included, is dropped whole, with every value it sets. ` +
        `To force some values only, write the wrapper on each value inside the set instead.`,
    );
  } else if (before.setPriority > PRIORITY.plain && wrappers.length > 0) {
    notes.push(
      `${wrappers.join('; ')} around all of ${set}: NixOS weighs this whole set against every other definition of ${set} ` +
        `and drops it, with every value in it, if any has a higher priority. In this flake none has, but NixOS's own modules ` +
        `define ${set} at normal priority, so on a real system the set is likely dropped. ` +
        `To lower the priority of some values only, write the wrapper on each value inside the set instead.`,
    );
  }
  return notes;
}

/** The first few of a list that can be long, then how many more. */
function listSome(items: string[]): string {
  return items.length > 3 ? `${items.slice(0, 3).join(', ')} and ${items.length - 3} more` : items.join(', ');
}

/**
 * Where each definition of a whole set is, once: at its wrapper when it has
 * one (`nix.settings = lib.mkForce {`), else at the binding that reaches
 * into the set (`nix.settings.cores = 2;`).
 */
function setSites(config: Configuration, definitions: Definition[]): string[] {
  return [...new Set(definitions.map((d) => `${shortPath(config, d.file)}:${d.setWrapper?.line ?? d.line}`))];
}

/** `m.nix:4: lib.mkForce` for each wrapper around a whole set, once. */
function uniqueWrappers(config: Configuration, definitions: Definition[]): string[] {
  const found = definitions.flatMap((d) =>
    d.setWrapper ? [`${shortPath(config, d.file)}:${d.setWrapper.line}: ${wrapperText(d.setWrapper.name, d.setPriority)}`] : [],
  );
  return [...new Set(found)];
}

/** How a priority wrapper is written: lib.mkForce, lib.mkOverride 900. */
function wrapperText(name: string, priority: number): string {
  return name === 'mkOverride' ? `lib.mkOverride ${priority}` : `lib.${name}`;
}

function snippet(def: Definition, node: Node): string {
  const text = textOf(def, node).replace(/\s+/g, ' ').trim();
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The option is not defined: say what the default gives, maybe add it. */
function planMissing(config: Configuration, target: OptionTarget, edits: Map<string, TextEdit[]>): string[] {
  const fallback = target.nixosDefault;
  const gives = fallback ? `, which is ${describeLiteral(fallback)}` : '';
  const unread = config.unfollowed.filter((u) => u.kind === 'computed');
  if (unread.length > 0) {
    // A module that was not read may well define it: saying "not defined"
    // would be a guess, and adding a definition could conflict with its own.
    // Two modules on one line are one place to look at.
    const where = [...new Set(unread.map((u) => `${shortPath(config, u.file)}:${u.line}`))].join(', ');
    const them = unread.length === 1 ? `the module at ${where} was not read and may; check it` : `the modules at ${where} were not read and may; check them`;
    return [`No module that tune-wizard read defines ${target.option}, but ${them} and set it to ${formatLiteral(target.value)} by hand if needed.`];
  }
  const undefinedNote = `No module of this host defines ${target.option}; NixOS uses its default${gives}.`;
  if (!fallback || sameLiteral(fallback, target.value) || !target.addInto) return [undefinedNote];

  const blocks = config.modules.flatMap((m) => findDefinitions(m, splitOption(target.addInto!)).definitions);
  const block = blocks.find((d) => d.valueNode.kind === 'AttrSet' && isInside(config.flakeDir, d.file));
  if (!block) return [undefinedNote, `No ${target.addInto} block to add it to; add ${target.option} = ${formatLiteral(target.value)}; by hand if you want it.`];

  const name = target.option.slice(target.addInto.length + 1);
  const list = edits.get(block.file) ?? [];
  list.push(insertBinding(block.tree.text, block.valueNode, `${name} = ${formatLiteral(target.value)};`));
  edits.set(block.file, list);
  return [`${undefinedNote} This step adds ${name} = ${formatLiteral(target.value)}; to the ${target.addInto} block at ${shortPath(config, block.file)}:${block.line}; skip it to keep the default.`];
}

/** A new binding after the last one in a set, on its own line when the set spans lines. */
function insertBinding(text: string, set: Node, binding: string): TextEdit {
  const last = childNodes(set).filter((n) => n.kind === 'Binding' || n.kind === 'Inherit').at(-1);
  if (!last) {
    // `{ }` → `{ x = 1; }`, `{}` → `{ x = 1; }`, and a set written over
    // several lines gets the binding on its own line, indented one step in.
    const brace = set.end - 1;
    const before = text[brace - 1];
    if (before === ' ' || before === '\t') return { start: brace, end: brace, text: `${binding} ` };
    const lineStart = text.lastIndexOf('\n', brace - 1) + 1;
    const indent = text.slice(lineStart, brace);
    if (lineStart > set.start && /^[ \t]*$/.test(indent)) {
      const eol = text[lineStart - 2] === '\r' ? '\r\n' : '\n';
      return { start: lineStart, end: lineStart, text: `${indent}  ${binding}${eol}` };
    }
    return { start: brace, end: brace, text: ` ${binding} ` };
  }
  const lineStart = text.lastIndexOf('\n', last.start - 1) + 1;
  const indent = text.slice(lineStart, last.start);
  const sameLine = /^[ \t]*$/.test(indent);
  const lineEnd = text.indexOf('\n', last.end);
  if (!sameLine || lineEnd === -1) return { start: last.end, end: last.end, text: ` ${binding}` };
  const eol = text[lineEnd - 1] === '\r' ? '\r\n' : '\n';
  const at = text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd;
  return { start: at, end: at, text: `${eol}${indent}${binding}` };
}

/** Edits one nix.extraOptions line; returns the value it will hold. */
function planConfLine(config: Configuration, line: ConfLine, target: OptionTarget, edits: Map<string, TextEdit[]>, notes: string[]): NixLiteral {
  if (sameLiteral(line.value, target.value)) return line.value;
  const file = line.definition.file;
  if (!isInside(config.flakeDir, file)) {
    notes.push(`${file}:${line.line}: nix.extraOptions sets ${line.key} = ${confText(line.value)} outside the flake; change it to ${confText(target.value)} by hand.`);
    return line.value;
  }
  const list = edits.get(file) ?? [];
  list.push(replaceWith(line.start, line.end, confText(target.value)));
  edits.set(file, list);
  return target.value;
}

/** nix.conf is read top to bottom: the last extraOptions line wins. */
function decidedByLines(lines: ConfLine[], values: NixLiteral[]): Resolution {
  const last = values.at(-1)!;
  const disagree = values.some((v) => !sameLiteral(v, last));
  return {
    value: disagree ? undefined : last,
    priority: 'extraOptions',
    winners: lines.map((l) => l.definition),
    conflict: false,
    duplicate: false,
    setPriority: undefined,
    dropped: [],
  };
}

interface PlannedEdits {
  edits: Map<string, TextEdit[]>;
  notes: string[];
  after: Resolution;
  /** A definition that cannot be edited safely: nothing of the plan may be written. */
  refusal?: string;
}

function planEdits(config: Configuration, definitions: Definition[], target: OptionTarget, wrap: boolean, scope: Scope): PlannedEdits {
  const edits = new Map<string, TextEdit[]>();
  const notes: string[] = [];
  const refusals: string[] = [];
  const literal = formatLiteral(target.value);
  const candidates = definitions.map((def): Candidate => {
    if (sameLiteral(def.value, target.value)) return { def, value: def.value, priority: def.priority };
    const at = `${shortPath(config, def.file)}:${def.line}`;
    const manual = (why: string): Candidate => {
      notes.push(`${at}: ${why}; set ${target.option} to ${literal} there by hand.`);
      return { def, value: def.value, priority: def.priority };
    };
    if (!isInside(config.flakeDir, def.file)) return manual('this file is outside the flake');
    const source = def.source;
    if (source.kind === 'computed') return manual(`\`${textOf(def, def.valueNode)}\` is computed, not written as a value`);
    if (!source.editAt) return manual(`\`${textOf(def, def.binding)}\` takes the value from elsewhere`);
    const reader = readByNeighbours(def);
    if (reader) {
      refusals.push(refuseReadValue(config, target, def, reader));
      return { def, value: def.value, priority: def.priority };
    }

    const atDefinition = source.editAt === def.valueNode;
    // A value inside `nix.settings = lib.mkDefault { ... }` already has the
    // set's priority: it is written bare.
    const isPlain = def.priority === PRIORITY.plain && def.setPriority === PRIORITY.plain && def.wrapper === undefined;
    const fileEdits = edits.get(def.file) ?? [];
    edits.set(def.file, fileEdits);
    if (wrap && target.wrapPlainIn && atDefinition && isPlain) {
      const spelling = spellLibFunction(def.module, def.valueNode, target.wrapPlainIn);
      if ('refused' in spelling) {
        refusals.push(
          `${at}: ${target.option} is to become ${target.wrapPlainIn} ${literal}, but ${spelling.refused}. ` +
            `Rename that local binding, or write ${target.option} = lib.${target.wrapPlainIn} ${literal} there by hand ` +
            `with nixpkgs' lib (the module's \`lib\` argument), then run again. Nothing was changed.`,
        );
        return { def, value: def.value, priority: def.priority };
      }
      const call = `${spelling.text} ${literal}`;
      const text = needsParens(def.valueNode) ? `(${call})` : call;
      fileEdits.push(...spelling.edits, replaceWith(def.valueNode.start, def.valueNode.end, text));
      return { def, value: target.value, priority: PRIORITY.default, written: target.wrapPlainIn };
    }
    fileEdits.push(replaceWith(source.editAt.start, source.editAt.end, literal));
    return { def, value: target.value, priority: def.priority };
  });
  const refusal = refusals.length > 0 ? refusals.join('\n') : undefined;
  return { edits, notes, after: resolve(candidates, scope), ...(refusal ? { refusal } : {}) };
}

/**
 * An entry of a `rec` set that reads the definition: `cores = max-jobs - 1;`
 * next to `max-jobs = 4;`. Changing max-jobs changes cores too, and wrapping
 * it (`lib.mkDefault "auto"`) hands cores a priority wrapper, not a value,
 * which does not evaluate. A careful person would not edit such a value
 * without deciding what the readers should become, and that is a choice
 * about the user's other settings: the plan is refused instead, with where
 * and what to do by hand. (A name bound by `let` and read elsewhere is
 * different: the definition is edited, the `let` left alone; see
 * value-source.ts.)
 */
function readByNeighbours(def: Definition): { name: string; reader: Node } | undefined {
  for (let entry: Node = def.binding, scope = entry.parent; scope; entry = scope, scope = scope.parent) {
    const isRec = scope.kind === 'AttrSet' && childTokens(scope).some((t) => t.kind === 'kw_rec');
    if (!isRec) continue;
    const name = entry.kind === 'Binding'
      ? attrNames(childNodes(entry)[0]!)[0]
      : entry.kind === 'Inherit' && entry === def.binding ? splitOption(def.option).at(-1) : undefined;
    if (name === undefined) continue;
    const reader = childNodes(scope).find((other) => other !== entry && countUses(other, name) > 0);
    if (reader) return { name, reader };
  }
  return undefined;
}

function refuseReadValue(config: Configuration, target: OptionTarget, def: Definition, found: { name: string; reader: Node }): string {
  const at = `${shortPath(config, def.file)}:${def.line}`;
  const readerAt = `${shortPath(config, def.file)}:${lineOf(def.tree, found.reader)}`;
  return (
    `${at}: \`${snippet(def, def.binding)}\` is in a \`rec\` set whose entry \`${snippet(def, found.reader)}\` (${readerAt}) reads \`${found.name}\`: ` +
    `changing ${target.option} there would change that entry too (and writing it as a priority wrapper would stop it evaluating). ` +
    `Write that entry's value out without \`${found.name}\` (or drop \`rec\`), then run again; or set ${target.option} to ${literal(target)} by hand. Nothing was changed.`
  );
}

function literal(target: OptionTarget): string {
  return formatLiteral(target.value);
}

/** Whether a function call written in place of `node` must be parenthesized. */
function needsParens(node: Node): boolean {
  const parent = node.parent;
  return parent !== undefined && ['Apply', 'List', 'Select', 'BinOp', 'UnaryOp', 'HasAttr'].includes(parent.kind);
}

/** Whether the option ends at the target value (or at no definition at all, where the default decides). */
export function reaches(resolution: Resolution, target: OptionTarget): boolean {
  return !resolution.conflict && (resolution.winners.length === 0 || sameLiteral(resolution.value, target.value));
}

function isInside(dir: string, file: string): boolean {
  const relative = path.relative(dir, file);
  return !relative.startsWith('..') && !path.isAbsolute(relative);
}

function textOf(def: Definition, node: Node): string {
  return fromByteString(def.tree.text.slice(node.start, node.end));
}

interface Candidate {
  def: Definition;
  value: NixLiteral | undefined;
  priority: number;
  /** The wrapper that gives `priority` after the edit, when it is not the definition's own. */
  written?: string;
}

/** What decides an option besides its own definitions. */
interface Scope {
  /** The submodule option (nix.settings, boot.kernel.sysctl) the option is an entry of. */
  submodule: SubmoduleOption | undefined;
  /** Every definition of that whole set in this host's modules, those through renamed options included. */
  sets: Definition[];
}

function scopeOf(config: Configuration, option: string): Scope {
  const submodule = submoduleOf(splitOption(option));
  if (!submodule) return { submodule, sets: [] };
  let known = setsCache.get(config);
  if (!known) setsCache.set(config, (known = new Map()));
  let sets = known.get(submodule);
  if (!sets) {
    sets = config.modules.flatMap((module) => [
      ...findSetDefinitions(module, submodule.path),
      // A renamed option's definitions arrive as plain definitions of the set.
      // (Each word is looked for in every file once: `nix` first, which
      // the targets' own aliases have looked for already.)
      ...submodule.renamedFrom
        .filter((from) => from.every((word) => module.mentions(word)))
        .flatMap((from) => findDefinitions(module, from).definitions),
    ]);
    known.set(submodule, sets);
  }
  return { submodule, sets };
}

// The definitions of a whole set, per configuration read: its targets
// (max-jobs, cores) and the steps' preflight ask for the same ones.
const setsCache = new WeakMap<Configuration, Map<SubmoduleOption, Definition[]>>();

/**
 * Which definitions win, as the module system decides it: inside a
 * submodule option, first which definitions of the whole set count (the
 * others are dropped with everything in them), then, among the option's
 * definitions in those sets, the lowest priority number. Equal values at
 * that priority merge, except for an option that takes one definition.
 */
function resolve(candidates: Candidate[], scope: Scope): Resolution {
  let live = candidates;
  let dropped: Definition[] = [];
  let setPriority: number | undefined;
  if (scope.submodule) {
    const priorities = [...scope.sets, ...candidates.map((c) => c.def)].map((d) => d.setPriority);
    if (priorities.length > 0) {
      const counting = Math.min(...priorities);
      setPriority = counting;
      live = candidates.filter((c) => c.def.setPriority === counting);
      dropped = candidates.filter((c) => c.def.setPriority !== counting).map((c) => c.def);
    }
  }
  if (live.length === 0) return { value: undefined, priority: undefined, winners: [], conflict: false, duplicate: false, setPriority, dropped };
  const priority = Math.min(...live.map((c) => c.priority));
  const winning = live.filter((c) => c.priority === priority);
  const how = howWritten(winning.map((c) => ({ priority, wrapper: c.written ?? c.def.priorityWrapper })));
  const setHow = setPriority === undefined
    ? undefined
    : howWritten([...scope.sets, ...candidates.map((c) => c.def)]
      .filter((d) => d.setPriority === setPriority)
      .map((d) => ({ priority: setPriority!, wrapper: d.setWrapper?.name })));
  const first = winning[0]!.value;
  const differ = winning.some((c) => c.value === undefined || !sameLiteral(c.value, first));
  const unique = Boolean(scope.submodule?.unique) && winning.length > 1;
  // Only definitions that surely apply make a sure duplicate.
  const duplicate = unique && winning.filter((c) => isUnconditional(c.def)).length > 1;
  const maybeDuplicate = unique && !duplicate;
  return {
    value: differ || duplicate ? undefined : first,
    priority,
    winners: winning.map((c) => c.def),
    conflict: duplicate || (differ && winning.every((c) => c.value !== undefined)),
    duplicate,
    ...(maybeDuplicate ? { maybeDuplicate } : {}),
    setPriority,
    dropped,
    ...(how ? { how } : {}),
    ...(setHow ? { setHow } : {}),
  };
}

/** Whether the definition applies whatever the configuration: no `mkIf`, or only `mkIf true`. */
export function isUnconditional(def: Definition): boolean {
  return def.conditions.every(isTrue);
}

/** A condition written as `true` (in parentheses or not). */
function isTrue(condition: string): boolean {
  return /^[\s(]*true[\s)]*$/.test(condition);
}

/**
 * How the resolution is reached: "a plain definition", "mkForce", or
 * "a plain definition inside mkForce around all of boot.kernel.sysctl".
 */
export function describeResolutionPriority(r: Resolution): string {
  const own = r.how ?? describePriority(r.priority);
  if (r.setPriority === undefined || r.setPriority === PRIORITY.plain || r.winners.length === 0) return own;
  const set = submoduleOf(splitOption(r.winners[0]!.option))?.path.join('.') ?? 'the set';
  const around = `${r.setHow ?? describePriority(r.setPriority)} around all of ${set}`;
  return r.priority === PRIORITY.plain ? around : `${own} inside ${around}`;
}

/** The state an option is in, for one line of explanation. */
export function describeResolution(r: Resolution, target: Pick<OptionTarget, 'nixosDefault'>): string {
  if (r.duplicate) return `defined ${r.winners.length} times at ${describeResolutionPriority(r)}, where NixOS takes one`;
  if (r.conflict) return 'conflicting definitions';
  if (r.winners.length === 0 && r.dropped.length > 0) {
    return `NixOS's default${target.nixosDefault ? ` ${describeLiteral(target.nixosDefault)}` : ''} (no definition counts)`;
  }
  return `${describeLiteral(r.value)} via ${describeResolutionPriority(r)}`;
}

/**
 * A priority as it was written: `mkOverride 50` stays so (only `mkForce`
 * written as such is "mkForce"), a wrapper without its own name for the
 * number says both.
 */
export function writtenPriority(priority: number, wrapper: string | undefined): string {
  switch (wrapper) {
    case undefined:
      return describePriority(priority);
    case 'mkForce':
    case 'mkDefault':
      return wrapper;
    case 'mkOverride':
      return `mkOverride ${priority}`;
    default:
      return `${wrapper} (priority ${priority})`;
  }
}

/** How the given candidates write their priority, each way once. */
function howWritten(items: { priority: number; wrapper: string | undefined }[]): string | undefined {
  const ways = [...new Set(items.map((i) => writtenPriority(i.priority, i.wrapper)))];
  return ways.length === 0 ? undefined : ways.join(' and ');
}

export function describePriority(priority: Resolution['priority']): string {
  if (priority === 'extraOptions') return 'a nix.extraOptions line (appended to nix.conf, so it wins)';
  if (priority === PRIORITY.default) return 'mkDefault';
  if (priority === PRIORITY.force) return 'mkForce';
  if (priority === PRIORITY.plain) return 'a plain definition';
  return priority === undefined ? 'no definition' : `mkOverride ${priority}`;
}

/**
 * The places that set the option, as counted for the user: "2 definitions
 * (a.nix:3, b.nix:7) and 1 nix.extraOptions line (nix.nix:5)".
 */
export function describeSites(config: Configuration, plan: Pick<OptionPlan, 'definitions' | 'confLines'>, inParens = false): string {
  const parts: [string, string][] = [];
  const count = plan.definitions.length;
  if (count > 0 || plan.confLines.length === 0) {
    parts.push([`${count} definition${count === 1 ? '' : 's'}`, where(config, plan.definitions)]);
  }
  const lines = plan.confLines.length;
  if (lines > 0) {
    const at = [...new Set(plan.confLines.map((l) => `${shortPath(config, l.definition.file)}:${l.line}`))].join(', ');
    parts.push([`${lines} nix.extraOptions line${lines === 1 ? '' : 's'}`, at]);
  }
  // Inside parentheses already: "2 definitions: a.nix:3, b.nix:7; 1 nix.extraOptions line: nix.nix:5".
  return inParens ? parts.map(([what, at]) => `${what}: ${at}`).join('; ') : parts.map(([what, at]) => `${what} (${at})`).join(' and ');
}

export function where(config: Configuration, definitions: Definition[]): string {
  return [...new Set(definitions.map((d) => `${shortPath(config, d.file)}:${d.line}`))].join(', ');
}

/** `boot.kernel.sysctl."vm.swappiness"` → ['boot','kernel','sysctl','vm.swappiness']. */
export function splitOption(option: string): string[] {
  const parts: string[] = [];
  const pattern = /"([^"]*)"|([^.]+)/g;
  for (const match of option.matchAll(pattern)) parts.push(match[1] ?? match[2]!);
  return parts;
}

/** The value the module system gives an option, from this host's modules. */
export function resolveOption(config: Configuration, option: string, aliases: string[] = [], confKeys: string[] = []): Resolution {
  const lines = findConfLines(config, confKeys);
  if (lines.length > 0) return decidedByLines(lines, lines.map((l) => l.value));
  const candidates: Candidate[] = [];
  for (const name of [option, ...aliases]) {
    for (const module of config.modules) {
      for (const def of findDefinitions(module, splitOption(name)).definitions) {
        candidates.push({ def, value: def.value, priority: def.priority });
      }
    }
  }
  return resolve(candidates, scopeOf(config, option));
}
