// npm run bench: how fast the watchdog reacts and what it costs.
//   Reaction: a real child allocates memory step by step and lowers a
//   fixture MemAvailable by exactly its own growth; the time from the step
//   that crossed the stop line to the watchdog's stop, in ms and samples.
//   Cost: the CPU time this process spends while the watchdog samples the
//   real /proc for a while (an allocating child running alongside), minus
//   the same period without the watchdog, as a share of one core. Figures
//   only; nothing here asserts a time.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { processRunner, type RunningCommand } from '../../src/system/command-runner.js';
import { Sysroot } from '../../src/system/sysroot.js';
import { DEFAULT_SAMPLE_MS, startWatchdog } from '../../src/watch/watchdog.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const allocator = path.join(repo, 'test/support/allocate-memory.mjs');
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const LINE = GiB;
const TRIALS = 5;
const COST_SECONDS = 8;
const COST_ROUNDS = 3;

export async function run(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tune-wizard-bench-'));
  await processRunner.ready();
  try {
    console.log(`watchdog: sampling every ${DEFAULT_SAMPLE_MS} ms`);
    const trials = [];
    for (let trial = 0; trial < TRIALS; trial++) trials.push(await measureReaction(root));
    const reactions = trials.map((t) => t.reaction).sort((a, b) => a - b);
    const exits = trials.map((t) => t.exit).sort((a, b) => a - b);
    const median = reactions[Math.floor(TRIALS / 2)]!;
    console.log(`  reaction, crossing to stop: median ${median} ms (${(median / DEFAULT_SAMPLE_MS).toFixed(2)} samples), min ${reactions[0]} ms, max ${reactions.at(-1)} ms (${(reactions.at(-1)! / DEFAULT_SAMPLE_MS).toFixed(2)} samples) over ${TRIALS} runs`);
    console.log(`  crossing to the child's process group gone: median ${exits[Math.floor(TRIALS / 2)]} ms, max ${exits.at(-1)} ms`);

    const costs = [];
    for (let round = 0; round < COST_ROUNDS; round++) costs.push(await measureCost(root));
    costs.sort((a, b) => a.percent - b.percent);
    const cost = costs[Math.floor(COST_ROUNDS / 2)]!;
    console.log(`  cost per round: ${costs.map((c) => `${c.percent.toFixed(2)}%`).join(', ')} (median below)`);
    console.log(`  cost: ${cost.percent.toFixed(2)}% of one core over ${COST_SECONDS} s, median of ${COST_ROUNDS} (${cost.samples} samples of the real /proc, ${cost.perSampleUs.toFixed(0)} µs CPU per sample; this process idles at ${cost.baseline.toFixed(2)}% without the watchdog)`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function writeFixture(root: string, availableKb: number): string {
  const meminfo = path.join(root, 'proc/meminfo');
  mkdirSync(path.dirname(meminfo), { recursive: true });
  writeFileSync(meminfo, `MemTotal:       16318480 kB\nMemAvailable:   ${availableKb} kB\nSwapTotal:      0 kB\nSwapFree:       0 kB\n`);
  return meminfo;
}

function startAllocator(meminfo: string, availableKb: number, stepMb: number, maxMb: number, onLine: (line: string) => void): RunningCommand {
  Object.assign(process.env, {
    TW_ALLOC_MEMINFO: meminfo,
    TW_ALLOC_AVAIL_KB: String(availableKb),
    TW_ALLOC_STEP_MB: String(stepMb),
    TW_ALLOC_STEP_MS: '50',
    TW_ALLOC_MAX_MB: String(maxMb),
    TW_ALLOC_LINE_BYTES: String(LINE),
    TW_ALLOC_GIVE_UP_MS: String((COST_SECONDS + 5) * 1000),
  });
  return processRunner.start(process.execPath, [allocator], onLine, { ownGroup: true, graceMs: 1000 });
}

async function measureReaction(root: string): Promise<{ reaction: number; exit: number }> {
  const availableKb = (LINE + 64 * MiB) / 1024;
  const meminfo = writeFixture(root, availableKb);
  let crossedAt: number | undefined;
  let stoppedAt: number | undefined;
  const lines: string[] = [];
  const child = startAllocator(meminfo, availableKb, 8, 200, (line) => {
    lines.push(line);
    const match = /^crossed (\d+)$/.exec(line);
    if (match) crossedAt = Number(match[1]);
  });
  const watchdog = startWatchdog(new Sysroot(root), { bytes: LINE, reason: 'bench', overtakenBy: undefined }, DEFAULT_SAMPLE_MS, {
    onSample: () => {},
    onWarn: () => {},
    onLimit: () => {
      stoppedAt = Date.now();
      child.stop();
    },
    onReadError: (error) => {
      throw error;
    },
  });
  await child.result;
  const goneAt = Date.now();
  watchdog.stop();
  if (crossedAt === undefined || stoppedAt === undefined) {
    throw new Error(`bench: the child never crossed the line (${crossedAt}), or the watchdog never stopped it (${stoppedAt}); it printed: ${lines.slice(-3).join(' | ')}`);
  }
  return { reaction: stoppedAt - crossedAt, exit: goneAt - crossedAt };
}

async function measureCost(root: string): Promise<{ percent: number; baseline: number; samples: number; perSampleUs: number }> {
  const baseline = await cpuOver(root, false);
  const watched = await cpuOver(root, true);
  const cpuUs = watched.cpuUs - baseline.cpuUs;
  return {
    percent: (100 * cpuUs) / watched.wallUs,
    baseline: (100 * baseline.cpuUs) / baseline.wallUs,
    samples: watched.samples,
    perSampleUs: cpuUs / Math.max(1, watched.samples),
  };
}

/** CPU time of this process over COST_SECONDS with an allocating child, with or without the watchdog. */
async function cpuOver(root: string, watch: boolean): Promise<{ cpuUs: number; wallUs: number; samples: number }> {
  // The child lowers a fixture far from any line; the watchdog reads the real /proc.
  const meminfo = writeFixture(root, 8 * 1024 * 1024);
  process.env.TW_ALLOC_QUIET = '1';
  const child = startAllocator(meminfo, 8 * 1024 * 1024, 4, 200, () => {});
  const watchdog = watch
    ? startWatchdog(new Sysroot('/'), { bytes: 0, reason: 'bench', overtakenBy: undefined }, DEFAULT_SAMPLE_MS, {
        onSample: () => {},
        onWarn: () => {},
        onLimit: () => {},
        onReadError: (error) => {
          throw error;
        },
      })
    : undefined;
  const cpuBefore = process.cpuUsage();
  const wallBefore = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, COST_SECONDS * 1000));
  const cpu = process.cpuUsage(cpuBefore);
  const wallUs = Number(process.hrtime.bigint() - wallBefore) / 1000;
  watchdog?.stop();
  child.stop();
  await child.result;
  delete process.env.TW_ALLOC_QUIET;
  return { cpuUs: cpu.user + cpu.system, wallUs, samples: watchdog?.stats.samples ?? 0 };
}
