import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { RunJournal } from '../../src/journal/run-journal.js';
import { buildLoad, parallelismInEffect } from '../../src/rebuild/build-load.js';
import { findBuildPeak } from '../../src/recommend/build-history.js';
import { planRecommendation, splitThreads } from '../../src/recommend/plan-recommendation.js';

const GiB = 1024 ** 3;
const roots: string[] = [];
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const valuesOf = (memTotal: number, cpus: number, hasZram: boolean) =>
  planRecommendation({ memTotal, cpus, zramActive: hasZram, zramConfigured: hasZram, zramRatio: undefined }, undefined).suggestions.map((s) => s.value);

describe('planning the suggested numbers', () => {
  it.each([
    [1, { jobs: 1, cores: 1 }],
    [4, { jobs: 2, cores: 2 }],
    [8, { jobs: 4, cores: 2 }],
    [11, { jobs: 3, cores: 3 }],
    [12, { jobs: 4, cores: 3 }],
    [16, { jobs: 4, cores: 4 }],
  ])('splits %i threads into %j', (threads, split) => {
    expect(splitThreads(threads)).toEqual(split);
  });

  it.each([
    ['an 8 GiB laptop with 4 CPUs', 8 * GiB, 4, true, [2, 2, 100, 150]],
    ['a 4 GiB netbook with 4 CPUs', 4 * GiB, 4, true, [3, 1, 100, 150]],
    ['a 16 GiB desktop with 12 CPUs and no zram', 16 * GiB, 12, false, [4, 3, 50, 60]],
    ['a 64 GiB workstation with 16 CPUs', 64 * GiB, 16, true, [4, 4, 25, 150]],
  ])('suggests max-jobs, cores, zram %% and swappiness for %s', (_, memTotal, cpus, hasZram, values) => {
    expect(valuesOf(memTotal, cpus, hasZram)).toEqual(values);
  });

  it('suggests swappiness by the zram the machine runs, not the zram the configuration only promises', () => {
    const swappiness = (zramActive: boolean, zramConfigured: boolean) =>
      planRecommendation({ memTotal: 16 * GiB, cpus: 12, zramActive, zramConfigured, zramRatio: undefined }, undefined).suggestions[3]!;
    expect(swappiness(false, true)).toMatchObject({ value: 60, reason: expect.stringContaining('zram is configured but not active') });
    expect(swappiness(true, false)).toMatchObject({ value: 150, reason: expect.stringContaining('zram is active') });
    expect(swappiness(false, false)).toMatchObject({ value: 60, reason: expect.stringContaining('No zram') });
  });

  it('gives every suggestion a one-line reason and names its basis', () => {
    const plan = planRecommendation({ memTotal: 16 * GiB, cpus: 12, zramActive: true, zramConfigured: true, zramRatio: 3 }, undefined);
    expect(plan.basis).toBe('assumed 1.0 GiB per compiler thread (no peak memory in the run journal yet)');
    for (const suggestion of plan.suggestions) expect(suggestion.reason).toMatch(/^[^\n]+\.$/);
    expect(plan.suggestions[2]!.reason).toBe('8.0 GiB of swap costs at most 2.7 GiB of RAM at 3.0:1 (measured); the NixOS default suits mid-sized RAM.');
  });
});

describe('reading peak memory from the run journal', () => {
  async function recordRun(state: string, id: string, rebuild: Record<string, unknown> | undefined): Promise<void> {
    const journal = await RunJournal.start(state, { id, command: ['rollback'], host: 'box', flake: '/f', flakeRealPath: '/f', pid: process.pid });
    if (rebuild) {
      const { status, peakMemoryBytes, maxJobs, cores } = rebuild as { status: string; peakMemoryBytes?: number; maxJobs?: number | 'auto'; cores?: number };
      const load = peakMemoryBytes === undefined ? undefined : { peakMemoryBytes, maxJobs: maxJobs!, cores: cores! };
      await journal.recordRebuild(status, ['nixos-rebuild', 'switch'], undefined, load);
    }
    await journal.finish('done', 0);
  }

  it('takes the heaviest job of the measured rebuilds in the journal and ignores the rest', async () => {
    const state = mkdtempSync(path.join(os.tmpdir(), 'tw-state-'));
    roots.push(state);
    await recordRun(state, '20261201-100000-aaaa', { status: 'switched', peakMemoryBytes: 8 * GiB, maxJobs: 'auto', cores: 0 });
    await recordRun(state, '20261201-110000-bbbb', { status: 'switched', peakMemoryBytes: 3 * GiB, maxJobs: 1, cores: 3 });
    await recordRun(state, '20261201-120000-cccc', { status: 'failed' });
    await recordRun(state, '20261201-130000-dddd', undefined);
    mkdirSync(path.join(state, 'runs', 'not-a-run'));
    writeFileSync(path.join(state, 'runs', 'not-a-run', 'journal.jsonl'), '{ not json');

    expect(await findBuildPeak(state, 4)).toEqual({ perJobBytes: 3 * GiB, coresPerJob: 3, runs: 2 });
    expect(await findBuildPeak(path.join(state, 'nowhere'), 4)).toBeUndefined();
  });
});

describe('how heavy a build was', () => {
  it('takes max-jobs and cores from nix.conf, then from the arguments after --', () => {
    const conf = new Map([['max-jobs', '4'], ['cores', '3']]);
    expect(parallelismInEffect(new Map(), [])).toEqual({ maxJobs: 1, cores: 0 });
    expect(parallelismInEffect(conf, [])).toEqual({ maxJobs: 4, cores: 3 });
    expect(parallelismInEffect(new Map([['max-jobs', 'auto']]), [])).toEqual({ maxJobs: 'auto', cores: 0 });
    expect(parallelismInEffect(conf, ['--max-jobs', '1', '--cores', '2'])).toEqual({ maxJobs: 1, cores: 2 });
    expect(parallelismInEffect(conf, ['-j2', '--show-trace'])).toEqual({ maxJobs: 2, cores: 3 });
    expect(parallelismInEffect(conf, ['--max-jobs=auto', '--cores=6'])).toEqual({ maxJobs: 'auto', cores: 6 });
  });

  it('counts only what the build added to the memory in use', () => {
    expect(buildLoad(10 * GiB, 4 * GiB, { maxJobs: 2, cores: 3 })).toEqual({ peakMemoryBytes: 6 * GiB, maxJobs: 2, cores: 3 });
    expect(buildLoad(4 * GiB, 4 * GiB, { maxJobs: 2, cores: 3 })).toBeUndefined();
  });
});
