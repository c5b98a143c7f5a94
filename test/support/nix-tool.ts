// Nix's own tools judge the edits. Where nix-instantiate is missing the
// checks are skipped with a reason, except in CI (or with
// TUNE_WIZARD_REQUIRE_NIX=1), where a missing tool fails the run.
import { execFileSync, spawnSync } from 'node:child_process';

function findNixInstantiate(): boolean {
  try {
    execFileSync('nix-instantiate', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const hasNix = findNixInstantiate();
export const nixRequired = Boolean(process.env.CI) || process.env.TUNE_WIZARD_REQUIRE_NIX === '1';

if (!hasNix) {
  if (nixRequired) {
    throw new Error('nix-instantiate is not on PATH, and CI (or TUNE_WIZARD_REQUIRE_NIX=1) requires the Nix checks. Install Debian\'s nix-bin.');
  }
  console.warn('nix-instantiate not found: skipping the checks that need it (install Debian\'s nix-bin to run them).');
}

/** Runs `nix-instantiate --parse FILE`; returns its error text, or undefined when it parses. */
export function nixParseError(file: string): string | undefined {
  const result = spawnSync('nix-instantiate', ['--parse', file], { encoding: 'utf8' });
  if (result.status === 0) return undefined;
  const message = result.stderr.trim();
  // Scope is not syntax: a file that only uses a name from outside parses.
  return /^error: undefined variable/.test(message) ? undefined : message;
}
