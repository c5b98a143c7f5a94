// How long `rollback --dry-run` takes on the sample and on a generated
// 2,000-module configuration (about 10 MB), as ratios to a bare
// `node -e 0` measured in the same run, with peak memory.
//   targets: sample within 2x bare Node; 2,000 files within 0.6 s, under 120 MB
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = path.join(repo, 'dist/src/cli.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

interface Sample {
  wallMs: number;
  cpuMs: number;
  rssMb: number;
}

// Two runs of a script in a fresh node: one plain, timed from outside (the
// wall time), and one with a probe that reports the process's own CPU time
// and peak RSS. The probe loads a module of its own, which would slow a bare
// `node -e 0` more than the CLI, so it never counts toward the wall time.
function measure(args: string[]): Sample {
  const started = process.hrtime.bigint();
  const plain = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (plain.status !== 0) throw new Error(`benchmark run failed (${plain.status}): ${plain.stderr.slice(-500)}`);

  const probe = `process.on('exit', () => { const r = process.resourceUsage(); process.stderr.write('\\nBENCH ' + JSON.stringify({ cpu: (r.userCPUTime + r.systemCPUTime) / 1000, rss: r.maxRSS / 1024 })); });`;
  const probed = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(probe)}`, ...args], { encoding: 'utf8' });
  const line = probed.stderr.split('\n').find((l) => l.startsWith('BENCH '));
  if (!line || probed.status !== 0) throw new Error(`benchmark run failed (${probed.status}): ${probed.stderr.slice(-500)}`);
  const { cpu, rss } = JSON.parse(line.slice(6)) as { cpu: number; rss: number };
  return { wallMs, cpuMs: cpu, rssMb: rss };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function series(args: string[]): Sample {
  const samples = Array.from({ length: RUNS }, () => measure(args));
  return {
    wallMs: median(samples.map((s) => s.wallMs)),
    cpuMs: median(samples.map((s) => s.cpuMs)),
    rssMb: Math.max(...samples.map((s) => s.rssMb)),
  };
}

/** A configuration of `count` modules, a few definitions buried in it. */
export function generateConfiguration(dir: string, count: number): number {
  let bytes = 0;
  const write = (file: string, text: string): void => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
    bytes += Buffer.byteLength(text);
  };
  const groups = 20;
  const perGroup = count / groups;
  for (let g = 0; g < groups; g++) {
    const names = Array.from({ length: perGroup - 1 }, (_, i) => `./m${String(i).padStart(3, '0')}.nix`);
    write(`modules/g${g}/default.nix`, `{ ... }:\n{\n  imports = [\n${names.map((n) => `    ${n}\n`).join('')}  ];\n}\n`);
    for (let i = 0; i < perGroup - 1; i++) write(`modules/g${g}/m${String(i).padStart(3, '0')}.nix`, moduleText(g * perGroup + i));
  }
  const list = Array.from({ length: groups }, (_, g) => `        ./modules/g${g}\n`).join('');
  write('flake.nix', `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";\n  outputs = { self, nixpkgs, ... }@inputs: {\n    nixosConfigurations.big = nixpkgs.lib.nixosSystem {\n      system = "x86_64-linux";\n      specialArgs = { inherit inputs; };\n      modules = [\n${list}      ];\n    };\n  };\n}\n`);
  return bytes;
}

function moduleText(n: number): string {
  const extra =
    n === 1234 ? '    nix.settings.max-jobs = lib.mkDefault 4;  # tuned\n    nix.settings.cores = lib.mkDefault 3;\n'
    : n === 777 ? '    boot.kernel.sysctl."vm.swappiness" = 100;\n'
    : n === 1998 ? '    zramSwap = { enable = true; algorithm = "zstd"; memoryPercent = 50; };\n'
    : '';
  const services = Array.from({ length: 13 }, (_, i) => `    systemd.services.svc${n}x${i} = {\n      description = "Service ${i} of module ${n}";\n      wantedBy = [ "multi-user.target" ];\n      after = [ "network-online.target" ];\n      serviceConfig = { Type = "simple"; Restart = "on-failure"; MemoryMax = "${(i + 1) * 256}M"; };\n      script = ''\n        echo "starting ${n}/${i}" >&2\n        exec \${pkgs.coreutils}/bin/sleep infinity\n      '';\n    };\n`).join('');
  return `# Module ${n}: generated for the benchmark\n{ config, lib, pkgs, ... }:\nlet\n  cfg = config.bench.m${n};\nin\n{\n  options.bench.m${n}.enable = lib.mkEnableOption "module ${n}";\n\n  config = lib.mkIf cfg.enable {\n${extra}${services}    environment.etc."bench/${n}.conf".text = ''\n      value = ${n}\n    '';\n  };\n}\n`;
}

export async function run(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'tune-wizard-bench-'));
  try {
    const sample = path.join(work, 'sample');
    cpSync(path.join(repo, 'examples/kernelcore'), sample, { recursive: true });
    const big = path.join(work, 'big');
    const bytes = generateConfiguration(big, 2000);
    const sysroot = path.join(repo, 'test/fixtures/sysroots/tuned');

    const bare = series(['-e', '0']);
    const small = series([cli, 'rollback', '--dry-run', '--flake', `${sample}#kernelcore`, '--sysroot', sysroot]);
    const large = series([cli, 'rollback', '--dry-run', '--flake', `${big}#big`, '--sysroot', sysroot]);

    const row = (name: string, s: Sample): string =>
      `${name.padEnd(34)} ${s.wallMs.toFixed(0).padStart(6)} ms wall ${s.cpuMs.toFixed(0).padStart(6)} ms cpu ${s.rssMb.toFixed(0).padStart(5)} MB peak  ${(s.wallMs / bare.wallMs).toFixed(2)}x bare`;
    console.log(`median of ${RUNS} runs each; generated configuration: 2000 modules, ${(bytes / 1e6).toFixed(1)} MB`);
    console.log(row('node -e 0', bare));
    console.log(row('rollback --dry-run, sample', small));
    console.log(row('rollback --dry-run, 2000 modules', large));
    console.log(`targets: sample <= 2x bare (${(small.wallMs / bare.wallMs).toFixed(2)}x), 2000 modules <= 600 ms (${large.wallMs.toFixed(0)} ms) and <= 120 MB (${large.rssMb.toFixed(0)} MB)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
