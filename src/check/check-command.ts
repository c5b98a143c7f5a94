// `tune-wizard check`: the checklist, run against the running system and
// printed as a table (or JSON) on stdout; progress, if any, on stderr.
import kleur from 'kleur';

import { shortPath } from '../config/module-graph.js';
import type { RunContext } from '../engine/types.js';
import { colourWanted } from '../engine/ui.js';
import type { ExitCodeValue } from '../errors.js';
import { planChecklist } from './checklist.js';
import { renderJson, renderTable } from './render-report.js';
import { exitCodeFor, runChecklist } from './run-checklist.js';

export async function runCheck(ctx: RunContext, json: boolean): Promise<ExitCodeValue> {
  const configuration = ctx.configuration();
  const readOnce: RunContext = { ...ctx, configuration: () => configuration };
  const config = await configuration;
  const { unfollowed } = config;
  const outside = unfollowed.filter((u) => u.kind === 'outside');
  if (outside.length > 0) {
    const count = outside.length === 1 ? '1 module' : `${outside.length} modules`;
    ctx.ui.info(`${count} outside this flake not read; what they set is not checked.`);
  }
  for (const item of unfollowed.filter((u) => u.kind === 'computed')) {
    ctx.ui.warn(`${shortPath(config, item.file)}:${item.line}: \`${item.text}\` is not read: ${item.reason}; what it sets is not checked.`);
  }

  const report = await runChecklist(await planChecklist(readOnce), readOnce);

  // The table goes to stdout: colour it by stdout, not by stderr as the step lines are.
  kleur.enabled = colourWanted(process.env, ctx.ui.streams.isTerminal);
  ctx.ui.streams.out(json ? renderJson(report) : renderTable(report));
  return exitCodeFor(report);
}
