// Finds an import that was commented out of a host's modules list, such as
//   # ./modules/ml/offload # DISABLED: Rust compilation consumes 7GB+ RAM
// and plans the edit that brings it back (the note goes with the marker).
import path from 'node:path';

import { UserError } from '../errors.js';
import { lineOf, stripParens } from '../nix/query.js';
import { LineIndex, Lexer } from '../nix/lexer.js';
import { parseByteString } from '../nix/parser.js';
import { childNodes, isToken, toByteString, type Node, type Token } from '../nix/syntax.js';
import { otherHostsUsing, shortPath, type Configuration, type ImportSite } from './module-graph.js';
import type { TextEdit } from './text-edit.js';

export interface CommentedImport {
  file: string;
  line: number;
  comment: Token;
  /** The import as written inside the comment. */
  importText: string;
  /** The list expression the comment is in. */
  list: Node;
  note: string | undefined;
  edit: TextEdit;
}

export type ImportState =
  | { state: 'commented'; found: CommentedImport }
  | { state: 'active'; file: string; line: number; item: Node; list: Node };

/** `change` is what the caller means to do: the message for a missing import is about that. */
export function findImport(config: Configuration, importPath: string, change: 'uncomment' | 'comment out' = 'uncomment'): ImportState {
  const wanted = path.resolve(config.flakeDir, importPath);
  const tree = config.flakeTree;

  for (const list of config.hostLists) {
    for (const item of childNodes(list)) {
      const node = stripParens(item);
      if (node.kind === 'Path' && samePath(config, tree.text.slice(node.start, node.end), wanted)) {
        return { state: 'active', file: config.flakeFile, line: lineOf(tree, node), item, list };
      }
    }
  }

  const matches: CommentedImport[] = [];
  for (const list of config.hostLists) {
    for (const element of list.children) {
      if (!isToken(element) || element.kind !== 'line_comment') continue;
      const parsed = parseImportComment(element.text);
      if (!parsed || !samePath(config, parsed.importText, wanted)) continue;
      if (!startsItsLine(tree.text, element.start)) continue;
      if (insideCommentedBlock(list, element)) continue;
      const restored = restoreLine(element.text)!;
      matches.push({
        file: config.flakeFile,
        line: tree.position(element.start).line,
        comment: element,
        importText: parsed.importText,
        list,
        note: restored.note,
        edit: { start: element.start, end: element.end, text: restored.text },
      });
    }
  }

  if (matches.length === 1) return { state: 'commented', found: matches[0]! };
  if (matches.length > 1) {
    const lines = matches.map((m) => m.line).join(' and ');
    throw new UserError(`${shortPath(config, config.flakeFile)}: ${importPath} is commented out on lines ${lines}; keep one and run again.`);
  }
  if (change === 'comment out') {
    throw new UserError(`${shortPath(config, config.flakeFile)}: no import line \`${importPath}\` in nixosConfigurations.${config.host}'s modules; check the path as written in flake.nix. Nothing was changed.`);
  }
  throw new UserError(
    `${shortPath(config, config.flakeFile)}: the modules list of ${config.host} has no line \`# ${importPath}\` to uncomment. Check the import path (tune-wizard reenable ./path/to/module).`,
  );
}

/**
 * The places the host imports the module at `importPath` from, as the module
 * graph has them (its modules list, any module's `imports`), other than
 * `except` (the line being edited). The file is the same module whether it
 * is named as a directory or as its default.nix.
 */
export function importSitesOf(config: Configuration, importPath: string, except?: ImportSite): ImportSite[] {
  const wanted = path.resolve(config.flakeDir, importPath);
  const files = new Set([wanted, path.join(wanted, 'default.nix')]);
  if (path.basename(wanted) === 'default.nix') files.add(path.dirname(wanted));
  const sites = [...files].flatMap((file) => config.importSites.get(file) ?? []);
  return sites.filter((site) => !(except && site.file === except.file && site.line === except.line));
}

/** Sites as `file:line`, in the order the graph met them. */
export function describeSites(config: Configuration, sites: ImportSite[]): string {
  return sites.map((site) => `${shortPath(config, site.file)}:${site.line}`).join(', ');
}

/**
 * Refuses to disable a module that would stay in the host after the edit:
 * imported by another module, or by another line of the host's list.
 * `edited`: the line being commented out (none when it already is).
 */
export function requireGoneAfter(config: Configuration, importPath: string, edited: ImportSite | undefined, commented: ImportSite | undefined): void {
  const rest = importSitesOf(config, importPath, edited);
  if (rest.length === 0) return;
  const line = edited ?? commented;
  const what = edited
    ? `commenting out ${shortPath(config, edited.file)}:${edited.line} would not take it out of ${config.host}`
    : `its line ${line ? `${shortPath(config, line.file)}:${line.line} ` : ''}is commented out, but ${config.host} still has it`;
  throw new UserError(
    `${importPath}: ${what}: it is also imported at ${describeSites(config, rest)}. ` +
      'Remove or comment out those imports by hand first (tune-wizard only edits the host\'s modules list, one line), then run again. Nothing was changed.',
  );
}

/**
 * Refuses an edit to a list other hosts take in too (a shared let list, the
 * list in a helper's body): it would change those hosts as well, which the
 * user did not ask for.
 */
export function requireOwnList(config: Configuration, list: Node, line: number, change: string): void {
  const others = otherHostsUsing(config, list);
  if (others.length === 0) return;
  const hosts = others.map((h) => `nixosConfigurations.${h}`).join(', ');
  throw new UserError(
    `${shortPath(config, config.flakeFile)}:${line}: this line is in a list that ${hosts} also ${others.length === 1 ? 'uses' : 'use'}; ${change} would change ${others.length === 1 ? 'that host' : 'those hosts'} too. ` +
      `Move the line into a list only ${config.host} uses (its own modules, or the arguments of its helper call) and run again. Nothing was changed.`,
  );
}

/**
 * The edit that comments an active import out again: `./x` becomes
 * `# ./x # NOTE`, and `./x # why` becomes `# ./x # why # NOTE`, which
 * reenable turns back into `./x # why` byte for byte. The import must start
 * its line, with at most a `#` comment after it.
 *
 * `exact`: the line a reenable removed (from the journal); it is written
 * instead of the note when uncommenting it gives back the line as it is now.
 */
export function commentOutEdit(
  config: Configuration,
  item: Node,
  comment: { note: string; exact?: string },
): TextEdit & { asBefore: boolean } {
  const text = config.flakeTree.text;
  const lineEnd = text.indexOf('\n', item.end);
  const rest = text.slice(item.end, lineEnd === -1 ? text.length : lineEnd).replace(/\r$/, '');
  if (!startsItsLine(text, item.start) || !(rest.trim() === '' || rest.trimStart().startsWith('#'))) {
    throw new UserError(
      `${shortPath(config, config.flakeFile)}:${lineOf(config.flakeTree, item)}: the import shares its line with other code; put it on a line of its own (a trailing # comment may stay) and run again. Nothing was changed.`,
    );
  }
  const trailing = rest.trim() === '' ? '' : rest;
  const current = text.slice(item.start, item.end) + trailing;
  const end = item.end + trailing.length;
  if (comment.exact !== undefined) {
    const exact = toByteString(comment.exact);
    if (restoreLine(exact)?.text === current) return { start: item.start, end, text: exact, asBefore: true };
  }
  return { start: item.start, end, text: `# ${current} # ${toByteString(comment.note)}`, asBefore: false };
}

/**
 * What reenable writes for a commented-out import: the import, plus the
 * user's own trailing comment when a `# DISABLED` note follows it (the line
 * disable wrote); the note (the DISABLED part, or any other note) goes.
 */
function restoreLine(commentText: string): { text: string; note: string | undefined } | undefined {
  const parsed = parseImportComment(commentText);
  if (!parsed) return undefined;
  const body = commentText.slice(1);
  const after = body.indexOf(parsed.importText) + parsed.importText.length;
  const marker = body.lastIndexOf(' # DISABLED');
  if (marker > after) {
    const kept = body.slice(after, marker);
    if (kept.trimStart().startsWith('#')) {
      return { text: parsed.importText + kept, note: body.slice(marker + 3).trim() };
    }
  }
  return { text: parsed.importText, note: parsed.note };
}

/**
 * Reads a comment as commented-out code: `# ./a/b # NOTE` holds the path
 * `./a/b` and the note `NOTE`. The text after the marker is parsed as Nix,
 * so only a comment that is exactly one path (and perhaps a note) matches.
 */
export function parseImportComment(text: string): { importText: string; note: string | undefined } | undefined {
  const body = text.slice(1);
  let tree;
  try {
    tree = parseByteString(body, 'comment');
  } catch {
    return undefined;
  }
  const expr = childNodes(tree.root)[0];
  if (!expr || expr.kind !== 'Path' || childNodes(expr).length > 0) return undefined;
  const importText = body.slice(expr.start, expr.end);
  if (!importText.startsWith('./') && !importText.startsWith('../')) return undefined;
  const trailing = tree.root.children.filter(
    (c): c is Token => isToken(c) && (c.kind === 'line_comment' || c.kind === 'block_comment'),
  );
  const note = trailing.length > 0 ? trailing.map((t) => t.text.replace(/^#\s*/, '')).join(' ').trim() : undefined;
  return { importText, note };
}

function samePath(config: Configuration, written: string, wanted: string): boolean {
  const resolved = path.resolve(config.flakeDir, written);
  return (
    resolved === wanted ||
    resolved === path.join(wanted, 'default.nix') ||
    path.join(resolved, 'default.nix') === wanted
  );
}

/**
 * Whether a comment line is part of a larger piece of commented-out code,
 * such as a commented inline module or host: the comment lines right above
 * it (no blank line between) leave a bracket open.
 */
function insideCommentedBlock(list: Node, comment: Token): boolean {
  const above: Token[] = [];
  const children = list.children;
  for (let i = children.indexOf(comment) - 1; i >= 0; i--) {
    const element = children[i]!;
    if (!isToken(element)) break;
    if (element.kind === 'whitespace') {
      if (element.text.split('\n').length > 2) break;
      continue;
    }
    if (element.kind !== 'line_comment') break;
    above.unshift(element);
  }
  let depth = 0;
  for (const line of above) depth = Math.max(0, depth + bracketBalance(line.text.slice(1)));
  return depth > 0;
}

/** Opened minus closed brackets in a commented line read as Nix; 0 for prose. */
function bracketBalance(text: string): number {
  const lexer = new Lexer(text, 'comment', new LineIndex(text));
  let balance = 0;
  try {
    for (let token = lexer.next(); token; token = lexer.next()) {
      if (token.kind === 'l_brace' || token.kind === 'l_bracket' || token.kind === 'l_paren' || token.kind === 'interp_start') balance++;
      if (token.kind === 'r_brace' || token.kind === 'r_bracket' || token.kind === 'r_paren' || token.kind === 'interp_end') balance--;
    }
  } catch {
    return 0;
  }
  return balance;
}

function startsItsLine(text: string, offset: number): boolean {
  for (let i = offset - 1; i >= 0; i--) {
    const c = text[i];
    if (c === '\n') return true;
    if (c !== ' ' && c !== '\t') return false;
  }
  return true;
}

