// A signal while the wizard waits at a prompt (SIGTERM, a closed terminal)
// withdraws the question at once and puts back what the run wrote, as
// Ctrl-C does, instead of waiting for an answer nobody can give.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { changedFiles, makeSandbox, snapshot, type Sandbox } from '../support/sandbox.js';
import { hasTmux, Terminal } from '../support/terminal.js';

const tmuxAvailable = hasTmux();
let sandbox: Sandbox;
let terminal: Terminal;
afterEach(() => {
  terminal?.close();
  sandbox?.cleanup();
});

const journal = (): string => {
  const runs = path.join(sandbox.state, 'tune-wizard/runs');
  return existsSync(runs) ? readdirSync(runs).map((id) => readFileSync(path.join(runs, id, 'journal.jsonl'), 'utf8')).join('') : '';
};
/** The tune-wizard process of the run, from its journal's start record. */
const runPid = (): number => Number(/"type":"start".*?"pid":(\d+)/.exec(journal())![1]);

/** Applies step 1 and waits at step 2's question; returns the flake as it was before. */
async function stopAtSecondPrompt(): Promise<Map<string, Buffer>> {
  sandbox = makeSandbox('tuned');
  terminal = new Terminal();
  const before = snapshot(sandbox.flake);
  terminal.start(sandbox, ['rollback']);
  await terminal.waitFor(/apply this change\?/);
  terminal.keys('Up', 'Enter');
  await terminal.waitFor(/apply this change\?/, 2);
  expect(changedFiles(before, snapshot(sandbox.flake))).not.toEqual([]);
  return before;
}

describe.skipIf(!tmuxAvailable)('a signal at a prompt', () => {
  it('SIGTERM withdraws the question at once, restores what step 1 wrote and exits 130', async () => {
    const before = await stopAtSecondPrompt();

    process.kill(runPid(), 'SIGTERM');
    const text = await terminal.waitFor(/EXIT=\d+/);

    expect(text).toContain('EXIT=130');
    expect(text).toContain('Aborted at the prompt (SIGTERM).');
    expect(text).toMatch(/Stopped: restored .* to their previous bytes\./);
    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(journal()).toContain('"type":"end","status":"aborted"');
  });

  it('closing the terminal (SIGHUP) restores what step 1 wrote', async () => {
    const before = await stopAtSecondPrompt();

    terminal.close();
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !journal().includes('"type":"end"')) await new Promise((resolve) => setTimeout(resolve, 100));

    expect(changedFiles(before, snapshot(sandbox.flake))).toEqual([]);
    expect(journal()).toMatch(/"type":"end","status":"aborted","exitCode":130,"message":"Aborted at the prompt \((the terminal closed \(SIGHUP\)|its input ended: Ctrl-D, or the terminal closed)\)\."/);
  });
});
