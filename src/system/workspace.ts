// The file seam. Every read and write of a configuration file goes through a
// Workspace, which remembers each file's original bytes so a failed or
// aborted run can put them back, and which honours --dry-run in one place:
// in a dry run, writes land in memory only. With a journal, every write is
// recorded (old bytes saved) before the file is touched.
import { readFileSync } from 'node:fs';
import { lstat, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

import { UserError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';

export interface FileChange {
  file: string;
  before: Buffer;
  after: Buffer;
}

/** Records a write before it happens (write-ahead) and how it ended. */
export interface WriteJournal {
  beforeWrite(file: string, before: Buffer, after: Buffer): Promise<void>;
  afterWrite(file: string, after: Buffer): Promise<void>;
  writeFailed(file: string, error: unknown): Promise<void>;
}

export class Workspace {
  private readonly current = new Map<string, Buffer>();
  private readonly originals = new Map<string, Buffer>();

  /** Goes up with every write or restore, so readers can cache by it. */
  version = 0;

  constructor(
    readonly dryRun: boolean,
    private readonly journal?: WriteJournal,
  ) {}

  async read(file: string): Promise<Buffer> {
    const cached = this.current.get(file);
    if (cached) return cached;
    let bytes: Buffer;
    try {
      // Synchronous on purpose: a configuration is hundreds or thousands of
      // small files, and one blocking read each is several times faster
      // than four thread-pool round trips (open, fstat, read, close).
      bytes = readFileSync(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(error);
      throw new UserError(`cannot read ${file}: ${why}`, 1, { cause: error });
    }
    this.current.set(file, bytes);
    return bytes;
  }

  /** Writes `after` if the file still holds `before`; refuses otherwise. */
  async write(file: string, before: Buffer, after: Buffer): Promise<void> {
    const held = await this.read(file);
    if (!held.equals(before)) {
      throw new UserError(`${file} changed since this step was planned; run again to plan against its new contents`);
    }
    if (!this.dryRun) {
      const onDisk = await readFile(file).catch(() => undefined);
      if (!onDisk || !onDisk.equals(before)) {
        throw new UserError(`${file} was changed by someone else during this run; nothing was written to it. Run again.`);
      }
      await this.replace(file, before, after);
    }
    if (!this.originals.has(file)) this.originals.set(file, before);
    this.current.set(file, after);
    this.version++;
  }

  /**
   * Writes a file that no longer exists (undo --force of a deleted file),
   * atomically, into its folder, which must exist. Its bytes before are
   * recorded as empty.
   */
  async create(file: string, after: Buffer): Promise<void> {
    const empty = Buffer.alloc(0);
    if (!this.dryRun) {
      if (await lstat(file).then(() => true, () => false)) {
        throw new UserError(`${file} appeared during this run; nothing was written to it. Run again.`);
      }
      const folder = await stat(path.dirname(file)).catch(() => undefined);
      if (!folder?.isDirectory()) throw new UserError(`cannot recreate ${file}: its folder ${path.dirname(file)} does not exist`);
      await this.replace(file, empty, after);
    }
    if (!this.originals.has(file)) this.originals.set(file, empty);
    this.current.set(file, after);
    this.version++;
  }

  /** Files whose bytes differ from what they held when the run started. */
  changes(): FileChange[] {
    const list: FileChange[] = [];
    for (const [file, before] of this.originals) {
      const after = this.current.get(file)!;
      if (!after.equals(before)) list.push({ file, before, after });
    }
    return list;
  }

  /** Puts back the original bytes of every file this run changed. */
  async restoreAll(): Promise<{ restored: string[]; keptEdited: string[] }> {
    const restored: string[] = [];
    const keptEdited: string[] = [];
    for (const { file, before, after } of this.changes()) {
      if (!this.dryRun) {
        const onDisk = await readFile(file).catch(() => undefined);
        if (onDisk && !onDisk.equals(after) && !onDisk.equals(before)) {
          // Someone edited it after we wrote it: their bytes win.
          keptEdited.push(file);
          continue;
        }
        await this.replace(file, onDisk ?? after, before);
      }
      this.current.set(file, before);
      this.version++;
      restored.push(file);
    }
    return { restored, keptEdited };
  }

  private async replace(file: string, before: Buffer, after: Buffer): Promise<void> {
    await this.journal?.beforeWrite(file, before, after);
    try {
      await writeFileAtomic(file, after);
    } catch (error) {
      await this.journal?.writeFailed(file, error);
      throw error;
    }
    await this.journal?.afterWrite(file, after);
  }
}
