// Parsers for the text formats of /proc, /sys and the kernel log. Pure
// functions; sysroot.ts does the reading.

export interface ZramStats {
  /** Bytes of data stored in the device, before compression. */
  origDataBytes: number;
  /** The same data, compressed. */
  comprDataBytes: number;
  /** RAM the device uses, including its own overhead. */
  memUsedBytes: number;
}

export interface PressureLine {
  avg10: number;
  avg60: number;
  avg300: number;
}

export interface MemoryPressure {
  some: PressureLine;
  full: PressureLine | undefined;
}

export interface KernelLogLine {
  /** Microseconds since boot. */
  usecSinceBoot: number;
  message: string;
}

/** `0-3,6,8-11` (the kernel's CPU list format) → 10. */
export function countCpuList(text: string): number | undefined {
  let count = 0;
  for (const part of text.trim().split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) return undefined;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    count += last - first + 1;
  }
  return count > 0 ? count : undefined;
}

/** /proc/cpuinfo has one `processor : N` line per logical CPU. */
export function countCpuinfoProcessors(text: string): number | undefined {
  const count = text.split('\n').filter((line) => /^processor\s*:/.test(line)).length;
  return count > 0 ? count : undefined;
}

/** mm_stat: orig_data_size compr_data_size mem_used_total ... (bytes). */
export function parseMmStat(text: string): ZramStats | undefined {
  const fields = text.trim().split(/\s+/).map(Number);
  if (fields.length < 3 || fields.slice(0, 3).some((n) => !Number.isFinite(n))) return undefined;
  return { origDataBytes: fields[0]!, comprDataBytes: fields[1]!, memUsedBytes: fields[2]! };
}

/** /proc/pressure/memory: `some avg10=0.00 avg60=0.00 avg300=0.00 total=0`. */
export function parsePressure(text: string): MemoryPressure | undefined {
  const lines = new Map<string, PressureLine>();
  for (const line of text.split('\n')) {
    const match = /^(some|full) avg10=([\d.]+) avg60=([\d.]+) avg300=([\d.]+)/.exec(line);
    if (match) {
      lines.set(match[1]!, { avg10: Number(match[2]), avg60: Number(match[3]), avg300: Number(match[4]) });
    }
  }
  const some = lines.get('some');
  return some ? { some, full: lines.get('full') } : undefined;
}

/** /proc/vmstat: `name value` lines. */
export function parseVmstat(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [name, value] = line.trim().split(/\s+/);
    if (name && value !== undefined && /^\d+$/.test(value)) fields.set(name, Number(value));
  }
  return fields;
}

/** `systemctl show` output: `Name=value` lines. */
export function parseUnitProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) properties.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return properties;
}
