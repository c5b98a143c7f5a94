// `max-jobs = 4` written inside `nix.extraOptions = '' ... ''`. NixOS
// appends extraOptions after the settings in nix.conf, and a later line
// wins, so such a line decides the value whatever the priorities say.
import { childTokens, type Token } from '../nix/syntax.js';
import type { NixLiteral } from '../nix/query.js';
import { findDefinitions, type Definition } from './definitions.js';
import type { Configuration } from './module-graph.js';

export interface ConfLine {
  definition: Definition;
  key: string;
  value: NixLiteral;
  /** Byte range of the value inside the file. */
  start: number;
  end: number;
  line: number;
}

export function findConfLines(config: Configuration, keys: string[]): ConfLine[] {
  const found: ConfLine[] = [];
  for (const module of config.modules) {
    for (const definition of findDefinitions(module, ['nix', 'extraOptions']).definitions) {
      const node = definition.valueNode;
      if (node.kind !== 'IndentedString' && node.kind !== 'String') continue;
      for (const token of childTokens(node)) {
        if (token.kind === 'str_content') found.push(...linesIn(definition, token, keys));
      }
    }
  }
  return found;
}

function linesIn(definition: Definition, token: Token, keys: string[]): ConfLine[] {
  const lines: ConfLine[] = [];
  let offset = 0;
  for (const text of token.text.split('\n')) {
    const lineStart = token.start + offset;
    offset += text.length + 1;
    const eq = text.indexOf('=');
    if (eq === -1 || text.trimStart().startsWith('#')) continue;
    const key = text.slice(0, eq).trim();
    if (!keys.includes(key)) continue;

    const rest = text.slice(eq + 1);
    const comment = rest.indexOf('#');
    const raw = (comment === -1 ? rest : rest.slice(0, comment));
    const value = raw.trim();
    if (value === '' || /[^A-Za-z0-9]/.test(value)) continue;
    const valueStart = lineStart + eq + 1 + raw.indexOf(value);
    lines.push({
      definition,
      key,
      value: /^\d+$/.test(value) ? { type: 'int', value: Number(value) } : { type: 'string', value },
      start: valueStart,
      end: valueStart + value.length,
      line: definition.tree.position(valueStart).line,
    });
  }
  return lines;
}

/** The value as nix.conf spells it. */
export function confText(value: NixLiteral): string {
  return value.type === 'string' ? value.value : String((value as { value: unknown }).value);
}
