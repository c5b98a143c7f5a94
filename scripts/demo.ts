// npm run demo: rollback, then reenable unified-llm, on a temporary copy of
// the bundled sample flake, with a stand-in nixos-rebuild and a fixture
// /proc and /sys. Nothing outside the temporary directory is touched.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = mkdtempSync(path.join(os.tmpdir(), 'tune-wizard-demo-'));
const flake = path.join(work, 'kernelcore');
const sysroot = path.join(work, 'sysroot');
cpSync(path.join(repo, 'examples/kernelcore'), flake, { recursive: true });
cpSync(path.join(repo, 'test/fixtures/sysroots/tuned'), sysroot, { recursive: true });

const env = {
  ...process.env,
  PATH: `${path.join(repo, 'test/support/bin')}${path.delimiter}${process.env.PATH ?? ''}`,
  TW_STUB_SYSROOT: sysroot,
  TW_STUB_SWITCH_STATE: path.join(repo, 'test/fixtures/sysroots/rolled-back'),
  TUNE_WIZARD_MEMORY_INTERVAL_MS: '1000',
  TW_STUB_BUILD_SECONDS: '3',
  XDG_STATE_HOME: path.join(work, 'state'),
};
const cli = path.join(repo, 'dist/src/cli.js');
const common = ['--yes', '--flake', `${flake}#kernelcore`, '--sysroot', sysroot];

function run(title: string, args: string[], extraEnv: Record<string, string> = {}, expectedStatus = 0): void {
  console.log(`\n=== ${title}\n$ tune-wizard ${args.join(' ')}\n`);
  const result = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit', env: { ...env, ...extraEnv } });
  if (result.status !== expectedStatus) {
    console.error(`\ndemo: tune-wizard exited with ${result.status ?? result.signal}; the sample is left in ${work}`);
    process.exit(result.status ?? 1);
  }
}

console.log(`Demo on a copy of examples/kernelcore in ${work}`);
console.log('nixos-rebuild is a stand-in (test/support/bin); /proc and /sys come from test/fixtures/sysroots.');
run('1. Roll the build-memory tuning back', ['rollback', ...common]);
run('2. Bring unified-llm back', ['reenable', 'unified-llm', ...common]);
run('3. Run rollback again: nothing left to change', ['rollback', ...common]);
run('4. The journal of those runs', ['history']);
run('5. Undo the last run that changed files (reenable)', ['undo', '--yes', '--sysroot', sysroot]);
const short = prepareLowMemoryBuild();
run('6. Roll back on a machine short of memory: the watchdog stops the build', ['rollback', ...short.args, '--stop-below', '1G'], short.env, 5);
/**
 * A second copy whose MemAvailable starts 96 MiB above the 1 GiB stop line
 * and is lowered by a real child's growth (test/support/allocate-memory.mjs).
 */
function prepareLowMemoryBuild(): { args: string[]; env: Record<string, string> } {
  const root = path.join(work, 'short');
  cpSync(path.join(repo, 'examples/kernelcore'), path.join(root, 'kernelcore'), { recursive: true });
  cpSync(path.join(repo, 'test/fixtures/sysroots/tuned'), path.join(root, 'sysroot'), { recursive: true });
  const meminfo = path.join(root, 'sysroot/proc/meminfo');
  const availableKb = (1024 ** 3 + 96 * 1024 ** 2) / 1024;
  writeFileSync(meminfo, `MemTotal:       16318480 kB\nMemAvailable:   ${availableKb} kB\nSwapTotal:      0 kB\nSwapFree:       0 kB\n`);
  writeFileSync(path.join(root, 'sysroot/proc/swaps'), 'Filename\tType\tSize\tUsed\tPriority\n');
  return {
    args: ['--yes', '--flake', `${path.join(root, 'kernelcore')}#kernelcore`, '--sysroot', path.join(root, 'sysroot')],
    env: { TW_STUB_REBUILD: 'allocate', TW_ALLOC_MEMINFO: meminfo, TW_ALLOC_AVAIL_KB: String(availableKb), TW_ALLOC_STEP_MS: '150' },
  };
}

console.log(`\nDone. The edited sample is in ${flake}; compare it with examples/kernelcore:`);
console.log(`  diff -ru examples/kernelcore ${flake}`);
