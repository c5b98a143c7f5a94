// Asks Nix what the NixOS module system would compute for some options of a
// flake's host, through the harness in test/harness (nixpkgs is not needed:
// test/harness/lib.nix stands in for its lib, test/harness/modules.nix for
// its module system).
//
//   const values = await evaluateOptions(dir, 'kernelcore', [
//     'nix.settings.max-jobs',
//     'boot.kernel.sysctl."vm.swappiness"',
//   ]);
//   values['nix.settings.max-jobs'] // 4
//
// An option nothing defines comes back as `{ _undefined: true }` (see
// isUndefined). A conflict, a failed mkIf condition or any other evaluation
// error rejects with an Error whose message holds Nix's own error text, e.g.
// "The option `nix.settings.max-jobs' has conflicting definition values".
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HARNESS_EVAL = fileURLToPath(new URL('../harness/eval.nix', import.meta.url));

/** What a stub flake input provides, merged over the generated stub. */
export interface StubInput {
  /**
   * Module names: a list gives empty modules of those names; a record maps
   * a name to a module file (resolved against the flake directory) or to
   * null for an empty module. The generated stub already has an empty
   * module for every `nixosModules.<name>` the flake's .nix files mention.
   */
  nixosModules?: string[] | Record<string, string | null>;
}

export type StubInputs = Record<string, StubInput | string[]>;

export interface EvaluateSettings {
  /**
   * Declare the nixpkgs options whose shape decides how priorities apply
   * (`nix.settings`, `boot.kernel.sysctl`: submodules in NixOS, so an
   * mkOverride around the whole set is weighed as a whole). Default true;
   * false treats them as plain namespaces, like every other undeclared path.
   */
  nixpkgsShapes?: boolean;
  /** Default 30 s. */
  timeoutMs?: number;
  /** Default `nix-instantiate` from PATH. */
  nixInstantiate?: string;
}

export interface UndefinedOption {
  _undefined: true;
}

export function isUndefined(value: unknown): value is UndefinedOption {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)._undefined === true;
}

/** Whether `nix-instantiate` runs. */
export function nixAvailable(command = 'nix-instantiate'): boolean {
  const result = spawnSync(command, ['--version'], { stdio: 'ignore' });
  return !result.error && result.status === 0;
}

/**
 * Splits a dotted option name into attribute names. Names containing dots or
 * other characters are quoted: `boot.kernel.sysctl."vm.swappiness"`.
 */
export function parseOptionPath(name: string): string[] {
  const parts: string[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`invalid option name ${JSON.stringify(name)}: ${why}`);
  };
  while (i <= name.length) {
    let part = '';
    if (name[i] === '"') {
      i++;
      for (;;) {
        if (i >= name.length) fail('unterminated quote');
        const c = name[i]!;
        if (c === '\\') {
          if (i + 1 >= name.length) fail('dangling backslash');
          part += name[i + 1];
          i += 2;
        } else if (c === '"') {
          i++;
          break;
        } else {
          part += c;
          i++;
        }
      }
      if (i < name.length && name[i] !== '.') fail(`expected "." after a quoted name at offset ${i}`);
    } else {
      const start = i;
      while (i < name.length && name[i] !== '.') {
        if (name[i] === '"') fail(`unexpected quote at offset ${i}`);
        i++;
      }
      part = name.slice(start, i);
      if (part === '') fail('empty attribute name');
    }
    parts.push(part);
    i++; // the dot, or past the end
  }
  return parts;
}

/** The inverse of parseOptionPath, quoting like NixOS's showOption. */
export function formatOptionPath(parts: string[]): string {
  return parts
    .map((p) => (/^[A-Za-z_][A-Za-z0-9_'-]*$/.test(p) ? p : JSON.stringify(p)))
    .join('.');
}

function stubInputsJson(flakeDir: string, stubs: StubInputs): string {
  const out: Record<string, unknown> = {};
  for (const [input, stub] of Object.entries(stubs)) {
    if (Array.isArray(stub)) {
      out[input] = { nixosModules: stub };
      continue;
    }
    const modules = stub.nixosModules;
    if (modules === undefined || Array.isArray(modules)) {
      out[input] = { ...stub };
    } else {
      out[input] = {
        ...stub,
        nixosModules: Object.fromEntries(
          Object.entries(modules).map(([name, file]) => [name, file === null ? null : path.resolve(flakeDir, file)]),
        ),
      };
    }
  }
  return JSON.stringify(out);
}

let storeRoot: string | undefined;

/**
 * The test run's store (test/support/global-setup.ts), or else one under
 * the temp dir for this process, removed when it exits.
 */
function privateStore(): string {
  if (storeRoot) return storeRoot;
  if (process.env.TUNE_WIZARD_TEST_STORE) return (storeRoot = process.env.TUNE_WIZARD_TEST_STORE);
  const root = mkdtempSync(path.join(os.tmpdir(), 'tune-wizard-nix-store-'));
  process.once('exit', () => removeStore(root));
  return (storeRoot = root);
}

// Nix leaves store paths read-only; make them writable so they can go.
export function removeStore(root: string): void {
  const unlock = (dir: string): void => {
    try {
      chmodSync(dir, 0o755);
      for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) unlock(path.join(dir, entry.name));
    } catch {
      // best effort: rmSync below says nothing either
    }
  };
  unlock(root);
  rmSync(root, { recursive: true, force: true });
}

/**
 * Evaluates `options` (dotted names) of `nixosConfigurations.<host>` of the
 * flake in `flakeDir`. Resolves to an object from each requested name, as
 * given, to its value.
 */
export async function evaluateOptions(
  flakeDir: string,
  host: string,
  options: string[],
  stubInputs?: StubInputs,
  settings: EvaluateSettings = {},
): Promise<Record<string, unknown>> {
  const dir = path.resolve(flakeDir);
  const query = Object.fromEntries(options.map((name) => [name, parseOptionPath(name)]));
  const args = [
    '--eval',
    '--strict',
    '--json',
    // A module named as "${./x.nix}" is copied into a store before it is
    // imported; a throwaway store of this process's own keeps /nix/store
    // untouched (and works without root).
    '--read-write-mode',
    '--store', `local?root=${privateStore()}`,
    '--option', 'build-users-group', '',
    HARNESS_EVAL,
    '--argstr', 'flakeDir', dir,
    '--argstr', 'host', host,
    '--argstr', 'queryJson', JSON.stringify(query),
  ];
  if (stubInputs && Object.keys(stubInputs).length > 0) {
    args.push('--argstr', 'stubInputsJson', stubInputsJson(dir, stubInputs));
  }
  if (settings.nixpkgsShapes === false) args.push('--arg', 'nixpkgsShapes', 'false');

  const command = settings.nixInstantiate ?? 'nix-instantiate';
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile(
      command,
      args,
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: settings.timeoutMs ?? 30_000 },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ stdout, stderr });
          return;
        }
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          reject(new Error(`${command} is not on PATH (install Debian's nix-bin): cannot evaluate ${options.join(', ')} of ${host}`));
          return;
        }
        const text = stderr.trim() || error.message;
        reject(new Error(`${command} could not evaluate ${options.join(', ')} of ${host} in ${dir}:\n${text}`));
      },
    );
  });
  try {
    return JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`${command} printed something that is not JSON for ${host} in ${dir}:\n${stdout}\n${stderr}`);
  }
}
