// Parsers for the kernel's memory files that the watchdog samples. Pure
// functions of the file text; src/system/sysroot.ts does the reading.

export interface ZramStat {
  name: string;
  /** Bytes of pages stored, before compression. */
  origDataBytes: number;
  /** Bytes of RAM zram uses for them, allocator overhead included. */
  memUsedBytes: number;
  /** 0 when there is no limit. */
  memLimitBytes: number;
}

export interface KernelRecord {
  sequence: number;
  /** Microseconds since boot. */
  micros: number;
  message: string;
}

/** `some avg10=1.23 avg60=...`: the share of time some task waited for memory. */
export function parsePressureSome10(text: string): number | undefined {
  const match = /^some\b.*\bavg10=(\d+(?:\.\d+)?)/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/**
 * /sys/block/zramN/mm_stat: orig_data_size compr_data_size mem_used_total
 * mem_limit mem_used_max ... (all in bytes).
 */
export function parseMmStat(name: string, text: string): ZramStat | undefined {
  const cols = text.trim().split(/\s+/).map(Number);
  if (cols.length < 4 || cols.slice(0, 4).some((n) => !Number.isFinite(n))) return undefined;
  return { name, origDataBytes: cols[0]!, memUsedBytes: cols[2]!, memLimitBytes: cols[3]! };
}

/** /dev/kmsg records: `PRIORITY,SEQUENCE,MICROS,FLAGS;message`. */
export function parseKernelRecords(text: string): KernelRecord[] {
  const records: KernelRecord[] = [];
  for (const line of text.split('\n')) {
    const match = /^\d+,(\d+),(\d+),[^;]*;(.*)$/.exec(line);
    if (!match) continue;
    records.push({ sequence: Number(match[1]), micros: Number(match[2]), message: match[3]! });
  }
  return records;
}

/** `/proc/PID/cmdline`: arguments separated (and ended) by NUL bytes. */
export function parseCmdline(text: string): string[] {
  return text.split('\0').filter((word, index, all) => word !== '' || index < all.length - 1);
}

/** systemd's INI-like files: `Key=Value` lines; later lines win. */
export function parseUnitSettings(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    if (eq > 0) settings.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return settings;
}
