// npm run bench: runs every benchmark in scripts/bench/ and prints figures.
// Nothing here fails on a slow machine; compare the ratios in one run.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bench');
const only = process.argv[2];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) {
  if (only && !file.startsWith(only)) continue;
  console.log(`\n## ${path.basename(file, '.js')}`);
  const bench = (await import(pathToFileURL(path.join(dir, file)).href)) as { run(): Promise<void> };
  await bench.run();
}
