// The one way a RunContext is made (procedures in cli.ts, undo's rebuild):
// everything but the configuration is given; the configuration is read
// again only after a file was written.
import { loadConfiguration, type Configuration } from '../config/module-graph.js';
import type { RunContext } from './types.js';

export function createRunContext(fields: Omit<RunContext, 'configuration'>): RunContext {
  return { ...fields, configuration: cachedConfiguration(fields) };
}

function cachedConfiguration({ workspace, flakeDir, host }: Omit<RunContext, 'configuration'>): () => Promise<Configuration> {
  let cached: { version: number; config: Promise<Configuration> } | undefined;
  return () => {
    if (cached?.version !== workspace.version) {
      cached = { version: workspace.version, config: loadConfiguration(workspace, flakeDir, host) };
    }
    return cached.config;
  };
}
