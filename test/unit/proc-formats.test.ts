import { describe, expect, it } from 'vitest';

import { parseKernelRecords } from '../../src/system/memory-files.js';
import {
  countCpuinfoProcessors,
  countCpuList,
  parseMmStat,
  parsePressure,
  parseUnitProperties,
  parseVmstat,
} from '../../src/system/proc-formats.js';

describe('the text formats of /proc and /sys', () => {
  it.each([
    ['0-3\n', 4],
    ['0\n', 1],
    ['0-3,6,8-11\n', 9],
    ['', undefined],
    ['0-x', undefined],
  ])('counts the CPU list %j as %j', (text, count) => {
    expect(countCpuList(text)).toBe(count);
  });

  it('counts processor lines in /proc/cpuinfo', () => {
    expect(countCpuinfoProcessors('processor\t: 0\nmodel name\t: x\n\nprocessor\t: 1\nmodel name\t: x\n')).toBe(2);
    expect(countCpuinfoProcessors('Features: fp asimd\n')).toBeUndefined();
  });

  it('reads the first three mm_stat fields in bytes', () => {
    expect(parseMmStat('1886416896 604241920 622854144        0 1023410176    12034        0        0        0\n')).toEqual({
      origDataBytes: 1886416896,
      comprDataBytes: 604241920,
      memUsedBytes: 622854144,
    });
    expect(parseMmStat('12 x\n')).toBeUndefined();
  });

  it('reads the some and full lines of /proc/pressure/memory', () => {
    const text = 'some avg10=12.31 avg60=8.07 avg300=3.22 total=912345678\nfull avg10=6.02 avg60=4.11 avg300=1.40 total=412345678\n';
    expect(parsePressure(text)).toEqual({
      some: { avg10: 12.31, avg60: 8.07, avg300: 3.22 },
      full: { avg10: 6.02, avg60: 4.11, avg300: 1.4 },
    });
    expect(parsePressure('')).toBeUndefined();
  });

  it('reads /proc/vmstat counters', () => {
    expect(parseVmstat('pswpin 12\noom_kill 2\n').get('oom_kill')).toBe(2);
  });

  it('reads kmsg records and skips their continuation lines', () => {
    const text = '3,2211,5012345678,-;Out of memory: Killed process 48213 (rustc)\n SUBSYSTEM=memory\n6,2212,5012399001,c;oom_reaper: reaped process 48213 (rustc)\n';
    expect(parseKernelRecords(text).map((r) => ({ usecSinceBoot: r.micros, message: r.message }))).toEqual([
      { usecSinceBoot: 5012345678, message: 'Out of memory: Killed process 48213 (rustc)' },
      { usecSinceBoot: 5012399001, message: 'oom_reaper: reaped process 48213 (rustc)' },
    ]);
  });

  it('reads systemctl show output, keeping = signs inside values', () => {
    expect(Object.fromEntries(parseUnitProperties('ActiveState=active\nExecStart={ path=/bin/sh ; argv[]=/bin/sh }\n'))).toEqual({
      ActiveState: 'active',
      ExecStart: '{ path=/bin/sh ; argv[]=/bin/sh }',
    });
  });
});
