// Finds the modules a flake's host is built from: the host's `modules` list
// in flake.nix, then every `imports` list, file by file.
import { statSync, type Stats } from 'node:fs';
import path from 'node:path';

import { UserError } from '../errors.js';
import {
  attrNames,
  flattenApply,
  identName,
  libFunctionName,
  lineOf,
  stripParens,
} from '../nix/query.js';
import { childNodes, childTokens, walk, type Node, type SyntaxTree } from '../nix/syntax.js';
import type { Workspace } from '../system/workspace.js';
import { parseBuffer, parseFile } from './parse-file.js';

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
}

export async function loadConfiguration(
  workspace: Workspace,
  flakeDir: string,
  host: string,
): Promise<Configuration> {
  const flakeFile = path.join(flakeDir, 'flake.nix');
  const flakeTree = await parseFile(workspace, flakeFile);
  const hostValue = findHost(flakeTree, host);
  const modulesExpr = findModulesArgument(flakeTree, hostValue, host);

  const config: Configuration = {
    flakeDir,
    host,
    flakeFile,
    flakeTree,
    hostLists: [],
    modules: [],
    unfollowed: [],
  };
  const seen = new Set<string>();
  const entries = listItems(modulesExpr, config.hostLists);

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
  entry: Node,
  seen: Set<string>,
): Promise<void> {
  const item = stripParens(entry);
  if (item.kind === 'AttrSet' || item.kind === 'Lambda') {
    const module: ModuleSource = { file: tree.file, tree, expr: item, inline: true, mentions: () => true };
    config.modules.push(module);
    await followImports(workspace, config, module, seen);
    return;
  }

  const target = importedPath(tree, item);
  if (target === undefined) {
    config.unfollowed.push({
      file: tree.file,
      line: lineOf(tree, item),
      text: tree.text.slice(item.start, item.end),
      reason: 'not a path in this flake (an input\'s module or a computed value)',
    });
    return;
  }

  const file = await moduleFile(target);
  if (file === undefined) {
    throw new UserError(
      `${tree.file}:${lineOf(tree, item)}: imports ${target}, which does not exist. Fix the import and run again.`,
    );
  }
  if (seen.has(file)) return;
  seen.add(file);

  const module = new FileModule(file, await workspace.read(file));
  // A module is a set or a function of one; a file without a single '{'
  // (empty, comments only, a bare name) is tiny or broken: parse it now so a
  // syntax error is reported like any other instead of passing unread.
  if (!module.mentions('{')) void module.tree;
  config.modules.push(module);
  await followImports(workspace, config, module, seen);
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
    const entries = listItems(bindingValue(binding), []);
    await prefetch(workspace, module.tree, entries);
    for (const entry of entries) {
      await addModule(workspace, config, module.tree, entry, seen);
    }
  }
}

/** Reads the files of a list's entries all at once; they are parsed in order later. */
async function prefetch(workspace: Workspace, tree: SyntaxTree, entries: Node[]): Promise<void> {
  await Promise.all(
    entries.map(async (entry) => {
      const target = importedPath(tree, stripParens(entry));
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

/**
 * The entries of a modules or imports list, through `++` and names bound
 * by `let`. Each list expression found is added to `lists`.
 */
export function listItems(expr: Node, lists: Node[]): Node[] {
  const node = stripParens(expr);
  if (node.kind === 'List') {
    lists.push(node);
    return childNodes(node);
  }
  if (node.kind === 'BinOp' && childTokens(node).some((t) => t.text === '++')) {
    return childNodes(node).flatMap((side) => listItems(side, lists));
  }
  if (node.kind === 'Ident') {
    const bound = findLetBinding(node, identName(node));
    return bound ? listItems(bound, lists) : [];
  }
  return [];
}

/** The value bound to a name by an enclosing `let` or `rec` set. */
export function findLetBinding(from: Node, name: string): Node | undefined {
  for (let scope = from.parent; scope; scope = scope.parent) {
    const isRecSet = scope.kind === 'AttrSet' && childTokens(scope).some((t) => t.kind === 'kw_rec');
    if (scope.kind !== 'LetIn' && !isRecSet) continue;
    for (const binding of childNodes(scope).filter((n) => n.kind === 'Binding')) {
      const names = attrNames(childNodes(binding)[0]!);
      if (names.length === 1 && names[0] === name) return bindingValue(binding);
    }
  }
  return undefined;
}

function findHost(tree: SyntaxTree, host: string): Node {
  const hosts: string[] = [];
  for (const node of walk(tree.root)) {
    if (node.kind !== 'Binding') continue;
    const fullPath = bindingPath(node);
    const at = fullPath.lastIndexOf('nixosConfigurations');
    if (at === -1 || at !== fullPath.length - 2) continue;
    const name = fullPath.at(-1)!;
    if (name === host) return bindingValue(node);
    hosts.push(name);
  }
  const known = hosts.length > 0 ? `it defines ${hosts.join(', ')}` : 'it defines no nixosConfigurations';
  throw new UserError(
    `${tree.file}: no nixosConfigurations.${host} (${known}). Name the host with --flake DIR#HOST.`,
  );
}

/** The full attribute path of a binding, through enclosing nested sets. */
export function bindingPath(binding: Node): string[] {
  const names = attrNames(childNodes(binding)[0]!).map((n) => n ?? '${...}');
  const set = binding.parent;
  const outer = set?.kind === 'AttrSet' ? set.parent : undefined;
  return outer?.kind === 'Binding' ? [...bindingPath(outer), ...names] : names;
}

function findModulesArgument(tree: SyntaxTree, hostValue: Node, host: string): Node {
  const call = flattenApply(stripParens(hostValue));
  const fnName = libFunctionName(call.fn) ?? (stripParens(call.fn).kind === 'Select' ? 'nixosSystem' : undefined);
  for (const arg of call.args) {
    const set = stripParens(arg);
    if (set.kind !== 'AttrSet') continue;
    for (const binding of childNodes(set).filter((n) => n.kind === 'Binding')) {
      const names = attrNames(childNodes(binding)[0]!);
      if (names.length === 1 && names[0] === 'modules') return bindingValue(binding);
    }
  }
  throw new UserError(
    `${tree.file}:${lineOf(tree, hostValue)}: cannot find the modules list of nixosConfigurations.${host}` +
      `${fnName ? '' : ' (it is not a nixosSystem call)'}; tune-wizard follows \`nixosSystem { modules = [ ... ]; }\`.`,
  );
}
