// Parses configuration files read through the Workspace, once per content.
import { UserError } from '../errors.js';
import { parseBytes } from '../nix/parser.js';
import { NixSyntaxError, type SyntaxTree } from '../nix/syntax.js';
import type { Workspace } from '../system/workspace.js';

const cache = new WeakMap<Buffer, SyntaxTree>();

export async function parseFile(workspace: Workspace, file: string): Promise<SyntaxTree> {
  const bytes = await workspace.read(file);
  return parseBuffer(bytes, file);
}

export function parseBuffer(bytes: Buffer, file: string): SyntaxTree {
  const cached = cache.get(bytes);
  if (cached && cached.file === file) return cached;
  try {
    const tree = parseBytes(bytes, file);
    cache.set(bytes, tree);
    return tree;
  } catch (error) {
    if (error instanceof NixSyntaxError) {
      throw new UserError(
        `${error.file}:${error.line}:${error.column}: syntax error: ${error.detail}. Fix the file (nix-instantiate --parse ${error.file} shows Nix's view) and run again.`,
        1,
        { cause: error },
      );
    }
    throw error;
  }
}
