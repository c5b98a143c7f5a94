// Who a process is, robustly enough to find it again from another
// tune-wizard process later: its pid and process group, and its start time
// (clock ticks after boot, /proc/PID/stat field 22) on this boot
// (/proc/sys/kernel/random/boot_id), so that a pid reused by another
// process is not taken for it. These are the real /proc of this machine,
// never --sysroot: the process is one tune-wizard started here.
import { readdirSync, readFileSync } from 'node:fs';

/** Whether a process with this pid exists (one of another user counts too). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface ProcessIdentity {
  pid: number;
  pgid: number;
  startTicks: number;
  bootId?: string | undefined;
}

interface ProcStat {
  pgid: number;
  startTicks: number;
  zombie: boolean;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt
  // majflt cmajflt utime stime cutime cstime priority nice num_threads
  // itrealvalue starttime: comm may hold spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const pgid = Number(fields[2]);
  const startTicks = Number(fields[19]);
  if (!Number.isFinite(pgid) || !Number.isFinite(startTicks)) return undefined;
  return { pgid, startTicks, zombie: fields[0] === 'Z' };
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function identifyProcess(pid: number): ProcessIdentity | undefined {
  const stat = readStat(pid);
  return stat ? { pid, pgid: stat.pgid, startTicks: stat.startTicks, bootId: bootId() } : undefined;
}

/**
 * Whether the process group recorded is still running: its leader is the
 * same process (same start time, same boot), or the leader is gone but
 * members of its group remain (Linux does not hand out a pid still in use
 * as a process group id, so that group is the recorded one).
 */
export function isGroupStillRunning(recorded: ProcessIdentity): boolean {
  const now = bootId();
  if (recorded.bootId !== undefined && now !== undefined && recorded.bootId !== now) return false;
  const leader = readStat(recorded.pid);
  if (leader && !leader.zombie) return leader.startTicks === recorded.startTicks && leader.pgid === recorded.pgid;
  return groupHasLiveMember(recorded.pgid);
}

function groupHasLiveMember(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // kill(2) also counts zombies nobody reaped: look for a live member.
  let names: string[];
  try {
    names = readdirNames('/proc');
  } catch {
    return true;
  }
  return names.some((name) => {
    const stat = readStat(Number(name));
    return stat !== undefined && stat.pgid === pgid && !stat.zombie;
  });
}

function readdirNames(dir: string): string[] {
  return readdirSync(dir).filter((n) => /^\d+$/.test(n));
}
