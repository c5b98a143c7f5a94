// A build stand-in that really uses memory: allocates (and touches) a chunk
// every few milliseconds up to a hard cap, and after each step rewrites a
// fixture meminfo so MemAvailable falls by exactly as much as its own
// resident memory grew. The watchdog under test reads that file.
//   TW_ALLOC_MEMINFO     the fixture proc/meminfo to rewrite (required)
//   TW_ALLOC_AVAIL_KB    MemAvailable before the first step
//   TW_ALLOC_STEP_MB     per step (default 16), TW_ALLOC_STEP_MS between steps (default 50)
//   TW_ALLOC_MAX_MB      stop growing here (default 300; never more than 300)
//   TW_ALLOC_LINE_BYTES  print "crossed AT_MS" when MemAvailable first falls under this
//   TW_ALLOC_QUIET=1     print only the "crossed" line
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

const MiB = 1024 * 1024;
const env = process.env;
const file = env.TW_ALLOC_MEMINFO;
if (!file) throw new Error('TW_ALLOC_MEMINFO is required');
const startKb = Number(env.TW_ALLOC_AVAIL_KB);
const stepBytes = Number(env.TW_ALLOC_STEP_MB ?? 16) * MiB;
const stepMs = Number(env.TW_ALLOC_STEP_MS ?? 50);
const maxBytes = Math.min(Number(env.TW_ALLOC_MAX_MB ?? 300), 300) * MiB;
const line = env.TW_ALLOC_LINE_BYTES === undefined ? undefined : Number(env.TW_ALLOC_LINE_BYTES);
const template = readFileSync(file, 'utf8');

const rss = () => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
const baseRss = rss();
const chunks = [];
let allocated = 0;
let crossed = false;

function writeMeminfo(availableKb) {
  const text = template.replace(/^MemAvailable:.*$/m, `MemAvailable:   ${availableKb} kB`);
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

const timer = setInterval(() => {
  if (allocated < maxBytes) {
    chunks.push(Buffer.alloc(stepBytes, 1));
    allocated += stepBytes;
  }
  const grown = Math.max(0, rss() - baseRss);
  const availableKb = Math.max(0, Math.round(startKb - grown / 1024));
  // Said before the file changes: the watchdog may stop us right after.
  if (!crossed && line !== undefined && availableKb * 1024 < line) {
    crossed = true;
    console.log(`crossed ${Date.now()}`);
  }
  writeMeminfo(availableKb);
  if (!env.TW_ALLOC_QUIET) console.log(`allocated ${allocated / MiB} MiB (resident +${Math.round(grown / MiB)} MiB)`);
}, stepMs);

// Nobody stopped us: give up after a while so a broken watchdog fails its test.
setTimeout(() => {
  clearInterval(timer);
  console.log(`still alive after ${chunks.length} steps`);
  process.exit(0);
}, Number(env.TW_ALLOC_GIVE_UP_MS ?? 20000));
