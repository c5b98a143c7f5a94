// What the module system computes for the sample, before and after the
// wizard's edits, judged by nix-instantiate --eval on the harness.
import { afterEach, describe, expect, it } from 'vitest';

import { hasNix } from '../support/nix-tool.js';
import { evaluateOptions } from '../support/nix-eval.js';
import { makeSandbox, runCli, type Sandbox } from '../support/sandbox.js';

const options = ['nix.settings.max-jobs', 'nix.settings.cores', 'zramSwap.memoryPercent', 'boot.kernel.sysctl."vm.swappiness"'];

let sandbox: Sandbox;
afterEach(() => sandbox?.cleanup());

describe.skipIf(!hasNix)('the sample flake as NixOS computes it', () => {
  it('starts tuned: 4 jobs, 3 cores, zram 50%, swappiness 100', async () => {
    sandbox = makeSandbox('tuned');
    expect(await evaluateOptions(sandbox.flake, 'kernelcore', options)).toEqual({
      'nix.settings.max-jobs': 4,
      'nix.settings.cores': 3,
      'zramSwap.memoryPercent': 50,
      'boot.kernel.sysctl."vm.swappiness"': 100,
    });
  });

  it('after rollback computes "auto", 0, 25 and 60', async () => {
    sandbox = makeSandbox('tuned');
    const run = await runCli(sandbox, ['rollback', '--yes', '--no-rebuild']);
    expect(run.exitCode).toBe(0);
    expect(await evaluateOptions(sandbox.flake, 'kernelcore', options)).toEqual({
      'nix.settings.max-jobs': 'auto',
      'nix.settings.cores': 0,
      'zramSwap.memoryPercent': 25,
      'boot.kernel.sysctl."vm.swappiness"': 60,
    });
  });

  it('after --only cpu the other options keep their tuned values', async () => {
    sandbox = makeSandbox('tuned');
    await runCli(sandbox, ['rollback', '--yes', '--no-rebuild', '--only', 'cpu']);
    expect(await evaluateOptions(sandbox.flake, 'kernelcore', options)).toEqual({
      'nix.settings.max-jobs': 'auto',
      'nix.settings.cores': 0,
      'zramSwap.memoryPercent': 50,
      'boot.kernel.sysctl."vm.swappiness"': 100,
    });
  });

  it('after reenable still evaluates, with the offload module imported', async () => {
    sandbox = makeSandbox('tuned');
    const run = await runCli(sandbox, ['reenable', 'unified-llm', '--yes', '--no-rebuild']);
    expect(run.exitCode).toBe(0);
    const values = await evaluateOptions(sandbox.flake, 'kernelcore', ['kernelcore.ml.offload.enable', 'nix.settings.max-jobs']);
    expect(values).toEqual({ 'kernelcore.ml.offload.enable': true, 'nix.settings.max-jobs': 4 });
  });
});
