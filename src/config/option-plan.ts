// Plans the change of one option to a requested value across every module
// of a host: finds each definition, works out which one wins before and
// after (priorities, conflicts), and produces the byte edits.
import path from 'node:path';

import {
  describeLiteral,
  formatLiteral,
  sameLiteral,
  type NixLiteral,
} from '../nix/query.js';
import { childNodes, fromByteString, type Node } from '../nix/syntax.js';
import { confText, findConfLines, type ConfLine } from './conf-lines.js';
import { findDefinitions, PRIORITY, type Definition, type Opaque } from './definitions.js';
import { spellLibFunction } from './lib-spelling.js';
import { shortPath, type Configuration } from './module-graph.js';
import { replaceWith, type TextEdit } from './text-edit.js';

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
}

export interface OptionPlan {
  target: OptionTarget;
  definitions: Definition[];
  opaque: Opaque[];
  before: Resolution;
  after: Resolution;
  edits: Map<string, TextEdit[]>;
  notes: string[];
}

export function planOption(config: Configuration, target: OptionTarget): OptionPlan {
  const definitions: Definition[] = [];
  const opaque: Opaque[] = [];
  for (const name of [target.option, ...(target.aliases ?? [])]) {
    for (const module of config.modules) {
      const found = findDefinitions(module, splitOption(name));
      definitions.push(...found.definitions);
      opaque.push(...found.opaque);
    }
  }

  let before = resolve(definitions.map((d) => ({ def: d, value: d.value, priority: d.priority })));
  let planned = planEdits(config, definitions, target, Boolean(target.wrapPlainIn));
  if (target.wrapPlainIn && !reaches(planned.after, target)) {
    // Written as mkDefault, the new value would lose to (or conflict with) a
    // definition we cannot edit; keep the plain priority instead.
    const plain = planEdits(config, definitions, target, false);
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
  if (definitions.length === 0 && opaque.length === 0 && lines.length === 0) {
    notes.push(...planMissing(config, target, edits));
  } else if (after.conflict) {
    notes.push(`After this change ${target.option} still has conflicting definitions; fix them by hand.`);
  } else if (after.value === undefined && after.winners.length > 1 && edits.size > 0) {
    notes.push(`Until the hand edit above is made, the definitions of ${target.option} at ${describePriority(after.priority)} disagree and NixOS will refuse to evaluate; make it before rebuilding.`);
  } else if (!sameLiteral(after.value, target.value) && after.value !== undefined) {
    notes.push(`After this change ${target.option} is still ${describeLiteral(after.value)}, decided at ${where(config, after.winners)}.`);
  }

  return { target, definitions, opaque, before, after, edits, notes };
}

/** The option is not defined: say what the default gives, maybe add it. */
function planMissing(config: Configuration, target: OptionTarget, edits: Map<string, TextEdit[]>): string[] {
  const fallback = target.nixosDefault;
  const gives = fallback ? `, which is ${describeLiteral(fallback)}` : '';
  const unread = config.unfollowed.filter((u) => u.kind === 'computed');
  if (unread.length > 0) {
    // A module that was not read may well define it: saying "not defined"
    // would be a guess, and adding a definition could conflict with its own.
    const where = unread.map((u) => `${shortPath(config, u.file)}:${u.line}`).join(', ');
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
    const brace = set.end - 1;
    return { start: brace, end: brace, text: `${binding} ` };
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
  };
}

interface PlannedEdits {
  edits: Map<string, TextEdit[]>;
  notes: string[];
  after: Resolution;
}

function planEdits(config: Configuration, definitions: Definition[], target: OptionTarget, wrap: boolean): PlannedEdits {
  const edits = new Map<string, TextEdit[]>();
  const notes: string[] = [];
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

    const atDefinition = source.editAt === def.valueNode;
    const isPlain = def.priority === PRIORITY.plain && def.wrapper === undefined;
    const fileEdits = edits.get(def.file) ?? [];
    edits.set(def.file, fileEdits);
    if (wrap && target.wrapPlainIn && atDefinition && isPlain) {
      const spelling = spellLibFunction(def.module, def.valueNode, target.wrapPlainIn);
      const call = `${spelling.text} ${literal}`;
      const text = needsParens(def.valueNode) ? `(${call})` : call;
      fileEdits.push(...spelling.edits, replaceWith(def.valueNode.start, def.valueNode.end, text));
      return { def, value: target.value, priority: PRIORITY.default };
    }
    fileEdits.push(replaceWith(source.editAt.start, source.editAt.end, literal));
    return { def, value: target.value, priority: def.priority };
  });
  return { edits, notes, after: resolve(candidates) };
}

/** Whether a function call written in place of `node` must be parenthesized. */
function needsParens(node: Node): boolean {
  const parent = node.parent;
  return parent !== undefined && ['Apply', 'List', 'Select', 'BinOp', 'UnaryOp', 'HasAttr'].includes(parent.kind);
}

function reaches(resolution: Resolution, target: OptionTarget): boolean {
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
}

/** Which definitions win, as the module system decides it. */
function resolve(candidates: Candidate[]): Resolution {
  if (candidates.length === 0) return { value: undefined, priority: undefined, winners: [], conflict: false };
  const priority = Math.min(...candidates.map((c) => c.priority));
  const winning = candidates.filter((c) => c.priority === priority);
  const first = winning[0]!.value;
  const conflict = winning.some((c) => c.value === undefined || !sameLiteral(c.value, first));
  return {
    value: conflict ? undefined : first,
    priority,
    winners: winning.map((c) => c.def),
    conflict: conflict && winning.every((c) => c.value !== undefined),
  };
}

export function describePriority(priority: Resolution['priority']): string {
  if (priority === 'extraOptions') return 'a nix.extraOptions line (appended to nix.conf, so it wins)';
  if (priority === PRIORITY.default) return 'mkDefault';
  if (priority === PRIORITY.force) return 'mkForce';
  if (priority === PRIORITY.plain) return 'a plain definition';
  return priority === undefined ? 'no definition' : `mkOverride ${priority}`;
}

export function where(config: Configuration, definitions: Definition[]): string {
  return definitions.map((d) => `${shortPath(config, d.file)}:${d.line}`).join(', ');
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
  return resolve(candidates);
}
