// `tune-wizard history`: the recorded runs, newest first, one line each.
import path from 'node:path';

import type { Ui } from '../engine/ui.js';
import { ExitCode } from '../errors.js';
import { formatTime } from '../system/local-time.js';
import { filesLeftChanged, isFinished, type RunEntry } from './records.js';
import { describeLiveBuild, findLiveBuilds, phaseOf } from './live-builds.js';
import { findLiveHolder } from './run-lock.js';
import { listRuns } from './run-journal.js';

export async function runHistoryCommand(stateDir: string, ui: Ui): Promise<number> {
  const runs = await listRuns(stateDir);
  if (runs.length === 0) {
    ui.print(`No runs recorded yet (journal: ${stateDir}).`);
    return ExitCode.ok;
  }

  const live = findLiveBuilds(runs);
  const rows = [['RUN', 'STARTED', 'COMMAND', 'STATUS', 'FILES']];
  for (const run of runs) {
    const building = live.find((b) => b.run === run);
    const status = await describeStatus(stateDir, run);
    rows.push([run.id, formatTime(run.start.time), run.start.command.join(' '), building ? `${status}, ${phaseOf(building.build)} still running (process group ${building.build.pgid})` : status, describeFiles(run)]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) ui.print(row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  '));
  ui.print(`\nJournal: ${stateDir}. \`tune-wizard undo [RUN]\` puts a run's files back.`);
  for (const build of live) ui.warn(describeLiveBuild(build, 'A run that builds will not start while it runs.', false));
  return ExitCode.ok;
}

async function describeStatus(stateDir: string, run: RunEntry): Promise<string> {
  // A run with no end record was killed or crashed; undo later records it as interrupted.
  let status: string = run.end?.status ?? 'interrupted';
  if (!isFinished(run) && (await findLiveHolder(stateDir, run.start.flakeRealPath))?.runId === run.id) status = 'running';
  if (run.records.some((r) => r.type === 'undone')) status += run.undoneBy ? `, undone by ${run.undoneBy}` : ', undone';
  return status;
}

function describeFiles(run: RunEntry): string {
  const files = filesLeftChanged(run).map((f) => path.relative(run.start.flake, f.file) || f.file);
  return files.length === 0 ? '-' : `${files.length}: ${files.join(', ')}`;
}
