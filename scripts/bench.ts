// npm run bench: runs every benchmark in dist/scripts/bench/ in turn. Each
// exports `run()` and prints its own figures.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bench');
for (const file of readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) {
  console.log(`\n== ${file.replace(/\.js$/, '')}`);
  const bench = (await import(pathToFileURL(path.join(dir, file)).href)) as { run(): Promise<void> };
  await bench.run();
}
