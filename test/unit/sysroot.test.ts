import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { UserError } from '../../src/errors.js';
import { parseMemInfo, parseNixConf, parseSwaps, selectedAlgorithm, Sysroot, SystemReadError } from '../../src/system/sysroot.js';
import { sysrootFixture } from '../support/sandbox.js';

describe('reading the running system', () => {
  it('reports a file it cannot read as a one-line user error, not a crash', async () => {
    const error = await new Sysroot('/nonexistent').memInfo().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SystemReadError);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe('cannot read /nonexistent/proc/meminfo: not found');
  });

  it('reads /proc/meminfo in bytes', async () => {
    const mem = await new Sysroot(sysrootFixture('tuned')).memInfo();
    expect(mem).toEqual({
      memTotal: 16318480 * 1024,
      memAvailable: 9437184 * 1024,
      swapTotal: 8159240 * 1024,
      swapFree: 7340032 * 1024,
    });
  });

  it('reads meminfo fields that have no kB unit as plain numbers', () => {
    expect(parseMemInfo('MemTotal: 10 kB\nHugePages_Total:       0\n').get('HugePages_Total')).toBe(0);
  });

  it('reads /proc/swaps with its header and tab-separated columns', () => {
    const swaps = parseSwaps('Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/zram0  partition\t8159240\t\t0\t\t10\n/dev/nvme0n1p3 partition 8388604 1024 -2\n');
    expect(swaps).toEqual([
      { name: '/dev/zram0', type: 'partition', sizeBytes: 8159240 * 1024, usedBytes: 0, priority: 10 },
      { name: '/dev/nvme0n1p3', type: 'partition', sizeBytes: 8388604 * 1024, usedBytes: 1024 * 1024, priority: -2 },
    ]);
  });

  it.each([
    ['lzo lzo-rle lz4 lz4hc 842 [zstd]\n', 'zstd'],
    ['[lzo-rle] lzo zstd', 'lzo-rle'],
    ['zstd\n', 'zstd'],
    ['lzo zstd', undefined],
  ])('takes the bracketed algorithm from comp_algorithm %j', (text, algorithm) => {
    expect(selectedAlgorithm(text)).toBe(algorithm);
  });

  it('reads zram devices from /sys/block', async () => {
    const devices = await new Sysroot(sysrootFixture('tuned')).zramDevices();
    expect(devices).toEqual([{ name: 'zram0', algorithm: 'zstd', diskSizeBytes: 8355061760 }]);
  });

  it('finds no zram device where /sys/block has none', async () => {
    expect(await new Sysroot(sysrootFixture('no-zram')).zramDevices()).toEqual([]);
  });

  it('reads sysctl values and the host name', async () => {
    const root = new Sysroot(sysrootFixture('tuned'));
    expect(await root.sysctl('vm.swappiness')).toBe('100');
    expect(await root.hostname()).toBe('kernelcore');
    expect(await new Sysroot(path.join(sysrootFixture('tuned'), 'nowhere')).hostname()).toBeUndefined();
  });

  it('reads nix.conf settings, ignoring comments, later lines winning', () => {
    const conf = parseNixConf('# generated\nmax-jobs = 4\ncores = 3 # per job\nbuilders =\nmax-jobs = auto\n');
    expect(Object.fromEntries(conf)).toEqual({ 'max-jobs': 'auto', cores: '3', builders: '' });
  });
});

describe('reading what check measures', () => {
  it('counts CPUs from /sys/devices/system/cpu/online, else from /proc/cpuinfo', async () => {
    expect(await new Sysroot(sysrootFixture('laptop')).cpuCount()).toBe(4);
    expect(await new Sysroot(sysrootFixture('workstation')).cpuCount()).toBe(16);
    expect(await new Sysroot(sysrootFixture('tuned')).cpuCount()).toBeUndefined();
  });

  it('reads the kernel log from a kmsg file, and nothing where there is none', async () => {
    const log = await new Sysroot(sysrootFixture('laptop')).kernelLog();
    expect(log?.filter((l) => l.message.startsWith('Out of memory')).map((l) => l.usecSinceBoot)).toEqual([2211334502, 5012345678]);
    expect(await new Sysroot(sysrootFixture('no-zram')).kernelLog()).toBeUndefined();
  });

  it('adds up journal files only, persistent ones', async () => {
    expect(await new Sysroot(sysrootFixture('laptop')).journalUsage()).toEqual({ bytes: 65536 + 32768 + 16384, unreadable: 0 });
    expect(await new Sysroot(sysrootFixture('tuned')).journalUsage()).toBeUndefined();
  });

  it('finds running processes by name with their arguments', async () => {
    const root = new Sysroot(sysrootFixture('mixed-swap'));
    expect(await root.processCommandLines('earlyoom')).toEqual([['/nix/store/k2l9-earlyoom-1.8.2/bin/earlyoom', '-m', '10', '-s', '10', '-r', '3600']]);
    expect(await root.processCommandLines('sshd')).toEqual([]);
  });

  it('knows systemd runs where /run/systemd/system exists', async () => {
    expect(await new Sysroot(sysrootFixture('laptop')).isSystemdRunning()).toBe(true);
    expect(await new Sysroot(sysrootFixture('no-zram')).isSystemdRunning()).toBe(false);
  });

  it('reads CommitLimit and Committed_AS where meminfo has them', async () => {
    expect(await new Sysroot(sysrootFixture('laptop')).memInfo()).toMatchObject({ commitLimit: 7990680 * 1024, committedAs: 9876540 * 1024 });
  });
});
