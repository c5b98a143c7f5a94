// One run's journal: $STATE/runs/<id>/journal.jsonl plus a copy of every
// file's old bytes, named by their sha256. Each record is fsynced before the
// change it describes, so a run killed at any moment can be rolled back.
import path from 'node:path';

import type { CheckResult } from '../engine/types.js';
import { UserError } from '../errors.js';
import { syncDirectory } from '../system/atomic-write.js';
import { randomHex, sha256Hex } from '../system/crypto.js';
import type { ProcessIdentity } from '../system/process-identity.js';
import type { WriteJournal } from '../system/workspace.js';
import { crossBoundary } from '../system/test-hooks.js';
import { appendLine, createPrivateDir, ensurePrivateDir, listDirs, readBytes, saveBytesOnce } from './journal-files.js';
import { parseRecords, summarizeRun, type BuildLoad, type EndStatus, type JournalRecord, type RunEntry, type StartRecord } from './records.js';

const JOURNAL_FILE = 'journal.jsonl';

export function sha256(bytes: Uint8Array): string {
  return sha256Hex(bytes);
}

/** A sortable, typeable run id: local date and time plus 4 random hex digits. */
export function newRunId(now = new Date()): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const date = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `${date}-${time}-${randomHex(2)}`;
}

function runsDir(stateDir: string): string {
  return path.join(stateDir, 'runs');
}

export class RunJournal implements WriteJournal {
  private constructor(
    readonly id: string,
    readonly dir: string,
  ) {}

  /** `start.time`: the clock reading the run's id was made from (default: now). */
  static async start(stateDir: string, start: Omit<StartRecord, 'type' | 'time'> & { time?: string }): Promise<RunJournal> {
    await ensurePrivateDir(runsDir(stateDir));
    const dir = path.join(runsDir(stateDir), start.id);
    await createPrivateDir(dir);
    const journal = new RunJournal(start.id, dir);
    await journal.append({ type: 'start', ...start, time: start.time ?? new Date().toISOString() });
    await syncDirectory(dir);
    crossBoundary('run-started');
    return journal;
  }

  /** Saves the old bytes and records the intent, durably, before the write. */
  async beforeWrite(file: string, before: Buffer, after: Buffer): Promise<void> {
    const sha256Before = sha256(before);
    await saveBytesOnce(path.join(this.dir, sha256Before), before);
    crossBoundary('backup-saved');
    await this.append({ type: 'intent', file, sha256Before, sha256After: sha256(after) });
    crossBoundary('intent-recorded');
  }

  async afterWrite(file: string, after: Buffer): Promise<void> {
    await this.append({ type: 'written', file, sha256After: sha256(after) });
    crossBoundary('written-recorded');
  }

  async writeFailed(file: string, error: unknown): Promise<void> {
    await this.append({ type: 'write-failed', file, error: (error as Error).message ?? String(error) });
  }

  async recordCheck(kind: 'gate' | 'verify', title: string, result: CheckResult): Promise<void> {
    await this.append({ type: 'check', kind, title, ...result });
  }

  async recordRebuild(status: string, command: string[], error?: string, load?: BuildLoad): Promise<void> {
    await this.append({ type: 'rebuild', status, command, ...(error === undefined ? {} : { error }), ...load });
  }

  async buildStarted(command: string[], process: ProcessIdentity, phase = 'build'): Promise<void> {
    const { pid, pgid, startTicks, bootId } = process;
    await this.append({ type: 'build-started', command, pid, pgid, startTicks, ...(bootId ? { bootId } : {}), phase, time: new Date().toISOString() });
  }

  async buildEnded(pid: number): Promise<void> {
    await this.append({ type: 'build-ended', pid, time: new Date().toISOString() });
  }

  async finish(status: EndStatus, exitCode: number, message?: string): Promise<void> {
    await this.append({ type: 'end', status, exitCode, ...(message ? { message } : {}), time: new Date().toISOString() });
    crossBoundary('run-finished');
  }

  private append(record: JournalRecord): Promise<void> {
    return appendLine(path.join(this.dir, JOURNAL_FILE), JSON.stringify(record));
  }
}

/**
 * Appends a record to an earlier run (an undo closing it). The leading newline
 * ends a line the run may have left torn when it was killed mid-append.
 */
export async function appendToRun(run: RunEntry, record: JournalRecord): Promise<void> {
  await appendLine(path.join(run.dir, JOURNAL_FILE), `\n${JSON.stringify(record)}`);
}

/** Every recorded run, newest first. */
export async function listRuns(stateDir: string): Promise<RunEntry[]> {
  const runs: RunEntry[] = [];
  for (const id of await listDirs(runsDir(stateDir))) {
    const dir = path.join(runsDir(stateDir), id);
    const text = (await readBytes(path.join(dir, JOURNAL_FILE)))?.toString('utf8') ?? '';
    const run = summarizeRun(id, dir, parseRecords(text));
    if (run) runs.push(run);
  }
  // ISO times and ASCII ids sort by code unit; localeCompare would load ICU's
  // collator, several milliseconds of every start-up.
  // A run's own undo of an earlier run (`<id>-undo`) shares its clock
  // reading and happened first.
  return runs.sort((a, b) => byCodeUnit(b.start.time, a.start.time) || byCodeUnit(baseId(b.id), baseId(a.id)) || Number(isSettleUndo(a.id)) - Number(isSettleUndo(b.id)));
}

const baseId = (id: string): string => id.replace(/-undo$/, '');
const isSettleUndo = (id: string): boolean => id.endsWith('-undo');

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The bytes a run saved before its first write to a file, checked against their hash. */
export async function readSavedBytes(run: RunEntry, hash: string): Promise<Buffer> {
  const file = path.join(run.dir, hash);
  const bytes = await readBytes(file);
  if (!bytes || sha256(bytes) !== hash) {
    throw new UserError(`the journal's copy ${file} is missing or damaged; restore that file from version control instead`);
  }
  return bytes;
}
