// A small benchmark, not a timed test: parses a workload like the tool's
// largest (2,000 files, 10 MB, made by repeating the repository's .nix
// files) and prints the throughput. It fails only if a file fails to parse.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBytes } from '../../src/nix/parser.js';
import { NixSyntaxError } from '../../src/nix/syntax.js';
import { findNixFiles } from './support.js';

function workload(totalBytes: number, fileCount: number): Buffer[] {
  const sources = findNixFiles()
    .map((f) => readFileSync(f))
    .filter((bytes) => {
      try {
        parseBytes(bytes, 'probe.nix');
        return true;
      } catch (e) {
        if (e instanceof NixSyntaxError) return false;
        throw e;
      }
    });
  // Each file joins a few sources into one list, sized so the files add up
  // to about `totalBytes`.
  const smallest = sources.reduce((a, b) => (b.length < a.length ? b : a));
  const files: Buffer[] = [];
  let used = 0;
  let next = 0;
  for (let i = 0; i < fileCount; i++) {
    const target = (totalBytes - used) / (fileCount - i);
    const parts: Buffer[] = [Buffer.from('[\n')];
    let size = 4;
    for (let tries = 0; tries < sources.length && size < target; tries++) {
      const source = sources[next++ % sources.length]!;
      if (size + source.length + 3 > target * 1.2) continue;
      parts.push(Buffer.from('('), source, Buffer.from(')\n'));
      size += source.length + 3;
    }
    if (parts.length === 1) parts.push(Buffer.from('('), smallest, Buffer.from(')\n'));
    parts.push(Buffer.from(']\n'));
    const file = Buffer.concat(parts);
    used += file.length;
    files.push(file);
  }
  return files;
}

describe('parse speed', () => {
  it('parses 2,000 files / 10 MB and reports MB/s', () => {
    const files = workload(10_000_000, 2000);
    const bytes = files.reduce((n, f) => n + f.length, 0);
    let best = Infinity;
    let bestCpu = Infinity;
    let ends = 0;
    for (let round = 0; round < 3; round++) {
      const started = performance.now();
      const cpu = process.cpuUsage();
      for (const file of files) ends += parseBytes(file, 'bench.nix').root.end;
      const used = process.cpuUsage(cpu);
      best = Math.min(best, performance.now() - started);
      bestCpu = Math.min(bestCpu, (used.user + used.system) / 1000);
    }
    expect(ends).toBe(3 * bytes);
    const rate = (ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(1);
    // CPU time is shown too: on a shared machine other processes stretch the wall time.
    console.log(
      `parse speed: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB in ${best.toFixed(0)} ms wall = ${rate(best)} MB/s, ` +
        `${bestCpu.toFixed(0)} ms CPU = ${rate(bestCpu)} MB/s (best of 3)`,
    );
  });
});
