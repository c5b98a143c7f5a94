// Sizes as people write them: 8G, 512M, 1.5GiB; printed as GiB/MiB.
const UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

export function parseSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(text);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNITS[match[2]!.toUpperCase()]!);
}

/**
 * A size given on the command line: a number with a unit (K, M, G, T,
 * KiB ... TiB, or KB ... TB, all powers of 1024), no space between; 0 needs none. A bare number is not taken
 * as bytes (`--min-headroom 8` almost surely means 8G): it is `no-unit`.
 */
export function parseFlagSize(text: string): number | 'no-unit' | 'space' | undefined {
  const match = /^(\d+(?:\.\d+)?)([KMGT])(?:i?B)?$/i.exec(text);
  if (match) return Math.round(Number(match[1]) * UNITS[match[2]!.toUpperCase()]!);
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text) === 0 ? 0 : 'no-unit';
  if (/^\s*\d+(?:\.\d+)?\s+(?:[KMGT](?:i?B)?|%)\s*$/i.test(text)) return 'space';
  return undefined;
}

/**
 * Two sizes that differ, printed so that they read different: `1.3 GiB`
 * and `1.3 GiB` become `1331 MiB` and `1300 MiB` (exact MiB, then KiB).
 */
export function formatDistinct(a: number, b: number): [string, string] {
  const [first, second] = [formatBytes(a), formatBytes(b)];
  if (first !== second || a === b) return [first, second];
  for (const [unit, size] of [['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    const [x, y] = [Math.round(a / size), Math.round(b / size)];
    if (x !== y) return [`${x} ${unit}`, `${y} ${unit}`];
  }
  return [`${a} B`, `${b} B`];
}

export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  const value = Math.abs(bytes);
  if (value >= 1024 ** 3) return `${sign}${(value / 1024 ** 3).toFixed(1)} GiB`;
  if (value >= 1024 ** 2) return `${sign}${Math.round(value / 1024 ** 2)} MiB`;
  if (value >= 1024) return `${sign}${Math.round(value / 1024)} KiB`;
  return `${sign}${value} B`;
}
