import { describe, expect, it } from 'vitest';

import { countBuildThreads } from '../../src/check/build-checks.js';
import { findSystemMaxUse } from '../../src/check/log-checks.js';
import { exitCodeFor, type CheckReport } from '../../src/check/run-checklist.js';
import { parseEarlyoomArgs } from '../../src/check/swap-checks.js';

describe('the rules check applies', () => {
  it.each([
    ['4', '3', 12, 12],
    ['auto', '0', 12, 144],
    ['auto', '2', 8, 16],
    ['1', '0', 4, 4],
    ['many', '1', 4, undefined],
  ])('counts max-jobs %s × cores %s on %i CPUs as %j threads', (jobs, cores, cpus, threads) => {
    expect(countBuildThreads(jobs, cores, cpus)).toBe(threads);
  });

  it.each([
    ['SystemMaxUse=2G\nSystemMaxFileSize=200M\n', 2 * 1024 ** 3],
    ['  SystemMaxUse = 512M\n', 512 * 1024 ** 2],
    ['RuntimeMaxUse=256M\n', undefined],
    ['SystemMaxUse=1G\nSystemMaxUse=3G\n', 3 * 1024 ** 3],
  ])('finds SystemMaxUse in %j', (text, bytes) => {
    expect(findSystemMaxUse(text)).toBe(bytes);
  });

  it.each([
    [['-m', '5', '-s', '20'], { memPercent: 5, swapPercent: 20 }],
    [['-m5,2', '-s10,5'], { memPercent: 5, swapPercent: 10 }],
    [['-r', '3600'], { memPercent: 10, swapPercent: 10 }],
  ])('reads earlyoom thresholds from %j', (args, thresholds) => {
    expect(parseEarlyoomArgs(args)).toEqual(thresholds);
  });

  it.each([
    [{ ok: 3, warn: 0, fail: 0, skip: 2 }, 0],
    [{ ok: 3, warn: 1, fail: 0, skip: 0 }, 3],
    [{ ok: 3, warn: 1, fail: 1, skip: 0 }, 1],
  ])('exits by the worst finding: %j gives %i', (counts, code) => {
    const report: CheckReport = { host: 'h', rows: [], counts };
    expect(exitCodeFor(report)).toBe(code);
  });
});
