// A run's id and its STARTED time come from one clock reading, even when
// the run first waits for an answer about an earlier run it must undo.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { Ui } from '../../src/engine/ui.js';
import { beginJournaledRun, finishJournaledRun } from '../../src/journal/journaled-run.js';
import { listRuns, RunJournal } from '../../src/journal/run-journal.js';
import { formatTime } from '../../src/system/local-time.js';
import { Sysroot } from '../../src/system/sysroot.js';
import { Workspace } from '../../src/system/workspace.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** `20261204-191233-ac90` → `2026-12-04 19:12:33`. */
const idTime = (id: string): string => id.replace(/^(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)(\d\d).*$/, '$1-$2-$3 $4:$5:$6');

describe('a run started after undoing an unfinished one', () => {
  it('has a STARTED time that matches its id, and lists after its own undo', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tune-wizard-unit-'));
    const stateDir = path.join(dir, 'state');
    const flake = path.join(dir, 'flake');
    const file = path.join(flake, 'a.nix');
    mkdirSync(flake);
    writeFileSync(file, 'old\n');
    const killed = await RunJournal.start(stateDir, { id: '20200101-000000-aaaa', command: ['rollback'], host: 'h', flake, flakeRealPath: flake, pid: 999_999_999 });
    await new Workspace(false, killed).write(file, Buffer.from('old\n'), Buffer.from('new\n'));

    const quiet = new Ui({ out: () => undefined, err: () => undefined, isTerminal: false }, false);
    const slowYes = {
      askStep: async () => 'apply' as const,
      confirm: async () => {
        await new Promise((resolve) => setTimeout(resolve, 1100));
        return true;
      },
    };
    const run = await beginJournaledRun({ stateDir, command: ['rollback'], flake, flakeRealPath: flake, host: 'h', ui: quiet, prompter: slowYes, sysroot: new Sysroot(path.join(dir, 'no-sysroot')), yes: false, willBuild: false });
    await finishJournaledRun(run, undefined, undefined);

    const runs = await listRuns(stateDir);
    expect(runs.map((r) => r.id)).toEqual([run.journal.id, `${run.journal.id}-undo`, '20200101-000000-aaaa']);
    for (const entry of runs.slice(0, 2)) expect(formatTime(entry.start.time)).toBe(idTime(entry.id));
  });
});
