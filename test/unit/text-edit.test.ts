import { describe, expect, it } from 'vitest';

import { applyEdits, replaceWith } from '../../src/config/text-edit.js';

describe('byte edits', () => {
  it('replaces byte ranges after multi-byte text without shifting', () => {
    const bytes = Buffer.from('# 日本語のコメント\nx = 4;\n', 'utf8');
    const at = bytes.indexOf('4');
    expect(applyEdits(bytes, [replaceWith(at, at + 1, '"auto"')]).toString('utf8')).toBe('# 日本語のコメント\nx = "auto";\n');
  });

  it('applies several edits in one pass, back to front', () => {
    const bytes = Buffer.from('a = 1; b = 2;');
    expect(applyEdits(bytes, [replaceWith(4, 5, '10'), replaceWith(11, 12, '20')]).toString()).toBe('a = 10; b = 20;');
  });

  it('writes non-ASCII replacement text as UTF-8', () => {
    expect(applyEdits(Buffer.from('x'), [replaceWith(0, 1, 'é')])).toEqual(Buffer.from('é', 'utf8'));
  });

  it('refuses overlapping edits', () => {
    expect(() => applyEdits(Buffer.from('abcdef'), [replaceWith(0, 3, 'x'), replaceWith(2, 4, 'y')])).toThrow('overlapping');
  });
});
