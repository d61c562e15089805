/**
 * The board snapshot's gzip with the event loop idle and busy (tasks of `--busy` ms back to
 * back, as the intake's under the simulator): the server's `gzipLarge` (1 MB output chunks)
 * side by side with zlib's default (16 KB chunks, each handed back to the event loop before the
 * next is made). The body is a board snapshot's rows for N random incidents. Rounds alternate.
 *   pnpm bench gzip-turns [--incidents=50000] [--busy=4] [--rounds=5]
 */
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { boardRow } from '@cityops/protocol';
import { gzipLarge } from '../../server/src/http/gzip.ts';
import { randomIncident, seeded } from '../../web/src/lib/live/fixtures.ts';
import { flags, fmt, roundsTable } from './bench-util.ts';

const opt = flags(process.argv.slice(2), { incidents: '50000', busy: '4', rounds: '5' });
const rand = seeded(5);
const rows = Array.from({ length: Number(opt.incidents) }, (_, k) =>
  JSON.stringify(boardRow(randomIncident(rand, k + 1), k % 7876)),
);
const body = `{"board":{"rows":[${rows.join(',')}]}}`;
const gzipDefault = (s: string): Promise<Buffer> => promisify(gzip)(s, { level: 1 });

/** Keeps the event loop busy with back-to-back tasks of `ms` until stopped. */
function busyLoop(ms: number): () => void {
  let on = true;
  const spin = (): void => {
    const t = performance.now();
    while (performance.now() - t < ms);
    if (on) setImmediate(spin);
  };
  setImmediate(spin);
  return () => (on = false);
}

const variants = {
  'zlib default (16 KB chunks)': gzipDefault,
  'gzipLarge (1 MB chunks)': gzipLarge,
};
const results: Record<string, number[]> = {};
let size = 0;
for (const loop of ['idle', `busy ${opt.busy} ms tasks`]) {
  for (let r = 0; r < Number(opt.rounds); r++)
    for (const [name, z] of Object.entries(variants)) {
      const stop = loop === 'idle' ? () => {} : busyLoop(Number(opt.busy));
      const t = performance.now();
      size = (await z(body)).length;
      (results[`${loop}: ${name}`] ??= []).push(performance.now() - t);
      stop();
    }
}
console.log(
  `\ngzip of a board snapshot's rows: ${fmt(body.length / 2 ** 20)} MB → ${fmt(size / 2 ** 20)} MB, ${opt.rounds} rounds\n`,
);
console.log(roundsTable('event loop: variant', results));
