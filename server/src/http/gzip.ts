import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/**
 * Output chunk of a large answer's gzip. zlib's thread pool hands back each chunk to the event
 * loop before it makes the next: at the default 16 KB, the board snapshot's 2.9 MB came back
 * in ~180 turns, each waiting behind the intake's work, and one gzip took 1–2 s under the
 * simulator for ~70 ms of compression (test/bench/gzip-turns.ts). At 1 MB it is three turns.
 */
export const LARGE_GZIP_CHUNK = 1 << 20;

/** gzip at the fastest level, off the event loop, in few turns: for large answers made afresh. */
export function gzipLarge(body: string | Buffer): Promise<Buffer> {
  return gzipAsync(body, { level: 1, chunkSize: LARGE_GZIP_CHUNK });
}
