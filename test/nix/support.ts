// Shared helpers for the Nix parser tests: finding .nix files, running
// `nix-instantiate --parse`, and comparing its output with ours.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const corpusDir = join(repoRoot, 'test/fixtures/nix-syntax');

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git']);

/** Every .nix file under `root` (sorted), skipping node_modules, dist and .git. */
export function findNixFiles(root: string = repoRoot): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(join(dir, entry.name));
      } else if (entry.isFile() && entry.name.endsWith('.nix')) {
        out.push(join(dir, entry.name));
      }
    }
  };
  walk(root);
  return out.sort();
}

function hasNixInstantiate(): boolean {
  const r = spawnSync('nix-instantiate', ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

/** Whether the differential tests can run, and whether they must. */
export const nix = {
  available: hasNixInstantiate(),
  required: Boolean(process.env.CI) || process.env.TUNE_WIZARD_REQUIRE_NIX === '1',
};

export interface NixResult {
  ok: boolean;
  /** stdout as a byte string, without the `(with { }; ...)` wrapper (when ok). */
  stdout: string;
  /** Nix's error (when not ok). */
  stderr: string;
}

export const WITH_PREFIX = '(with { }; ';

/**
 * Runs `nix-instantiate --parse` on each input (a byte string), in batches.
 *
 * Each input is written to `dir` as `<n>.nix`, wrapped as
 * `with {}; <input>`: Nix also rejects undefined variables while parsing,
 * which is scope, not syntax, and a `with` makes every name possibly
 * defined. The wrapper cannot change how the input parses (`with e; expr`
 * takes any expression) and is stripped from the output again. Relative
 * paths in the inputs are therefore resolved against `dir`.
 *
 * nix-instantiate prints one line per file and stops at the first file it
 * rejects, so a batch is one process up to and including the next rejected
 * input; `concurrency` batches run at a time.
 */
export async function nixParseMany(inputs: readonly string[], dir: string, home: string, concurrency = 2): Promise<NixResult[]> {
  const files = inputs.map((text, i) => {
    const file = join(dir, `${i}.nix`);
    writeFileSync(file, Buffer.from('with {}; ' + text, 'latin1'));
    return file;
  });
  const results: NixResult[] = new Array(inputs.length);
  // Split into `concurrency` contiguous shares, each worked through in batches.
  const share = Math.ceil(files.length / concurrency);
  const worker = async (from: number, to: number) => {
    let next = from;
    while (next < to) {
      const batch = files.slice(next, Math.min(to, next + 200));
      const { code, stdout, stderr } = await run(batch, dir, home);
      const lines = stdout === '' ? [] : stdout.replace(/\n$/, '').split('\n');
      if (lines.length > batch.length || (code === 0 && lines.length !== batch.length)) {
        throw new Error(`unexpected nix-instantiate output for ${batch.length} files: ${lines.length} lines, exit ${code}`);
      }
      lines.forEach((line, k) => {
        if (!line.startsWith(WITH_PREFIX) || !line.endsWith(')')) throw new Error(`unexpected nix-instantiate output: ${line.slice(0, 200)}`);
        results[next + k] = { ok: true, stdout: line.slice(WITH_PREFIX.length, -1), stderr: '' };
      });
      next += lines.length;
      if (code !== 0) {
        results[next] = { ok: false, stdout: '', stderr };
        next++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w * share, Math.min(files.length, (w + 1) * share))));
  return results;
}

function run(files: string[], cwd: string, home: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('nix-instantiate', ['--parse', ...files], {
      cwd,
      env: { ...process.env, HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      resolvePromise({ code, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/**
 * Nix 2.8 prints the bindings of a `let` and the arguments of a `{ ... }:`
 * function in the order of their interned symbols' addresses, which depends
 * on which names the process had interned before (builtins, its own .nix
 * files) and so follows no rule of the input. This sorts both lists by name
 * in a printed expression, so that two printings can be compared modulo
 * that order. Attribute sets need nothing: Nix sorts them by name.
 *
 * It reads the printed form only, where strings are "..." with every `$`
 * escaped, except in `"${expr}"` attribute names, and the only unbracketed
 * `;` inside an expression belongs to `assert c; e`.
 */
export function canonicalOrder(printed: string): string {
  const s = printed;
  let i = 0;
  const identAt = (j: number) => {
    let k = j;
    while (k < s.length && /[A-Za-z0-9_'-]/.test(s[k]!)) k++;
    return s.slice(j, k);
  };

  const string = (): string => {
    let out = '"';
    i++;
    while (i < s.length) {
      const c = s[i]!;
      if (c === '\\') {
        out += s.slice(i, i + 2);
        i += 2;
      } else if (c === '"') {
        i++;
        return out + '"';
      } else if (c === '$' && s[i + 1] === '{') {
        i += 2;
        out += '${' + region((j) => s[j] === '}') + '}';
        i++;
      } else {
        out += c;
        i++;
      }
    }
    return out;
  };

  const letExpr = (): string => {
    i += '(let '.length;
    const entries: Array<{ key: string; text: string }> = [];
    while (i < s.length && !(s.startsWith('in ', i) && !s.startsWith('in = ', i))) {
      if (s.startsWith('inherit ', i) && !s.startsWith('inherit = ', i)) {
        i += 'inherit '.length;
        const key = readName();
        i += '; '.length;
        entries.push({ key, text: `inherit ${key}; ` });
        continue;
      }
      const key = readName();
      i += ' = '.length;
      const value = region((j) => s.startsWith('; ', j));
      i += '; '.length;
      entries.push({ key, text: `${key} = ${value}; ` });
    }
    i += 'in '.length;
    const body = region((j) => s[j] === ')');
    i++;
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return `(let ${entries.map((e) => e.text).join('')}in ${body})`;
  };

  const readName = (): string => {
    if (s[i] === '"') return string();
    const id = identAt(i);
    i += id.length;
    return id;
  };

  const formalsAhead = (): boolean => {
    if (s[i - 1] !== '(' || !s.startsWith('{ ', i)) return false;
    if (s.startsWith('...', i + 2)) return true;
    const id = identAt(i + 2);
    if (id === '') return false;
    const after = i + 2 + id.length;
    return s.startsWith(', ', after) || s.startsWith(' ? ', after) || s.startsWith(' }', after);
  };

  const formals = (): string => {
    i += 2;
    const entries: Array<{ key: string; text: string }> = [];
    let ellipsis = false;
    for (;;) {
      if (s.startsWith('...', i)) {
        ellipsis = true;
        i += 3;
      } else {
        const key = identAt(i);
        i += key.length;
        let text = key;
        if (s.startsWith(' ? ', i)) {
          i += 3;
          text += ' ? ' + region((j) => s.startsWith(', ', j) || s.startsWith(' }', j));
        }
        entries.push({ key, text });
      }
      if (s.startsWith(', ', i)) i += 2;
      else break;
    }
    i += 2; // ' }'
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const list = entries.map((e) => e.text);
    if (ellipsis) list.push('...');
    return `{ ${list.join(', ')} }`;
  };

  /** Copies an expression until `atEnd` holds outside brackets and strings. */
  function region(atEnd: (j: number) => boolean): string {
    let out = '';
    let depth = 0;
    let asserts = 0;
    while (i < s.length) {
      const c = s[i]!;
      if (depth === 0) {
        if (asserts > 0 && c === ';') {
          asserts--;
          out += c;
          i++;
          continue;
        }
        if (atEnd(i)) break;
        if (s.startsWith('assert ', i) && !s.startsWith('assert = ', i) && (i === 0 || ' (;'.includes(s[i - 1]!))) {
          asserts++;
        }
      }
      if (c === '"') out += string();
      else if (s.startsWith('(let ', i)) out += letExpr();
      else if (c === '{' && formalsAhead()) out += formals();
      else {
        if (c === '(' || c === '[' || c === '{') depth++;
        else if (c === ')' || c === ']' || c === '}') depth--;
        out += c;
        i++;
      }
    }
    return out;
  }

  return region(() => false);
}
