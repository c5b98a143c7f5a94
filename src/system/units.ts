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

export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  const value = Math.abs(bytes);
  if (value >= 1024 ** 3) return `${sign}${(value / 1024 ** 3).toFixed(1)} GiB`;
  if (value >= 1024 ** 2) return `${sign}${Math.round(value / 1024 ** 2)} MiB`;
  if (value >= 1024) return `${sign}${Math.round(value / 1024)} KiB`;
  return `${sign}${value} B`;
}
