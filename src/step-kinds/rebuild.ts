import type { RebuildStep } from '../engine/types.js';
import type { RebuildMode } from '../rebuild/rebuild-flags.js';

export function rebuild(spec: { watchMemory: boolean }): RebuildStep {
  return { kind: 'rebuild', title: rebuildTitle('switch', spec.watchMemory), watchMemory: spec.watchMemory };
}

const TITLES: Record<RebuildMode, [string, string | undefined]> = {
  switch: ['Rebuild and switch', undefined],
  boot: ['Rebuild and install for next boot', undefined],
  test: ['Rebuild and test', 'not kept after reboot'],
  build: ['Rebuild', 'build only'],
};

/** The rebuild step's title says what --mode does: `Rebuild (build only)`, `Rebuild and test (not kept after reboot)`. */
export function rebuildTitle(mode: RebuildMode, watchMemory: boolean): string {
  const [title, note] = TITLES[mode];
  const notes = [note, watchMemory ? 'watching memory' : undefined].filter(Boolean);
  return notes.length > 0 ? `${title} (${notes.join(', ')})` : title;
}
