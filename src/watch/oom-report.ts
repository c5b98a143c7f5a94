// Which memory guard acted during a build, as far as the evidence goes.
// The kernel's OOM killer names its victim in the kernel log ("Out of
// memory: Killed process PID (NAME)"); earlyoom and systemd-oomd log to the
// journal, not the kernel log, so for them the evidence is a builder killed
// by a signal while headroom was near their line.
import type { KernelRecord } from '../system/memory-files.js';
import { formatBytes } from '../system/units.js';
import { guardLine, type MemoryGuard } from './memory-guards.js';

export interface OomKill {
  pid: number;
  name: string;
}

export function lastSequence(records: KernelRecord[] | undefined): number {
  return records?.reduce((max, r) => Math.max(max, r.sequence), -1) ?? -1;
}

export function findOomKills(records: KernelRecord[], afterSequence: number): OomKill[] {
  const kills: OomKill[] = [];
  for (const record of records) {
    if (record.sequence <= afterSequence) continue;
    const match = /Out of memory: Killed process (\d+) \(([^)]*)\)/.exec(record.message);
    if (match) kills.push({ pid: Number(match[1]), name: match[2]! });
  }
  return kills;
}

/** nix reports a builder killed by a signal as "failed due to signal 9 (Killed)". */
export function wasBuilderKilled(lines: string[]): boolean {
  return lines.some((line) => /failed due to signal (9|15)\b/.test(line));
}

export interface GuardEvidence {
  kills: OomKill[] | undefined;
  builderKilled: boolean;
  guards: MemoryGuard[];
  lowestHeadroom: number | undefined;
  memTotal: number;
  swapTotal: number;
}

/** One sentence on which guard acted, or undefined when none is indicated. */
export function describeGuardAction(evidence: GuardEvidence): string | undefined {
  const kills = evidence.kills ?? [];
  if (kills.length > 0) {
    const victims = kills.map((k) => `${k.name} (pid ${k.pid})`).join(', ');
    return `the kernel log shows the kernel's OOM killer killed ${victims}`;
  }
  if (!evidence.builderKilled || evidence.lowestHeadroom === undefined) return undefined;
  const near = evidence.guards.find((g) => evidence.lowestHeadroom! <= 1.5 * guardLine(g, evidence.memTotal, evidence.swapTotal));
  if (near) {
    return `a builder was killed by a signal while headroom was down to ${formatBytes(evidence.lowestHeadroom)}, near ${near.name}'s line: ${near.name} probably acted (its journal names the victim: journalctl -u ${near.name})`;
  }
  const unreadable = evidence.kills === undefined ? '; the kernel log could not be read (kernel.dmesg_restrict), see `journalctl -k`' : '';
  return `a builder was killed by a signal${unreadable}`;
}
