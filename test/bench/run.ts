/**
 * `pnpm bench [name] [--flag=value ...]`: runs one benchmark of this folder in its own process.
 * With no name it lists them. Each bench prints its own table.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
/** Helpers the benches share, not benches. */
const skip = new Set(['run.ts', 'bench-util.ts', 'main-thread-cpu.ts']);
const benches = readdirSync(dir)
  .filter(
    (f) =>
      f.endsWith('.ts') && !skip.has(f) && !f.endsWith('-worker.ts') && !f.endsWith('.test.ts'),
  )
  .map((f) => f.slice(0, -3))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (!name || !benches.includes(name)) {
  if (name) console.error(`no bench named ${name}`);
  console.log(`usage: pnpm bench <name> [--flag=value ...]\nbenches: ${benches.join(', ')}`);
  process.exit(name ? 1 : 0);
}
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const r = spawnSync(tsx, [`${dir}${name}.ts`, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
