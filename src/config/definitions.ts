// Finds every definition of an option in a module, however the attribute
// path is written (dotted, nested, quoted) and whatever wraps the value
// (mkIf, mkMerge, mkDefault, mkForce, mkOverride, let, with).
import {
  attrName,
  attrNames,
  flattenApply,
  identName,
  libFunctionName,
  lineOf,
  literalValue,
  stripParens,
  type NixLiteral,
} from '../nix/query.js';
import { childNodes, fromByteString, type Node, type SyntaxTree } from '../nix/syntax.js';
import { bindingValue, isModuleWrapper, moduleBody, moduleTop, type ModuleSource } from './module-graph.js';
import { countUses, findBinding, traceValue, type ValueSource } from './value-source.js';

export const PRIORITY = { force: 50, plain: 100, default: 1000 } as const;

/**
 * An option NixOS declares as a submodule, whose entries tune-wizard edits.
 * The module system weighs priorities per option: every definition of the
 * whole set (`nix.settings = lib.mkDefault { ... };`, or the set that
 * `nix.settings.cores = 2;` makes) first competes with every other one, at
 * the priority written around the set or pushed down onto it from above
 * (`nix = lib.mkForce { ... }`); the losers are dropped with everything in
 * them. Only then are the sets that won merged, entry by entry, with the
 * priorities written inside them.
 */
export interface SubmoduleOption {
  path: string[];
  /**
   * Each entry takes exactly one definition at its winning priority, even
   * when the values are equal (sysctl values merge like mergeOneOption:
   * "defined multiple times while it's expected to be unique").
   */
  unique: boolean;
  /**
   * Options NixOS renames into the set (nix.maxJobs → nix.settings.max-jobs):
   * each of their definitions becomes a plain definition of the whole set.
   */
  renamedFrom: string[][];
}

export const SUBMODULE_OPTIONS: readonly SubmoduleOption[] = [
  {
    path: ['nix', 'settings'],
    unique: false,
    renamedFrom: [
      'useSandbox', 'buildCores', 'maxJobs', 'sandboxPaths', 'binaryCaches', 'trustedBinaryCaches',
      'binaryCachePublicKeys', 'autoOptimiseStore', 'requireSignedBinaryCaches', 'trustedUsers',
      'allowedUsers', 'systemFeatures',
    ].map((name) => ['nix', name]),
  },
  { path: ['boot', 'kernel', 'sysctl'], unique: true, renamedFrom: [] },
];

/** The submodule option `optionPath` is an entry of (strictly below it), if any. */
export function submoduleOf(optionPath: string[]): SubmoduleOption | undefined {
  return SUBMODULE_OPTIONS.find(
    (s) => optionPath.length > s.path.length && s.path.every((name, i) => optionPath[i] === name),
  );
}

export interface Definition {
  option: string;
  file: string;
  tree: SyntaxTree;
  module: ModuleSource;
  /** The Binding that (ends up) defining the option. */
  binding: Node;
  /** The value with every wrapper removed, as written at the definition. */
  valueNode: Node;
  /** Where the value comes from and where an edit must go. */
  source: ValueSource;
  value: NixLiteral | undefined;
  /**
   * The priority it competes at with the other definitions of the option.
   * Inside a submodule option (nix.settings.max-jobs), only the wrappers
   * below the set count here; those around the set are `setPriority`.
   */
  priority: number;
  /**
   * Inside a submodule option: the priority of the definition of the whole
   * set this one is part of, which NixOS weighs first against every other
   * definition of the set (plain unless wrapped). Plain for other options.
   */
  setPriority: number;
  /** The wrapper that gives `setPriority` (`lib.mkForce { ... }`), and its line. */
  setWrapper: { name: string; line: number } | undefined;
  /** The name of the wrapper written at this definition, if any. */
  wrapper: string | undefined;
  /**
   * The wrapper that gives `priority`, as written (mkForce, mkOverride), so
   * that `mkOverride 50` is reported as such and not as mkForce.
   */
  priorityWrapper: string | undefined;
  /** Conditions of enclosing mkIf calls, as written. */
  conditions: string[];
  line: number;
}

export interface Opaque {
  option: string;
  file: string;
  line: number;
  text: string;
}

/** A definition under `mkIf false`: it never counts, and is not edited. */
export interface Inactive {
  option: string;
  file: string;
  line: number;
  /** The mkIf call, as written (shortened). */
  text: string;
}

interface Walk {
  option: string;
  module: ModuleSource;
  found: Definition[];
  opaque: Opaque[];
  inactive: Inactive[];
  /**
   * Inside a submodule option: how many names of the path lie below the
   * set. A wrapper met while at least that many are left to match sits
   * around the set (or above it, pushed down onto it): it gives the
   * definition its `setPriority`.
   */
  inner: number | undefined;
  /** Also take bindings that go below the path (nix.settings.cores, looking for nix.settings). */
  prefix: boolean;
}

interface Context {
  priority: number | undefined;
  priorityWrapper: string | undefined;
  setPriority: number | undefined;
  setWrapper: { name: string; line: number } | undefined;
  wrapper: string | undefined;
  conditions: string[];
  binding: Node | undefined;
}

/** Definitions of `option` (dotted names, e.g. nix.settings.max-jobs). */
export function findDefinitions(
  module: ModuleSource,
  optionPath: string[],
): { definitions: Definition[]; opaque: Opaque[]; inactive: Inactive[] } {
  const submodule = submoduleOf(optionPath);
  const inner = submodule ? optionPath.length - submodule.path.length : undefined;
  return walkModule({ option: optionPath.join('.'), module, found: [], opaque: [], inactive: [], inner, prefix: false }, optionPath);
}

/**
 * Every definition of the whole set `setPath` in a module, each with its
 * `setPriority`: the set itself (`nix.settings = lib.mkDefault { ... };`)
 * and each binding that reaches inside it (`nix.settings.cores = 2;`).
 */
export function findSetDefinitions(module: ModuleSource, setPath: string[]): Definition[] {
  // Only definitions are wanted here, not what may hide one: a module that
  // never writes the set's own name cannot define it, and is not parsed.
  if (!module.mentions(setPath.at(-1)!)) return [];
  return walkModule({ option: setPath.join('.'), module, found: [], opaque: [], inactive: [], inner: 0, prefix: true }, setPath).definitions;
}

function walkModule(walk: Walk, optionPath: string[]): { definitions: Definition[]; opaque: Opaque[]; inactive: Inactive[] } {
  const module = walk.module;
  // The option's own name, or the set holding it, must be written somewhere.
  // Or `config = <computed>;`, which may hide any option.
  const named = optionPath.slice(-2).some((word) => module.mentions(word)) || module.assignsComputed('config');
  if (!named) return { definitions: [], opaque: [], inactive: [] };
  const body = moduleBody(module.expr);
  const start: Context = {
    priority: undefined,
    priorityWrapper: undefined,
    setPriority: undefined,
    setWrapper: undefined,
    wrapper: undefined,
    conditions: [],
    binding: undefined,
  };
  if (!body && isModuleWrapper(module.expr)) {
    // `{ lib, ... }: lib.mkIf cond { ... }`: NixOS takes the whole module as
    // its config, so the wrapper's condition and priority apply to all of it.
    collect(walk, moduleTop(module.expr), optionPath, start);
    return { definitions: walk.found, opaque: walk.opaque, inactive: walk.inactive };
  }
  if (!body) {
    // A module that is not a set written out (`if c then { ... } else { ... }`,
    // a function call) and names the option: it may well define it.
    if (!module.inline) walk.opaque.push(opaqueAt(walk, stripParens(module.expr)));
    return { definitions: [], opaque: walk.opaque, inactive: [] };
  }

  const explicitConfig = hasTopLevel(body, 'config') || hasTopLevel(body, 'options');
  const target = explicitConfig ? ['config', ...optionPath] : optionPath;
  collect(walk, body, target, start);
  return { definitions: walk.found, opaque: walk.opaque, inactive: walk.inactive };
}

/** Something that may define the option, where tune-wizard cannot read what. */
function opaqueAt(walk: Walk, node: Node): Opaque {
  const text = fromByteString(walk.module.tree.text.slice(node.start, node.end)).replace(/\s+/g, ' ').trim();
  return {
    option: walk.option,
    file: walk.module.file,
    line: lineOf(walk.module.tree, node),
    text: text.length > 60 ? `${text.slice(0, 57)}...` : text,
  };
}

function hasTopLevel(set: Node, name: string): boolean {
  return entriesNamed(set, name).some((n) => n.kind === 'Binding' && attrNames(childNodes(n)[0]!)[0] === name);
}

const PRIORITY_WRAPPERS = new Set(['mkDefault', 'mkForce', 'mkOverride', 'mkOptionDefault', 'mkImageMediaOverride', 'mkVMOverride']);

function collect(walk: Walk, expr: Node, path: string[], ctx: Context): void {
  const node = stripParens(expr);

  if (node.kind === 'Apply') {
    const { fn, args } = flattenApply(node);
    const name = libFunctionName(fn);
    const tree = walk.module.tree;
    if (name === 'mkIf' && args.length === 2) {
      const condition = tree.text.slice(args[0]!.start, args[0]!.end);
      const test = literalValue(args[0]!);
      if (test?.type === 'bool' && !test.value) {
        // `mkIf false x` never defines anything: what is inside does not
        // count and is not edited; the definitions it holds are reported.
        const inside: Walk = { ...walk, found: [], opaque: [], inactive: [] };
        collect(inside, args[1]!, path, ctx);
        for (const def of inside.found) {
          walk.inactive.push({ ...opaqueAt(walk, node), option: walk.option, line: def.line });
        }
        return;
      }
      collect(walk, args[1]!, path, { ...ctx, conditions: [...ctx.conditions, condition] });
      return;
    }
    if (name === 'mkMerge' && args.length === 1 && stripParens(args[0]!).kind === 'List') {
      for (const item of childNodes(stripParens(args[0]!))) collect(walk, item, path, ctx);
      return;
    }
    if (name && PRIORITY_WRAPPERS.has(name)) {
      const priority = wrapperPriority(name, args);
      if (priority !== undefined) {
        const wrapper = ctx.wrapper ?? (path.length === 0 ? name : undefined);
        // NixOS takes one priority per option, from the outermost wrapper.
        const aroundSet = walk.inner !== undefined && path.length >= walk.inner;
        collect(walk, args.at(-1)!, path, aroundSet
          ? {
            ...ctx,
            setPriority: ctx.setPriority ?? priority,
            setWrapper: ctx.setWrapper ?? { name, line: lineOf(tree, node) },
            wrapper,
          }
          : {
            ...ctx,
            priority: ctx.priority ?? priority,
            priorityWrapper: ctx.priority === undefined ? name : ctx.priorityWrapper,
            wrapper,
          });
        return;
      }
    }
  }

  if (path.length === 0) {
    walk.found.push(definitionAt(walk, node, ctx));
    return;
  }

  if (node.kind === 'AttrSet') {
    for (const child of entriesNamed(node, path[0]!)) {
      if (child.kind === 'Binding') collectBinding(walk, child, path, ctx);
      if (child.kind === 'Inherit' && path.length === 1) collectInherit(walk, child, path[0]!, ctx);
    }
    return;
  }
  if (node.kind === 'LetIn' || node.kind === 'With' || node.kind === 'Assert') {
    collect(walk, childNodes(node).at(-1)!, path, ctx);
    return;
  }
  // Anything else that can be a set holding the option: a name, a call,
  // `a // b`, `if c then { ... } else { ... }`. What it sets is only known by
  // evaluating it, so it is reported, never passed over. (A list, a string,
  // a number or a function cannot be a set: NixOS would reject it anyway.)
  if (ctx.binding && OPAQUE_KINDS.has(node.kind)) walk.opaque.push(opaqueAt(walk, node));
}

const OPAQUE_KINDS = new Set(['Ident', 'Select', 'Apply', 'BinOp', 'If', 'LegacyLet']);

const entryIndex = new WeakMap<Node, Map<string, Node[]>>();
const DYNAMIC = '\0dynamic';

/**
 * The bindings and inherits of a set whose first name is `name`, plus those
 * with a computed first name. Indexed once per set: large configurations
 * ask many sets for a few names.
 */
function entriesNamed(set: Node, name: string): Node[] {
  let index = entryIndex.get(set);
  if (!index) {
    index = new Map();
    const add = (key: string, entry: Node): void => {
      const list = index!.get(key);
      if (list) list.push(entry);
      else index!.set(key, [entry]);
    };
    for (const child of childNodes(set)) {
      if (child.kind === 'Binding') add(attrNames(childNodes(child)[0]!)[0] ?? DYNAMIC, child);
      if (child.kind === 'Inherit') {
        for (const part of childNodes(child)) if (part.kind !== 'InheritFrom') add(attrName(part) ?? DYNAMIC, child);
      }
    }
    entryIndex.set(set, index);
  }
  const named = index.get(name) ?? [];
  const dynamic = index.get(DYNAMIC);
  return dynamic ? [...new Set([...named, ...dynamic])] : named;
}

function collectBinding(walk: Walk, binding: Node, path: string[], ctx: Context): void {
  const names = attrNames(childNodes(binding)[0]!);
  const length = Math.min(names.length, path.length);
  for (let i = 0; i < length; i++) {
    if (names[i] === undefined) {
      walk.opaque.push({
        option: walk.option,
        file: walk.module.file,
        line: lineOf(walk.module.tree, binding),
        text: fromByteString(walk.module.tree.text.slice(binding.start, binding.end)),
      });
      return;
    }
    if (names[i] !== path[i]) return;
  }
  if (names.length > path.length) {
    // `nix.settings.cores = 2;` is a (plain) definition of all of nix.settings.
    if (walk.prefix) walk.found.push(definitionAt(walk, bindingValue(binding), { ...ctx, wrapper: undefined, binding }));
    return;
  }
  collect(walk, bindingValue(binding), path.slice(names.length), {
    ...ctx,
    wrapper: names.length === path.length ? undefined : ctx.wrapper,
    binding,
  });
}

/** `inherit max-jobs;` or `inherit (cfg) max-jobs;` inside the option's set. */
function collectInherit(walk: Walk, inherit: Node, name: string, ctx: Context): void {
  const source = inheritedSet(inherit);
  if (source) {
    // inherit (limits) max-jobs; with `limits = { max-jobs = ...; }` bound by
    // let and used only here: the definition is the one inside that set.
    collect(walk, source, [name], { ...ctx, wrapper: undefined, binding: inherit });
    return;
  }
  for (const part of childNodes(inherit)) {
    if (part.kind !== 'InheritFrom' && attrName(part) === name) {
      walk.found.push(definitionAt(walk, part, { ...ctx, wrapper: undefined, binding: inherit }));
    }
  }
}

function inheritedSet(inherit: Node): Node | undefined {
  const from = childNodes(inherit).find((n) => n.kind === 'InheritFrom');
  const expr = from && stripParens(childNodes(from)[0]!);
  if (expr?.kind !== 'Ident') return undefined;
  const bound = findBinding(expr, identName(expr));
  if (bound?.kind !== 'let' || countUses(bound.scope, identName(expr)) !== 1) return undefined;
  const set = stripParens(bound.value);
  return set.kind === 'AttrSet' ? set : undefined;
}

function wrapperPriority(name: string, args: Node[]): number | undefined {
  switch (name) {
    case 'mkDefault':
      return PRIORITY.default;
    case 'mkForce':
      return PRIORITY.force;
    case 'mkOptionDefault':
      return 1500;
    case 'mkImageMediaOverride':
      return 60;
    case 'mkVMOverride':
      return 10;
    case 'mkOverride': {
      if (args.length !== 2) return undefined;
      const level = literalValue(args[0]!);
      return level?.type === 'int' ? level.value : undefined;
    }
    default:
      return undefined;
  }
}

function definitionAt(walk: Walk, valueNode: Node, ctx: Context): Definition {
  const tree = walk.module.tree;
  const binding = ctx.binding ?? valueNode;
  const source = traceValue(valueNode);
  return {
    option: walk.option,
    file: walk.module.file,
    tree,
    module: walk.module,
    binding,
    valueNode,
    source,
    value: source.kind === 'literal' || source.kind === 'let' ? source.value : undefined,
    priority: ctx.priority ?? PRIORITY.plain,
    priorityWrapper: ctx.priority === undefined ? undefined : ctx.priorityWrapper,
    setPriority: ctx.setPriority ?? PRIORITY.plain,
    setWrapper: ctx.setWrapper,
    wrapper: ctx.wrapper,
    conditions: ctx.conditions,
    // Where the definition starts (its name), even when the value is on a later line.
    line: lineOf(tree, binding),
  };
}

