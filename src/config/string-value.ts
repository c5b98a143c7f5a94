// The text of a definition written as a string, "double-quoted" or
// ''indented'' (the common spelling of extraConfig options), with Nix's
// indentation stripping. Strings with interpolation have no literal text.
import { stripIndentation } from '../nix/lexer.js';
import { indentedStringParts } from '../nix/parser.js';
import { stripParens } from '../nix/query.js';
import type { Definition } from './definitions.js';

export function findStringValue(definition: Definition): string | undefined {
  if (definition.value?.type === 'string') return definition.value.value;
  const node = stripParens(definition.valueNode);
  if (node.kind !== 'IndentedString') return undefined;
  const { parts } = indentedStringParts(node);
  if (parts.some((part) => part.kind === 'interp')) return undefined;
  return stripIndentation(parts).join('');
}
