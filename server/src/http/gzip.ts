import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Request, Response } from 'express';

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

/** Whether the request takes a gzipped answer. */
export function takesGzip(req: Request): boolean {
  return req.acceptsEncodings('gzip') === 'gzip';
}

/** Send `body` as `type`, an answer that varies with Accept-Encoding: a Buffer is gzipped. */
export function sendEncoded(res: Response, type: string, body: Buffer | string): void {
  res.setHeader('Vary', 'Accept-Encoding');
  res.type(type);
  if (typeof body !== 'string') res.setHeader('Content-Encoding', 'gzip');
  res.send(body);
}

/**
 * A large answer that does not change (the region and grid geometry), as text and, once its
 * gzip is made (off the event loop, at zlib's default level), gzipped. Until then, and for a
 * client that does not take gzip, the text is sent. Made once, not per request as a
 * compression middleware would.
 */
export class FixedBody {
  readonly #text: string;
  #zipped: Buffer | null = null;

  constructor(text: string, onError: (err: unknown) => void) {
    this.#text = text;
    gzipAsync(text).then(
      (z) => (this.#zipped = z),
      (err: unknown) => onError(err),
    );
  }

  /** Send it as `type`: gzipped when the request takes gzip and it is ready. */
  send(req: Request, res: Response, type: string): void {
    sendEncoded(res, type, this.#zipped && takesGzip(req) ? this.#zipped : this.#text);
  }
}
