import { describe, expect, it } from 'vitest';

import { formatBytes, formatDistinct } from '../../src/system/units.js';

const MiB = 1024 ** 2;

describe('two sizes compared in one message', () => {
  it('read different when they differ, however close', () => {
    expect(formatBytes(1331 * MiB)).toBe(formatBytes(1300 * MiB));
    expect(formatDistinct(1300 * MiB, 1331 * MiB)).toEqual(['1300 MiB', '1331 MiB']);
    expect(formatDistinct(1300 * MiB, 1300 * MiB + 4096)).toEqual(['1331200 KiB', '1331204 KiB']);
    expect(formatDistinct(10, 11)).toEqual(['10 B', '11 B']);
  });

  it('keep the usual spelling when it already tells them apart, or when they are equal', () => {
    expect(formatDistinct(3 * 1024 * MiB, 8 * 1024 * MiB)).toEqual(['3.0 GiB', '8.0 GiB']);
    expect(formatDistinct(797 * MiB, 797 * MiB)).toEqual(['797 MiB', '797 MiB']);
  });
});
