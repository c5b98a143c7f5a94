import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseKernelRecords, parseMmStat, parsePressureSome10 } from '../../src/system/memory-files.js';
import { Sysroot } from '../../src/system/sysroot.js';
import { computeHeadroom, takeSample, usableZram, zramRatio, type ZramSwap } from '../../src/watch/memory-sample.js';
import { sysrootFixture } from '../support/sandbox.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

function zram(sizeBytes: number, usedBytes: number, memLimitBytes = 0, memUsedBytes = 0): ZramSwap {
  return { stat: { name: 'zram0', origDataBytes: 0, memUsedBytes, memLimitBytes }, sizeBytes, usedBytes };
}

describe('headroom', () => {
  it.each([
    // free zram F at ratio r is worth F(1 - 1/r) of RAM
    [8 * GiB, 0, 3, 8 * GiB * (2 / 3)],
    [8 * GiB, 2 * GiB, 2, 3 * GiB],
    [4 * GiB, 0, 1, 0],
    [4 * GiB, 0, 0.8, 0],
  ])('counts %d bytes of zram with %d used at ratio %d as %d bytes', (size, used, ratio, expected) => {
    expect(usableZram(zram(size, used), ratio)).toBeCloseTo(expected, 0);
  });

  it("caps free zram by its mem_limit: at most (limit - used) x ratio can still go in", () => {
    // 8 GiB free, but only 1 GiB of RAM left under the limit: 3 GiB of pages at 3:1, worth 2 GiB.
    expect(usableZram(zram(8 * GiB, 0, 2 * GiB, 1 * GiB), 3)).toBeCloseTo(2 * GiB, 0);
  });

  it('counts disk swap in full and zram discounted', () => {
    // MemAvailable 1 GiB; SwapFree 5 GiB of which 4 GiB is zram (at 2:1 worth 2 GiB) and 1 GiB disk.
    expect(computeHeadroom(1 * GiB, 5 * GiB, [zram(4 * GiB, 0)], 2)).toBe(4 * GiB);
  });

  it('reads the compression ratio from mm_stat, and none while zram is nearly empty', () => {
    expect(zramRatio([{ name: 'zram0', origDataBytes: 900 * MiB, memUsedBytes: 300 * MiB, memLimitBytes: 0 }])).toBe(3);
    expect(zramRatio([{ name: 'zram0', origDataBytes: 4096, memUsedBytes: 4096, memLimitBytes: 0 }])).toBeUndefined();
  });

  it('samples a fixture system: meminfo, swaps, zram mm_stat and PSI', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'tw-sample-'));
    try {
      cpSync(sysrootFixture('tuned'), root, { recursive: true });
      const pressureDir = path.join(root, 'proc/pressure');
      mkdirSync(pressureDir, { recursive: true });
      writeFileSync(path.join(pressureDir, 'memory'), 'some avg10=12.50 avg60=3.00 avg300=1.00 total=99\nfull avg10=2.00 avg60=0.00 avg300=0.00 total=5\n');

      const sample = takeSample(new Sysroot(root));

      expect(sample.memAvailable).toBe(9437184 * 1024);
      expect(sample.swapUsed).toBe((8159240 - 7340032) * 1024);
      expect(sample.zramRatio).toBeCloseTo(838868992 / 251658240, 6);
      expect(sample.pressure).toBe(12.5);
      const zramFree = (8159240 - 819208) * 1024;
      expect(sample.headroom).toBeCloseTo(9437184 * 1024 + zramFree * (1 - 251658240 / 838868992), 0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('parsing the kernel memory files', () => {
  it('reads PSI some avg10', () => {
    expect(parsePressureSome10('some avg10=0.31 avg60=0.10 avg300=0.02 total=12345\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n')).toBe(0.31);
    expect(parsePressureSome10('')).toBeUndefined();
  });

  it('reads mm_stat columns as bytes', () => {
    expect(parseMmStat('zram1', ' 4096  1024  8192  0  8192  0 0 0 0\n')).toEqual({ name: 'zram1', origDataBytes: 4096, memUsedBytes: 8192, memLimitBytes: 0 });
    expect(parseMmStat('zram1', 'garbage')).toBeUndefined();
  });

  it('reads /dev/kmsg records and skips continuation lines', () => {
    const text = '6,1,100,-;Linux version 6.12\n SUBSYSTEM=acpi\n3,2,200,-;Out of memory: Killed process 9 (cc1)\n';
    expect(parseKernelRecords(text)).toEqual([
      { sequence: 1, micros: 100, message: 'Linux version 6.12' },
      { sequence: 2, micros: 200, message: 'Out of memory: Killed process 9 (cc1)' },
    ]);
  });
});
