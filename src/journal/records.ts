// What a run's journal holds, one JSON record per line, and what a run's
// records add up to: its status and, per file, the bytes it started from.

export interface StartRecord {
  type: 'start';
  id: string;
  command: string[];
  time: string;
  host: string;
  /** The flake directory as given (files are recorded under it). */
  flake: string;
  /** Its real path: the lock and the journal match runs by it. */
  flakeRealPath: string;
  pid: number;
  /** Set on an undo run: the run it puts back. */
  undoOf?: string;
}

export interface CheckRecord {
  type: 'check';
  kind: 'gate' | 'verify';
  title: string;
  ok: boolean;
  measured: string;
  needed: string;
}

/** Written (and fsynced, with the old bytes saved) before the file is touched. */
export interface IntentRecord {
  type: 'intent';
  file: string;
  sha256Before: string;
  sha256After: string;
}

export interface WrittenRecord {
  type: 'written';
  file: string;
  sha256After: string;
}

export interface WriteFailedRecord {
  type: 'write-failed';
  file: string;
  error: string;
}

export interface RebuildRecord {
  type: 'rebuild';
  status: string;
  command: string[];
  error?: string;
  /** What the build itself added to the memory in use at its peak (bytes), and the parallelism it ran with: what `recommend` learns from. */
  peakMemoryBytes?: number;
  maxJobs?: number | 'auto';
  cores?: number;
}

/** How heavy a finished build was (see RebuildRecord). */
export interface BuildLoad {
  peakMemoryBytes: number;
  maxJobs: number | 'auto';
  cores: number;
}

/**
 * The build's process group, written as soon as it started (before any of
 * its output is read), so a later run can tell whether it is still
 * running after tune-wizard itself was killed.
 */
export interface BuildStartedRecord {
  type: 'build-started';
  command: string[];
  pid: number;
  pgid: number;
  /** Start time in clock ticks after boot (/proc/PID/stat), against pid reuse. */
  startTicks: number;
  bootId?: string;
  /** Which phase: absent (older journals) or `build`, else the final mode (`switch`, `boot`, `test`). */
  phase?: string;
  time: string;
}

/** The build's process group is gone (it finished, failed, or was stopped). */
export interface BuildEndedRecord {
  type: 'build-ended';
  pid: number;
  time: string;
}

export type EndStatus = 'done' | 'failed' | 'gate-failed' | 'rebuild-failed' | 'aborted' | 'crashed' | 'interrupted';

export interface EndRecord {
  type: 'end';
  status: EndStatus;
  exitCode?: number;
  message?: string;
  time: string;
}

/** Appended to a run by the undo that put its files back. */
export interface UndoneRecord {
  type: 'undone';
  /** The undo run; absent when the files were already back. */
  by?: string;
  time: string;
}

export type JournalRecord =
  | StartRecord
  | CheckRecord
  | IntentRecord
  | WrittenRecord
  | WriteFailedRecord
  | RebuildRecord
  | BuildStartedRecord
  | BuildEndedRecord
  | EndRecord
  | UndoneRecord;

/** One file as a run left it: the bytes it started from and every state it wrote. */
export interface FileTrail {
  file: string;
  /** sha256 of the bytes before the run's first write. */
  original: string;
  /** sha256 of every state the file may hold because of this run. */
  known: Set<string>;
  /** sha256 after the last write that completed, if any. */
  last: string | undefined;
}

export interface RunEntry {
  id: string;
  dir: string;
  start: StartRecord;
  records: JournalRecord[];
  end: EndRecord | undefined;
  undoneBy: string | undefined;
  files: FileTrail[];
}

/** Parses a journal file; a torn last line (a run killed mid-append) is ignored. */
export function parseRecords(text: string): JournalRecord[] {
  const records: JournalRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as JournalRecord);
    } catch {
      // A partial line from a killed append: the write it announced never began.
    }
  }
  return records;
}

export function summarizeRun(id: string, dir: string, records: JournalRecord[]): RunEntry | undefined {
  const start = records.find((r): r is StartRecord => r.type === 'start');
  if (!start) return undefined;
  const newestFirst = [...records].reverse();
  const end = newestFirst.find((r): r is EndRecord => r.type === 'end');
  const undone = newestFirst.find((r): r is UndoneRecord => r.type === 'undone');
  return { id, dir, start, records, end, undoneBy: undone?.by, files: traceFiles(records) };
}

function traceFiles(records: JournalRecord[]): FileTrail[] {
  const trails = new Map<string, FileTrail>();
  for (const record of records) {
    if (record.type === 'intent') {
      const trail = trails.get(record.file) ?? newTrail(record);
      trail.known.add(record.sha256Before);
      trail.known.add(record.sha256After);
      trails.set(record.file, trail);
    }
    if (record.type === 'written') {
      const trail = trails.get(record.file);
      if (trail) trail.last = record.sha256After;
    }
  }
  return [...trails.values()];
}

function newTrail(first: IntentRecord): FileTrail {
  return { file: first.file, original: first.sha256Before, known: new Set<string>(), last: undefined };
}

export function isFinished(run: RunEntry): boolean {
  return run.end !== undefined;
}

/** Files whose bytes this run may have left different from where it started. */
export function filesLeftChanged(run: RunEntry): FileTrail[] {
  if (!isFinished(run)) return run.files;
  return run.files.filter((f) => f.last !== undefined && f.last !== f.original);
}
