// Once per test run: a throwaway Nix store for the harness (see
// nix-eval.ts), shared by every test process and removed at the end.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { removeStore } from './nix-eval.js';

export default function setup(): () => void {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tune-wizard-nix-store-'));
  process.env.TUNE_WIZARD_TEST_STORE = root;
  return () => removeStore(root);
}
