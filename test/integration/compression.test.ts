import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { User } from '../support/api-client.ts';
import { startTestServer, WEB_BUILD, type TestServer } from '../support/test-server.ts';

/**
 * The board's code and geometry go compressed to a browser that takes it: the build's .br and
 * .gz copies of each file, and the grids and regions gzipped once by the server. What the
 * client decompresses is byte for byte what it would get uncompressed.
 */

let server: TestServer;
let cookie: string;

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  cookie = (await User.login(server.url, 'operator')).cookie;
});

afterAll(async () => {
  await server?.close();
});

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET whose body is read as sent (Node's fetch would decompress it). */
function get(path: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function decoded(r: Raw): Buffer {
  const enc = r.headers['content-encoding'];
  if (enc === 'br') return brotliDecompressSync(r.body);
  if (enc === 'gzip') return gunzipSync(r.body);
  expect(enc).toBeUndefined();
  return r.body;
}

/** The largest JavaScript file of the build (MapLibre's chunk). */
function largestChunk(): { path: string; bytes: Buffer } {
  const dir = join(WEB_BUILD, '_app/immutable/chunks');
  const [name] = readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .map((f) => ({ f, size: readFileSync(join(dir, f)).length }))
    .sort((a, b) => b.size - a.size)
    .map((x) => x.f);
  return { path: `/_app/immutable/chunks/${name!}`, bytes: readFileSync(join(dir, name!)) };
}

describe('compressed answers', () => {
  it('sends a built file as brotli, as gzip, or as is, by what the request takes', async () => {
    const chunk = largestChunk();
    const br = await get(chunk.path, { 'accept-encoding': 'gzip, deflate, br, zstd' });
    const gz = await get(chunk.path, { 'accept-encoding': 'gzip' });
    const plain = await get(chunk.path);
    expect([br, gz, plain].map((r) => r.status)).toEqual([200, 200, 200]);
    expect([br, gz, plain].map((r) => r.headers['content-encoding'])).toEqual([
      'br',
      'gzip',
      undefined,
    ]);
    for (const r of [br, gz, plain]) {
      expect(decoded(r).equals(chunk.bytes)).toBe(true);
      expect(r.headers['content-type']).toMatch(/javascript/);
      expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(r.headers['vary']).toMatch(/Accept-Encoding/i);
    }
    expect(br.body.length).toBeLessThan(chunk.bytes.length / 3);
  });

  it('sends the grids and regions gzipped once they are made, the same GeoJSON as unzipped', async () => {
    for (const path of ['/api/grids', '/api/regions', '/api/regions?level=street']) {
      const plain = await get(path, { cookie });
      expect(plain.status).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers['content-type']).toMatch(/application\/geo\+json/);
      // The first answer may go out before the gzip is made; a later one is gzipped.
      let zipped!: Raw;
      await expect
        .poll(
          async () => {
            zipped = await get(path, { cookie, 'accept-encoding': 'gzip, br' });
            return zipped.headers['content-encoding'];
          },
          { timeout: 10_000, interval: 20 },
        )
        .toBe('gzip');
      expect(zipped.headers['vary']).toMatch(/Accept-Encoding/i);
      expect(decoded(zipped).equals(plain.body)).toBe(true);
      expect(JSON.parse(plain.body.toString('utf8')).type).toBe('FeatureCollection');
    }
  });

  it('still asks for a session first', async () => {
    const r = await get('/api/grids', { 'accept-encoding': 'gzip' });
    expect(r.status).toBe(401);
  });
});
