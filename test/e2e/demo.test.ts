// The README's first quick-start command runs this demo: it must keep
// working as the CLI's flags change.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const demo = fileURLToPath(new URL('../../dist/scripts/demo.js', import.meta.url));

describe('npm run demo', () => {
  it('runs every step of the demo on the sample and exits 0', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'tune-wizard-demo-test-'));
    try {
      const run = spawnSync(process.execPath, [demo], { encoding: 'utf8', env: { ...process.env, TMPDIR: tmp }, timeout: 120_000 });
      const output = run.stdout + run.stderr;
      expect(output).not.toContain('demo: tune-wizard exited with');
      expect(run.status).toBe(0);
      for (const step of ['=== 1.', '=== 2.', '=== 3.', '=== 4.', '=== 5.', '=== 6.']) expect(output).toContain(step);
      expect(output).toContain('Undone: restored flake.nix and rebuilt.');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
