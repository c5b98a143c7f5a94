// Reads the running system from its standard files, under a root directory
// ("/" normally, a fixture tree in tests and demos). This is the one module
// that reads /proc, /sys and /etc.
import { constants, readFileSync } from 'node:fs';
import { lstat, open, readFile, readdir, readlink, stat } from 'node:fs/promises';
import path from 'node:path';

import {
  countCpuinfoProcessors,
  countCpuList,
  parseMmStat,
  parsePressure,
  parseVmstat,
  type KernelLogLine,
  type MemoryPressure,
  type ZramStats,
} from './proc-formats.js';
import { UserError } from '../errors.js';
import { parseCmdline, parseKernelRecords, type KernelRecord } from './memory-files.js';

export interface MemInfo {
  /** All values in bytes. */
  memTotal: number;
  memAvailable: number;
  swapTotal: number;
  swapFree: number;
  /** Present where the kernel reports them (always on Linux). */
  commitLimit?: number;
  committedAs?: number;
}

export interface DirectorySize {
  bytes: number;
  /** Directories that could not be listed (their contents are not counted). */
  unreadable: number;
}

export interface SwapDevice {
  name: string;
  type: string;
  sizeBytes: number;
  usedBytes: number;
  priority: number;
}

export interface ZramDevice {
  name: string;
  /** The algorithm in use (the bracketed entry of comp_algorithm). */
  algorithm: string | undefined;
  diskSizeBytes: number;
}

/** A file of the running system (or of --sysroot) that cannot be read: one line, exit 1. */
export class SystemReadError extends UserError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`cannot read ${file}: ${message}`);
    this.name = 'SystemReadError';
  }
}

export class Sysroot {
  constructor(readonly root: string = '/') {}

  /**
   * Refuses a root that does not hold a readable proc/meminfo (a mistyped
   * --sysroot), before anything is read or changed.
   */
  async requireReadable(flag = '--sysroot'): Promise<void> {
    const info = await stat(this.root).catch((error: NodeJS.ErrnoException) => error);
    const advice = `Point ${flag} at a directory holding proc/, sys/ and etc/ (a mounted system or a fixture), or leave ${flag} out to read this machine's. Nothing was changed.`;
    if (info instanceof Error || !info.isDirectory()) {
      const why = info instanceof Error ? (info.code === 'ENOENT' ? 'no such directory' : describeCode(info.code)) : 'not a directory';
      throw new UserError(`${flag} ${this.root}: ${why}. ${advice}`);
    }
    const meminfo = this.resolve('/proc/meminfo');
    try {
      toMemInfo(await readFile(meminfo, 'utf8'), meminfo);
    } catch (error) {
      const why = error instanceof SystemReadError ? error.message.replace(/^cannot read [^:]*: /, '') : (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : describeCode((error as NodeJS.ErrnoException).code);
      throw new UserError(`${flag} ${this.root}: cannot read ${meminfo} (${why}). ${advice}`);
    }
  }

  resolve(absolutePath: string): string {
    return path.join(this.root, absolutePath);
  }

  async read(absolutePath: string): Promise<string> {
    const file = this.resolve(absolutePath);
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new SystemReadError(file, code === 'ENOENT' ? 'not found' : code ? describeCode(code) : String(error));
    }
  }

  async readOptional(absolutePath: string): Promise<string | undefined> {
    try {
      return await this.read(absolutePath);
    } catch {
      return undefined;
    }
  }

  async memInfo(): Promise<MemInfo> {
    return toMemInfo(await this.read('/proc/meminfo'), this.resolve('/proc/meminfo'));
  }

  /**
   * Reads a small kernel file synchronously: for the watchdog, which reads
   * a few of them several times a second, where a blocking read of /proc
   * costs a tenth of the CPU of an asynchronous one.
   */
  readNow(absolutePath: string): string | undefined {
    try {
      return readFileSync(this.resolve(absolutePath), 'utf8');
    } catch {
      return undefined;
    }
  }

  memInfoNow(): MemInfo {
    const file = this.resolve('/proc/meminfo');
    const text = this.readNow('/proc/meminfo');
    if (text === undefined) throw new SystemReadError(file, 'cannot be read');
    return toMemInfo(text, file);
  }

  /** Logical CPUs online: /sys/devices/system/cpu/online, else /proc/cpuinfo. */
  async cpuCount(): Promise<number | undefined> {
    const online = await this.readOptional('/sys/devices/system/cpu/online');
    const fromList = online === undefined ? undefined : countCpuList(online);
    if (fromList !== undefined) return fromList;
    const cpuinfo = await this.readOptional('/proc/cpuinfo');
    return cpuinfo === undefined ? undefined : countCpuinfoProcessors(cpuinfo);
  }

  async zramStats(name: string): Promise<ZramStats | undefined> {
    const text = await this.readOptional(`/sys/block/${name}/mm_stat`);
    return text === undefined ? undefined : parseMmStat(text);
  }

  async memoryPressure(): Promise<MemoryPressure | undefined> {
    const text = await this.readOptional('/proc/pressure/memory');
    return text === undefined ? undefined : parsePressure(text);
  }

  async vmstat(): Promise<Map<string, number>> {
    return parseVmstat((await this.readOptional('/proc/vmstat')) ?? '');
  }

  /**
   * The kernel's log buffer from /dev/kmsg, or undefined where it cannot be
   * read (kernel.dmesg_restrict = 1 and not root). The device hands out one
   * record per read and EAGAIN at the end; a plain file (a fixture) reads
   * to its end.
   */
  async kernelLog(): Promise<KernelLogLine[] | undefined> {
    const records = await this.kernelRecords();
    return records?.map((r) => ({ usecSinceBoot: r.micros, message: r.message }));
  }

  /** Apparent size of every file under a directory; undefined if it is missing. */
  async directorySize(absolutePath: string, include: (name: string) => boolean = () => true): Promise<DirectorySize | undefined> {
    const top = this.resolve(absolutePath);
    if (!(await stat(top).catch(() => undefined))?.isDirectory()) return undefined;
    const total: DirectorySize = { bytes: 0, unreadable: 0 };
    const visit = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        total.unreadable++;
        return;
      }
      for (const entry of entries) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) await visit(file);
        else if (entry.isFile() && include(entry.name)) total.bytes += (await lstat(file).catch(() => undefined))?.size ?? 0;
      }
    };
    await visit(top);
    return total;
  }

  /** What `journalctl --disk-usage` adds up for the persistent journal (SystemMaxUse's scope). */
  async journalUsage(): Promise<DirectorySize | undefined> {
    return this.directorySize('/var/log/journal', (name) => /\.journal~?$/.test(name));
  }

  async uptimeSeconds(): Promise<number | undefined> {
    const text = await this.readOptional('/proc/uptime');
    const seconds = Number(text?.trim().split(/\s+/)[0]);
    return text !== undefined && Number.isFinite(seconds) ? seconds : undefined;
  }

  /** systemd's own test for "booted with systemd" (sd_booted). */
  async isSystemdRunning(): Promise<boolean> {
    return (await stat(this.resolve('/run/systemd/system')).catch(() => undefined))?.isDirectory() ?? false;
  }

  /** Command lines (argument lists) of running processes named `comm`. */
  async processCommandLines(comm: string): Promise<string[][]> {
    const found: string[][] = [];
    for (const pid of await this.processIds()) {
      const name = (await this.readOptional(`/proc/${pid}/comm`))?.trim();
      if (name !== comm) continue;
      const cmdline = (await this.readOptional(`/proc/${pid}/cmdline`)) ?? '';
      found.push(cmdline.split('\0').filter((arg) => arg !== ''));
    }
    return found;
  }

  /** The pids in /proc, lowest first. */
  async processIds(): Promise<number[]> {
    const names = await readdir(this.resolve('/proc')).catch(() => [] as string[]);
    return names.filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
  }

  /** The argument lists of every process in /proc (those readable). */
  async allCommandLines(): Promise<string[][]> {
    const lines: string[][] = [];
    for (const pid of await this.processIds()) {
      const text = await this.readOptional(`/proc/${pid}/cmdline`);
      if (text) lines.push(parseCmdline(text));
    }
    return lines;
  }

  /**
   * The kernel's log records from /dev/kmsg (a character device on a live
   * system, read record by record without blocking; a plain file in a
   * fixture). Undefined when it cannot be read (kernel.dmesg_restrict).
   */
  async kernelRecords(): Promise<KernelRecord[] | undefined> {
    let handle;
    try {
      handle = await open(this.resolve('/dev/kmsg'), constants.O_RDONLY | constants.O_NONBLOCK);
    } catch {
      return undefined;
    }
    const chunks: string[] = [];
    const buffer = Buffer.alloc(16 * 1024);
    try {
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null).catch((error: NodeJS.ErrnoException) => {
          // EPIPE: records were overwritten while reading; read on.
          if (error.code === 'EPIPE') return { bytesRead: -1 };
          if (error.code === 'EAGAIN') return { bytesRead: 0 };
          throw error;
        });
        if (bytesRead === 0) break;
        if (bytesRead > 0) chunks.push(buffer.toString('utf8', 0, bytesRead));
        if (chunks.length > 100_000) break;
      }
    } catch {
      return undefined;
    } finally {
      await handle.close();
    }
    return parseKernelRecords(chunks.join(''));
  }

  async swaps(): Promise<SwapDevice[]> {
    const text = (await this.readOptional('/proc/swaps')) ?? '';
    return parseSwaps(text);
  }

  async zramDevices(): Promise<ZramDevice[]> {
    let names: string[];
    try {
      names = await readdir(this.resolve('/sys/block'));
    } catch {
      return [];
    }
    const devices: ZramDevice[] = [];
    for (const name of names.filter((n) => /^zram\d+$/.test(n)).sort()) {
      const algorithms = await this.readOptional(`/sys/block/${name}/comp_algorithm`);
      const disksize = await this.readOptional(`/sys/block/${name}/disksize`);
      devices.push({
        name,
        algorithm: algorithms === undefined ? undefined : selectedAlgorithm(algorithms),
        diskSizeBytes: Number.parseInt(disksize ?? '0', 10) || 0,
      });
    }
    return devices;
  }

  async sysctl(key: string): Promise<string | undefined> {
    const file = `/proc/sys/${key.replaceAll('.', '/')}`;
    return (await this.readOptional(file))?.trim();
  }

  async nixConf(): Promise<Map<string, string>> {
    return parseNixConf((await this.readOptional('/etc/nix/nix.conf')) ?? '');
  }

  /** The store path /run/current-system points at: the running generation. */
  async currentSystem(): Promise<string | undefined> {
    return readlink(this.resolve('/run/current-system')).catch(() => undefined);
  }

  async hostname(): Promise<string | undefined> {
    const text = await this.readOptional('/etc/hostname');
    const name = text?.trim();
    return name === '' ? undefined : name;
  }
}

function describeCode(code: string | undefined): string {
  return code === 'EACCES' ? 'permission denied' : code === 'ENOTDIR' ? 'not a directory' : String(code);
}

export function parseMemInfo(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (!match) continue;
    const kib = line.trimEnd().endsWith('kB');
    fields.set(match[1]!, Number(match[2]) * (kib ? 1024 : 1));
  }
  return fields;
}

export function parseSwaps(text: string): SwapDevice[] {
  const devices: SwapDevice[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5) continue;
    devices.push({
      name: cols[0]!,
      type: cols[1]!,
      sizeBytes: Number(cols[2]) * 1024,
      usedBytes: Number(cols[3]) * 1024,
      priority: Number(cols[4]),
    });
  }
  return devices;
}

/** `lzo lzo-rle [zstd]` names the active algorithm in brackets. */
export function selectedAlgorithm(text: string): string | undefined {
  const match = /\[([^\]]+)\]/.exec(text);
  if (match) return match[1];
  const words = text.trim().split(/\s+/);
  return words.length === 1 && words[0] !== '' ? words[0] : undefined;
}

/** nix.conf: `name = value` lines, `#` comments; later lines win. */
export function parseNixConf(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    settings.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return settings;
}

function toMemInfo(text: string, file: string): MemInfo {
  const fields = parseMemInfo(text);
  const pick = (key: string): number => {
    const value = fields.get(key);
    if (value === undefined) throw new SystemReadError(file, `no ${key} line`);
    return value;
  };
  const info: MemInfo = {
    memTotal: pick('MemTotal'),
    memAvailable: pick('MemAvailable'),
    swapTotal: fields.get('SwapTotal') ?? 0,
    swapFree: fields.get('SwapFree') ?? 0,
  };
  if (fields.has('CommitLimit')) info.commitLimit = fields.get('CommitLimit');
  if (fields.has('Committed_AS')) info.committedAs = fields.get('Committed_AS');
  return info;
}
