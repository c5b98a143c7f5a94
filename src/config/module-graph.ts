// Finds the modules a flake's host is built from: the host's `modules` list
// in flake.nix, then every `imports` list, file by file.
import { statSync, type Stats } from 'node:fs';
import path from 'node:path';

import { UserError } from '../errors.js';
import { attrNames, flattenApply, identName, libFunctionName, lineOf, staticString, stripParens } from '../nix/query.js';
import { childNodes, childTokens, type Node, type SyntaxTree } from '../nix/syntax.js';
import type { Workspace } from '../system/workspace.js';
import { outputAttribute, selfPath } from './flake-outputs.js';
import { findHost, findModulesArguments, listHosts } from './host-call.js';
import { parseBuffer, parseFile } from './parse-file.js';
import { follow, helperParametersIn, isUnresolved, type Unresolved, type Value } from './scope.js';

export interface ModuleSource {
  file: string;
  /** Parsed on first use: most modules of a large configuration never are. */
  readonly tree: SyntaxTree;
  /** The module expression: a whole file, or an inline module in a list. */
  readonly expr: Node;
  inline: boolean;
  /**
   * Whether the file's bytes contain `word` at all. A file that never
   * writes a name cannot define it, so it need not be parsed to look.
   */
  mentions(word: string): boolean;
  /**
   * Whether the bytes may assign `word` something other than a set written
   * out (`config = import ./x.nix { };`): the word, blanks, `=`, and then
   * neither `{` nor a `mk...` wrapper (`config = lib.mkIf cfg.enable {` is
   * what most modules write, and the walk reads it when it names the
   * option). A cheap test to decide whether a file is worth parsing.
   */
  assignsComputed(word: string): boolean;
}

/**
 * Whether `bytes` hold `word` as a whole name (`import`, not `imports`): a
 * cheap test, never wrong by saying no, for whether a file is worth parsing.
 */
function mentionsName(bytes: Buffer, word: string): boolean {
  for (let at = bytes.indexOf(word, 0, 'latin1'); at !== -1; at = bytes.indexOf(word, at + 1, 'latin1')) {
    const next = bytes[at + word.length];
    const nameChar = next !== undefined && /[A-Za-z0-9_'-]/.test(String.fromCharCode(next));
    if (!nameChar) return true;
  }
  return false;
}

/** A module that is a whole file, parsed only when something asks. */
class FileModule implements ModuleSource {
  readonly inline = false;
  private parsed: SyntaxTree | undefined;

  constructor(
    readonly file: string,
    private readonly bytes: Buffer,
  ) {}

  get tree(): SyntaxTree {
    return (this.parsed ??= parseBuffer(this.bytes, this.file));
  }

  get expr(): Node {
    return rootExpression(this.tree);
  }

  mentionsName(word: string): boolean {
    return mentionsName(this.bytes, word);
  }

  assignsComputed(word: string): boolean {
    const bytes = this.bytes;
    const blank = (at: number): boolean => bytes[at] === 0x20 || bytes[at] === 0x09 || bytes[at] === 0x0a || bytes[at] === 0x0d;
    for (let at = bytes.indexOf(word, 0, 'latin1'); at !== -1; at = bytes.indexOf(word, at + 1, 'latin1')) {
      let next = at + word.length;
      while (next < bytes.length && blank(next)) next++;
      if (bytes[next] !== 0x3d || bytes[next + 1] === 0x3d) continue;
      next++;
      while (next < bytes.length && blank(next)) next++;
      const rest = bytes.toString('latin1', next, next + 6);
      if (!rest.startsWith('{') && !rest.startsWith('lib.mk') && !rest.startsWith('mk')) return true;
    }
    return false;
  }

  mentions(word: string): boolean {
    let words = mentionCache.get(this.bytes);
    if (!words) mentionCache.set(this.bytes, (words = new Map()));
    let found = words.get(word);
    if (found === undefined) words.set(word, (found = this.bytes.includes(word, 0, 'latin1')));
    return found;
  }
}

// The graph is read again after each write; the answers for unchanged bytes stay.
const mentionCache = new WeakMap<Buffer, Map<string, boolean>>();

export interface Unfollowed {
  file: string;
  line: number;
  text: string;
  /**
   * `outside`: a module from an input (or a name from outside the file);
   * `computed`: a path or list that only evaluating Nix would give, such as
   * `./hosts/${name}` in a helper. Either way its settings are not read.
   */
  kind: 'outside' | 'computed';
  reason: string;
}

export interface Configuration {
  flakeDir: string;
  host: string;
  flakeFile: string;
  flakeTree: SyntaxTree;
  /** The list expressions that make up the host's `modules`. */
  hostLists: Node[];
  modules: ModuleSource[];
  unfollowed: Unfollowed[];
  /**
   * Every place each module file is imported from (a host list's line, an
   * `imports` line, a forward), by the file's absolute path: what keeps a
   * module in the host.
   */
  importSites: Map<string, ImportSite[]>;
}

export interface ImportSite {
  file: string;
  line: number;
}

export async function loadConfiguration(
  workspace: Workspace,
  flakeDir: string,
  host: string,
): Promise<Configuration> {
  const flakeFile = path.join(flakeDir, 'flake.nix');
  const flakeTree = await parseFile(workspace, flakeFile);
  const hostValue = findHost(flakeTree, host);
  const modulesExprs = findModulesArguments(flakeTree, hostValue, host);

  const config: Configuration = {
    flakeDir,
    host,
    flakeFile,
    flakeTree,
    hostLists: [],
    modules: [],
    unfollowed: [],
    importSites: new Map(),
  };
  const seen = new Set<string>();
  const entries = modulesExprs.flatMap((modulesExpr) => listItems(modulesExpr, config.hostLists));

  await prefetch(workspace, flakeTree, entries);
  for (const entry of entries) {
    await addModule(workspace, config, flakeTree, entry, seen);
  }
  return config;
}

async function addModule(
  workspace: Workspace,
  config: Configuration,
  tree: SyntaxTree,
  entry: ListEntry,
  seen: Set<string>,
  depth = 0,
): Promise<void> {
  if (entry.unfollowed !== undefined) {
    config.unfollowed.push(unfollowed(tree, entry.node, 'computed', entry.unfollowed));
    return;
  }
  const item = moduleItem(entry);
  if (isUnresolved(item)) {
    config.unfollowed.push(unfollowed(tree, entry.node, 'outside', item.unresolved));
    return;
  }
  // `self.nixosModules.tuning`: the flake's own module, defined in its outputs.
  const own = tree === config.flakeTree ? selfPath(tree, item.node) : undefined;
  if (own !== undefined) {
    const defined = own.length === 2 && own[0] === 'nixosModules' ? outputAttribute(tree, own) : undefined;
    const said = `self.${own.join('.')}`;
    if (defined === undefined || isUnresolved(defined) || depth >= MAX_DEPTH) {
      const why = defined === undefined
        ? own.length === 2 && own[0] === 'nixosModules'
          ? `flake.nix's outputs do not define ${said} where tune-wizard can find it`
          : `${said} is not a nixosModules entry of this flake`
        : isUnresolved(defined) ? `${said} is defined, but ${defined.unresolved}` : `${said} goes round in a loop`;
      config.unfollowed.push(unfollowed(tree, entry.node, 'computed', why));
      return;
    }
    await addModule(workspace, config, tree, defined, seen, depth + 1);
    return;
  }
  if (item.node.kind === 'AttrSet' || item.node.kind === 'Lambda' || isModuleWrapper(item.node)) {
    await addInline(workspace, config, tree, item.node, seen);
    return;
  }

  const target = importedPath(tree, item.node);
  if (target === undefined) {
    config.unfollowed.push(notAPath(tree, item));
    return;
  }
  await addFile(workspace, config, tree, item.node, target, seen);
}

/**
 * A module written in a list: a set, a function giving one, a forward to a
 * file (`args: import ./x.nix args`, followed as that file), or a module
 * that is all one `lib.mkIf`/`lib.mkMerge` (read through it). Anything else
 * only evaluating Nix would give; it is reported, never passed over.
 */
async function addInline(workspace: Workspace, config: Configuration, tree: SyntaxTree, node: Node, seen: Set<string>): Promise<void> {
  const forwarded = forwardedImport(node);
  if (forwarded) {
    const target = importedPath(tree, forwarded);
    if (target === undefined) {
      config.unfollowed.push(unfollowed(tree, forwarded, 'computed', 'the module is an import of a path tune-wizard does not compute'));
    } else {
      await addFile(workspace, config, tree, forwarded, target, seen);
    }
    return;
  }
  if (!readableModule(node)) {
    config.unfollowed.push(computedModule(tree, node));
    return;
  }
  const module: ModuleSource = { file: tree.file, tree, expr: node, inline: true, mentions: () => true, assignsComputed: () => true };
  config.modules.push(module);
  await followImports(workspace, config, module, seen);
}

/** A module whose value only evaluating it gives, as an unfollowed entry with its text shortened. */
function computedModule(tree: SyntaxTree, node: Node): Unfollowed {
  const expr = stripParens(node);
  const entry = unfollowed(tree, expr, 'computed', 'the module is computed by an expression tune-wizard does not evaluate');
  const text = entry.text.replace(/\s+/g, ' ').trim();
  return { ...entry, text: text.length > 60 ? `${text.slice(0, 57)}...` : text };
}

/** The module file at `target`, imported by `node` in `tree`, and what it imports. */
async function addFile(
  workspace: Workspace,
  config: Configuration,
  tree: SyntaxTree,
  node: Node,
  target: string,
  seen: Set<string>,
  depth = 0,
): Promise<void> {
  const file = await moduleFile(target);
  if (file === undefined) {
    throw new UserError(
      `${tree.file}:${lineOf(tree, node)}: imports ${target}, which does not exist. Fix the import and run again.`,
    );
  }
  const sites = config.importSites.get(file) ?? [];
  sites.push({ file: tree.file, line: lineOf(tree, node) });
  config.importSites.set(file, sites);
  if (seen.has(file)) return;
  seen.add(file);

  const module = new FileModule(file, await workspace.read(file));
  // A module is a set or a function of one; a file without a single '{'
  // (empty, comments only, a bare name) is tiny or broken: parse it now so a
  // syntax error is reported like any other instead of passing unread.
  if (!module.mentions('{')) void module.tree;
  // A file that is only `import ./other.nix` (or `args: import ./other.nix
  // args`) is the module in the other file, as NixOS reads it: follow it
  // there. Only a file that names `import` can be one, so others stay unparsed.
  if (module.mentionsName('import') && depth < MAX_DEPTH) {
    const forwarded = forwardedImport(module.expr);
    if (forwarded) {
      const next = importedPath(module.tree, forwarded);
      if (next === undefined) {
        config.unfollowed.push(unfollowed(module.tree, forwarded, 'computed', 'the module is an import of a path tune-wizard does not compute'));
      } else {
        await addFile(workspace, config, module.tree, forwarded, next, seen, depth + 1);
      }
      return;
    }
    if (!readableModule(module.expr)) {
      // `import ./settings.nix { }`, `if c then ./a.nix else ./b.nix`: only
      // evaluating it gives the module; it may set anything.
      config.unfollowed.push(computedModule(module.tree, module.expr));
      return;
    }
  }
  config.modules.push(module);
  await followImports(workspace, config, module, seen);
}

/**
 * The path a module file forwards to when all it does is import another
 * file: `import ./j.nix`, or `args: import ./j.nix args` (also
 * `{ ... }@args:`), which NixOS calls with the module arguments.
 */
function forwardedImport(expr: Node): Node | undefined {
  let node = stripParens(expr);
  let argument: string | undefined;
  if (node.kind === 'Lambda') {
    const param = childNodes(node)[0]!;
    const name = param.kind === 'Ident' ? param : childNodes(param).find((n) => n.kind === 'Ident');
    if (!name) return undefined;
    argument = identName(name);
    node = stripParens(childNodes(node).at(-1)!);
  }
  if (node.kind !== 'Apply') return undefined;
  const call = flattenApply(node);
  const fn = stripParens(call.fn);
  if (fn.kind !== 'Ident' || identName(fn) !== 'import') return undefined;
  const expected = argument === undefined ? 1 : 2;
  if (call.args.length !== expected) return undefined;
  if (argument !== undefined) {
    const passed = stripParens(call.args[1]!);
    if (passed.kind !== 'Ident' || identName(passed) !== argument) return undefined;
  }
  return call.args[0]!;
}

/**
 * A list entry as the module it names: a name (`[ hostModule ]`, or a helper's
 * parameter) is followed to what it is bound to, where that is written.
 */
function moduleItem(entry: Value): Value | Unresolved {
  const item = follow(entry);
  return isUnresolved(item) ? { unresolved: "not a path in this flake (an input's module or a computed value)" } : item;
}

/** Why a module entry that is not a path literal is not read. */
function notAPath(tree: SyntaxTree, item: Value): Unfollowed {
  const node = item.node;
  const interpolated = (node.kind === 'Path' || node.kind === 'String') && childNodes(node).length > 0;
  // A name or selection left unresolved is an input's module (`inputs.x.nixosModules.y`),
  // a `<nixpkgs/...>` or `~/...` path lies outside; anything else is an expression.
  // `modulesPath + "/installer/..."` starts outside too; `./. + "/${name}.nix"` does not.
  const first = leftmostOperand(node);
  const named = first.kind === 'Ident' && first !== node ? follow({ node: first, env: item.env }) : undefined;
  const start = named && !isUnresolved(named) ? named.node : first;
  const outside = ['Path', 'String', 'SearchPath', 'Ident', 'Select'].includes(node.kind) ||
    (start !== node && ['SearchPath', 'Ident', 'Select'].includes(start.kind));
  if (!interpolated && outside) {
    return unfollowed(tree, node, 'outside', "not a path in this flake (an input's module or a computed value)");
  }
  const parameters = helperParametersIn(item);
  const what = interpolated
    ? 'a path built with ${...}'
    : node.kind === 'Apply'
      ? 'computed by a function call'
      : 'a path computed by an expression tune-wizard does not evaluate';
  const reason = parameters.length > 0 ? `${what} from ${parameters.join(' and ')}` : what;
  return unfollowed(tree, node, 'computed', `it is ${reason}`);
}

/** The first operand of `a + b + c` (a), through parentheses. */
function leftmostOperand(expr: Node): Node {
  let node = stripParens(expr);
  while (node.kind === 'BinOp' && childTokens(node).some((t) => t.text === '+')) node = stripParens(childNodes(node)[0]!);
  return node;
}

function unfollowed(tree: SyntaxTree, node: Node, kind: Unfollowed['kind'], reason: string): Unfollowed {
  return { file: tree.file, line: lineOf(tree, node), text: tree.text.slice(node.start, node.end), kind, reason };
}

async function followImports(
  workspace: Workspace,
  config: Configuration,
  module: ModuleSource,
  seen: Set<string>,
): Promise<void> {
  if (!module.mentions('imports')) return;
  const body = moduleBody(module.expr);
  if (body?.kind !== 'AttrSet') return;
  for (const binding of childNodes(body).filter((n) => n.kind === 'Binding')) {
    const names = attrNames(childNodes(binding)[0]!);
    if (names.length !== 1 || names[0] !== 'imports') continue;
    const entries = listItems({ node: bindingValue(binding), env: undefined }, []);
    await prefetch(workspace, module.tree, entries);
    for (const entry of entries) {
      await addModule(workspace, config, module.tree, entry, seen);
    }
  }
}

/** Reads the files of a list's entries all at once; they are parsed in order later. */
async function prefetch(workspace: Workspace, tree: SyntaxTree, entries: ListEntry[]): Promise<void> {
  await Promise.all(
    entries.map(async (entry) => {
      const target = importedPath(tree, stripParens(entry.node));
      const file = target === undefined ? undefined : await moduleFile(target);
      if (file) await workspace.read(file).catch(() => undefined);
    }),
  );
}

/** A file as the user knows it: relative to the flake when inside it. */
export function shortPath(config: Configuration, file: string): string {
  const relative = path.relative(config.flakeDir, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

export function rootExpression(tree: SyntaxTree): Node {
  return childNodes(tree.root)[0]!;
}

/**
 * The attribute set a module evaluates to, looking through its function
 * arguments (curried too), `with`, `let`, `assert` and parentheses.
 */
export function moduleBody(expr: Node): Node | undefined {
  let node = stripParens(expr);
  for (;;) {
    if (node.kind === 'Lambda' || node.kind === 'With' || node.kind === 'LetIn' || node.kind === 'Assert') {
      node = stripParens(childNodes(node).at(-1)!);
    } else {
      return node.kind === 'AttrSet' ? node : undefined;
    }
  }
}

/** The expression a module evaluates to, through its function arguments, `with`, `let`, `assert` and parentheses. */
export function moduleTop(expr: Node): Node {
  let node = stripParens(expr);
  while (node.kind === 'Lambda' || node.kind === 'With' || node.kind === 'LetIn' || node.kind === 'Assert') {
    node = stripParens(childNodes(node).at(-1)!);
  }
  return node;
}

// What a whole module may be wrapped in: NixOS takes a module that is not a
// set with `config`/`options`/`imports` as its config, wrappers and all.
const MODULE_WRAPPERS = new Set(['mkIf', 'mkMerge', 'mkDefault', 'mkForce', 'mkOverride', 'mkOptionDefault']);

/** Whether a module is all one `lib.mkIf cond { ... }`, `lib.mkMerge [ ... ]`, `lib.mkDefault { ... }`. */
export function isModuleWrapper(expr: Node): boolean {
  const node = moduleTop(expr);
  if (node.kind !== 'Apply') return false;
  const name = libFunctionName(flattenApply(node).fn);
  return name !== undefined && MODULE_WRAPPERS.has(name);
}

/** Whether the definitions of a module can be read: a set, or a set in such wrappers. */
export function readableModule(expr: Node): boolean {
  return moduleBody(expr) !== undefined || isModuleWrapper(expr);
}

export function bindingValue(binding: Node): Node {
  return childNodes(binding)[1]!;
}

/** Absolute path a list entry imports, if it is a path literal. */
function importedPath(tree: SyntaxTree, item: Node): string | undefined {
  let node = item;
  const call = flattenApply(node);
  // `import ./m.nix` and a curried `import ./m.nix { inherit inputs; }`
  if (call.args.length >= 1 && stripParens(call.fn).kind === 'Ident' && identName(stripParens(call.fn)) === 'import') {
    node = stripParens(call.args[0]!);
  }
  if (node.kind === 'String') {
    const parts = childNodes(node);
    const literal = childTokens(node).filter((t) => t.kind === 'str_content');
    if (parts.length === 1 && literal.length === 0) node = stripParens(childNodes(parts[0]!)[0]!);
  }
  return pathValue(tree, node);
}

/**
 * The absolute path a path literal stands for, or a path literal plus
 * string literals (`./. + "/j.nix"`), which Nix appends and normalizes.
 */
function pathValue(tree: SyntaxTree, expr: Node): string | undefined {
  const node = stripParens(expr);
  if (node.kind === 'BinOp') {
    const [left, right] = childNodes(node);
    const plus = childTokens(node).some((t) => t.text === '+');
    const suffix = right && staticString(stripParens(right));
    const base = plus && left && suffix !== undefined ? pathValue(tree, left) : undefined;
    // Nix appends the string as written (`./a + "b"` is `/…/ab`), then drops `.`/`..`.
    return base === undefined ? undefined : path.normalize(base + suffix).replace(/(.)\/+$/, '$1');
  }
  if (node.kind !== 'Path' || childNodes(node).length > 0) return undefined;
  const text = tree.text.slice(node.start, node.end);
  if (text.startsWith('~') || text.startsWith('<')) return undefined;
  return path.resolve(path.dirname(tree.file), text);
}

// Files do not come and go during a run: ask the file system once per path.
const moduleFiles = new Map<string, Promise<string | undefined>>();

function moduleFile(target: string): Promise<string | undefined> {
  let found = moduleFiles.get(target);
  if (!found) {
    found = findModuleFile(target);
    moduleFiles.set(target, found);
  }
  return found;
}

async function findModuleFile(target: string): Promise<string | undefined> {
  const info = statOrUndefined(target);
  if (!info) return undefined;
  if (!info.isDirectory()) return target;
  const file = path.join(target, 'default.nix');
  return statOrUndefined(file)?.isFile() ? file : undefined;
}

// Synchronous: thousands of stats cost less than their promises. A path
// that cannot be stat'ed (missing, ENOTDIR, EACCES) is not a module file.
function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/** An entry of a modules or imports list, or a part of one that cannot be followed. */
export type ListEntry = Value & { unfollowed?: string };

// Names bound to names bound to lists, deeper than this, are a loop
// (`let a = b; b = a; in`), not a configuration.
const MAX_DEPTH = 32;

/**
 * The entries of a modules or imports list, through `++`, names bound by
 * `let` or `rec`, and the parameters of the helper call being followed.
 * Each list expression found is added to `lists`: edits to the list land
 * there, where the user wrote it. A part that is neither (a function call,
 * a name from outside) is returned as an entry with the reason.
 */
export function listItems(expr: Value, lists: Node[], depth = 0): ListEntry[] {
  const found = depth < MAX_DEPTH ? follow(expr) : { unresolved: 'the names go round in a loop' };
  if (isUnresolved(found)) return [{ ...expr, unfollowed: found.unresolved }];
  const node = found.node;
  if (node.kind === 'List') {
    lists.push(node);
    return childNodes(node).map((item) => ({ node: item, env: found.env }));
  }
  if (node.kind === 'BinOp' && childTokens(node).some((t) => t.text === '++')) {
    return childNodes(node).flatMap((side) => listItems({ node: side, env: found.env }, lists, depth + 1));
  }
  return [{ node, env: found.env, unfollowed: 'it is a list computed by an expression tune-wizard does not evaluate' }];
}

/**
 * The other hosts of the flake whose modules take in `list` too: a `common`
 * let list, or the list in a helper's body that every host it builds shares.
 * An edit there changes them as well.
 */
export function otherHostsUsing(config: Configuration, list: Node): string[] {
  const others: string[] = [];
  for (const [name, entry] of listHosts(config.flakeTree).hosts) {
    if (name === config.host || isUnresolved(entry.value)) continue;
    const lists: Node[] = [];
    try {
      for (const modules of findModulesArguments(config.flakeTree, entry.value, name)) listItems(modules, lists);
    } catch {
      continue; // a host that cannot be followed is reported when it is the one asked for
    }
    if (lists.includes(list)) others.push(name);
  }
  return others;
}
