import type { RebuildStep } from '../engine/types.js';

export function rebuild(spec: { title: string; watchMemory: boolean }): RebuildStep {
  return { kind: 'rebuild', title: spec.title, watchMemory: spec.watchMemory };
}
