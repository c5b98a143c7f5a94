// Which other hosts of the flake read a module file: an edit to such a
// file changes those hosts as well, which the user should know before
// saying yes to it.
import type { Workspace } from '../system/workspace.js';
import { listHosts } from './host-call.js';
import { loadConfiguration, type Configuration } from './module-graph.js';
import { isUnresolved } from './scope.js';

/** Module file → the other hosts (by name) whose configuration reads it. */
export type SharedFiles = Map<string, string[]>;

/**
 * The module files of every other host of the flake, by file. Read once per
 * flake.nix as parsed: the steps that use this edit values, never imports,
 * so the files each host reads stay the same through a run. A flake with one
 * host costs nothing; a host that cannot be followed is left out (it is
 * reported when it is the one asked for).
 */
export function otherHostsReading(workspace: Workspace, config: Configuration): Promise<SharedFiles> {
  let found = cache.get(config.flakeTree);
  if (!found) {
    found = readOthers(workspace, config);
    cache.set(config.flakeTree, found);
  }
  return found;
}

const cache = new WeakMap<object, Promise<SharedFiles>>();

async function readOthers(workspace: Workspace, config: Configuration): Promise<SharedFiles> {
  const shared: SharedFiles = new Map();
  const { hosts } = listHosts(config.flakeTree);
  if (hosts.size <= 1) return shared;
  for (const [name, entry] of hosts) {
    if (name === config.host || isUnresolved(entry.value)) continue;
    const other = await loadConfiguration(workspace, config.flakeDir, name).catch(() => undefined);
    if (!other) continue;
    for (const file of new Set(other.modules.filter((m) => !m.inline).map((m) => m.file))) {
      shared.set(file, [...(shared.get(file) ?? []), name]);
    }
  }
  return shared;
}
