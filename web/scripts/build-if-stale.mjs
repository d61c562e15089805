// `pnpm start` rebuilds the web app only when its inputs changed, so a restart takes seconds.
// The inputs are hashed by content (web sources, the shared packages, configs, the lockfile);
// the hash is stored beside the build. `pnpm build` always builds.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';

const web = resolve(import.meta.dirname, '..');
const root = resolve(web, '..');
const out = process.env.WEB_BUILD_DIR
  ? resolve(web, process.env.WEB_BUILD_DIR)
  : join(web, 'build');
const stamp = join(out, '.inputs-sha256');

const inputs = [
  join(web, 'src'),
  join(web, 'static'),
  join(web, 'svelte.config.js'),
  join(web, 'vite.config.ts'),
  join(web, 'package.json'),
  join(root, 'packages/domain/src'),
  join(root, 'packages/protocol/src'),
  join(root, 'pnpm-lock.yaml'),
];

function files(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((d) => files(join(path, d.name)));
}

const hash = createHash('sha256');
for (const f of inputs.flatMap(files))
  hash.update(f.slice(root.length)).update('\0').update(readFileSync(f)).update('\0');
const digest = hash.digest('hex');

if (
  existsSync(join(out, '200.html')) &&
  existsSync(stamp) &&
  readFileSync(stamp, 'utf8') === digest
) {
  console.log('web app is up to date (inputs unchanged), not rebuilding');
} else {
  execFileSync('vite', ['build'], {
    cwd: web,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  writeFileSync(stamp, digest);
}
