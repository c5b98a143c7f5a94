// Reading a journal back, and choosing what `undo` puts back.
import { describe, expect, it } from 'vitest';

import { filesLeftChanged, parseRecords, summarizeRun, type JournalRecord, type RunEntry } from '../../src/journal/records.js';
import { chooseUndoTarget } from '../../src/journal/undo-target.js';

const start = (id: string, time: string, extra: Partial<JournalRecord> = {}): JournalRecord =>
  ({ type: 'start', id, command: ['rollback'], time, host: 'kernelcore', flake: '/etc/nixos', flakeRealPath: '/etc/nixos', pid: 1, ...extra }) as JournalRecord;
const intent = (file: string, before: string, after: string): JournalRecord => ({ type: 'intent', file, sha256Before: before, sha256After: after });
const written = (file: string, after: string): JournalRecord => ({ type: 'written', file, sha256After: after });
const end = (status: 'done' | 'rebuild-failed' = 'done'): JournalRecord => ({ type: 'end', status, exitCode: 0, time: '' });

function run(id: string, minute: number, records: JournalRecord[], extra: Partial<JournalRecord> = {}): RunEntry {
  return summarizeRun(id, `/state/runs/${id}`, [start(id, `2025-11-22T10:${String(minute).padStart(2, '0')}:00.000Z`, extra), ...records])!;
}

describe('parseRecords', () => {
  it('ignores the torn last line of a run killed mid-append', () => {
    const text = `${JSON.stringify(intent('/etc/nixos/a.nix', 'h0', 'h1'))}\n{"type":"writ`;
    expect(parseRecords(text)).toEqual([intent('/etc/nixos/a.nix', 'h0', 'h1')]);
  });

  it('reads a record appended after a torn line on a line of its own', () => {
    const text = `{"type":"writ\n${JSON.stringify(end())}\n`;
    expect(parseRecords(text)).toEqual([end()]);
  });
});

describe('a run file by file', () => {
  it('starts each file at the bytes before its first write and knows every state it wrote', () => {
    const entry = run('r1', 0, [intent('/m.nix', 'h0', 'h1'), written('/m.nix', 'h1'), intent('/m.nix', 'h1', 'h2'), written('/m.nix', 'h2'), end()]);
    expect(entry.files).toEqual([{ file: '/m.nix', original: 'h0', known: new Set(['h0', 'h1', 'h2']), last: 'h2' }]);
  });

  it('counts a finished run whose own restore put the file back as leaving nothing changed', () => {
    const entry = run('r1', 0, [intent('/m.nix', 'h0', 'h1'), written('/m.nix', 'h1'), intent('/m.nix', 'h1', 'h0'), written('/m.nix', 'h0'), end('rebuild-failed')]);
    expect(filesLeftChanged(entry)).toEqual([]);
  });

  it('counts every file an unfinished run announced, written or not', () => {
    const entry = run('r1', 0, [intent('/a.nix', 'h0', 'h1')]);
    expect(filesLeftChanged(entry).map((f) => f.file)).toEqual(['/a.nix']);
  });
});

describe('chooseUndoTarget', () => {
  const changed = [intent('/a.nix', 'h0', 'h1'), written('/a.nix', 'h1')];

  it('picks the newest run that left files changed, skipping runs that changed nothing', () => {
    const runs = [run('r3', 3, [end()]), run('r2', 2, [...changed, end()]), run('r1', 1, [...changed, end()])];
    expect(chooseUndoTarget(runs, undefined)).toMatchObject({ target: { id: 'r2' } });
  });

  it('says nothing is left when that run was already undone, rather than reaching further back', () => {
    const undone: JournalRecord = { type: 'undone', by: 'u1', time: '' };
    const runs = [run('u1', 3, [...changed, end()], { undoOf: 'r2' } as Partial<JournalRecord>), run('r2', 2, [...changed, end(), undone]), run('r1', 1, [...changed, end()])];
    expect(chooseUndoTarget(runs, undefined)).toEqual({ nothing: expect.stringMatching(/^Nothing left to undo: .* run r2 .* was already undone by run u1\.$/) });
  });

  it('prefers a run that never finished', () => {
    const runs = [run('r2', 2, [...changed, end()]), run('r1', 1, [intent('/a.nix', 'h0', 'h1')])];
    expect(chooseUndoTarget(runs, undefined)).toMatchObject({ target: { id: 'r1' } });
  });

  it('finishes the run an interrupted undo was putting back', () => {
    const runs = [run('u1', 2, [intent('/a.nix', 'h1', 'h0')], { undoOf: 'r1' } as Partial<JournalRecord>), run('r1', 1, [...changed, end()])];
    expect(chooseUndoTarget(runs, undefined)).toMatchObject({ target: { id: 'r1' }, interruptedUndo: { id: 'u1' } });
  });

  it('finds a named run by a unique beginning of its id, and refuses an unknown one', () => {
    const runs = [run('20251122-1001-ab', 2, changed), run('20251122-1000-cd', 1, changed)];
    expect(chooseUndoTarget(runs, '20251122-1000')).toMatchObject({ target: { id: '20251122-1000-cd' } });
    expect(() => chooseUndoTarget(runs, '20251122')).toThrow('matches 2 runs');
    expect(() => chooseUndoTarget(runs, 'nope')).toThrow('no run "nope" in the journal; `tune-wizard history` lists the runs.');
  });
});
