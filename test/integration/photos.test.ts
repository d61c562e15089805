import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import { photos } from '@cityops/db';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { User } from '../support/api-client.ts';
import { pointIn, reportOk, storyGrid, uniqueText } from '../support/fixtures.ts';

/** A real, valid PNG of one colour (zlib-compressed scanlines, CRC-checked chunks). */
function png(
  width: number,
  height: number,
  rgb: [number, number, number] = [40, 120, 200],
): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer): number => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3).map((_, i) => rgb[i % 3]!)]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

let server: TestServer;
let photoDir: string;
let field: User;
let dispatcher: User;
let other: User;

async function upload(
  user: User,
  bytes: Buffer,
  contentType = 'image/jpeg',
  filename?: string,
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { cookie: user.cookie, 'content-type': contentType };
  if (filename) headers['content-disposition'] = `attachment; filename="${filename}"`;
  const r = await fetch(`${server.url}/api/photos`, {
    method: 'POST',
    headers,
    body: new Uint8Array(bytes),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** Every file under the photo store directory. */
function storedFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(photoDir);
  return out;
}

async function photoRows(): Promise<number> {
  const [r] = await server.database.db.select({ n: sql<number>`count(*)::int` }).from(photos);
  return Number(r!.n);
}

beforeAll(async () => {
  photoDir = mkdtempSync(join(tmpdir(), 'cityops-photo-test-'));
  server = await startTestServer({ env: { PHOTO_DIR: photoDir } });
  [field, dispatcher, other] = await Promise.all([
    User.login(server.url, 'field'),
    User.login(server.url, 'dispatcher'),
    User.login(server.url, 'huayuanlu'),
  ]);
});
afterAll(async () => {
  await server?.close();
  rmSync(photoDir, { recursive: true, force: true });
});

describe('bad uploads are refused and nothing is stored', () => {
  it('a non-image (a PDF) gets 415 and no file or row', async () => {
    const pdf = Buffer.from(
      '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
    );
    const r = await upload(field, pdf, 'application/pdf', 'report.pdf');
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe('not_an_image');
    expect(r.body.error.fields.photo).toContain('JPEG');
    expect(storedFiles()).toEqual([]);
    expect(await photoRows()).toBe(0);
  });

  it('a file named .jpg whose contents are text gets 4xx and no file or row', async () => {
    const fake = Buffer.from('this is not a photo, only a name that says so '.repeat(20));
    const r = await upload(field, fake, 'image/jpeg', 'IMG_0001.jpg');
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe('not_an_image');
    expect(storedFiles()).toEqual([]);
    expect(await photoRows()).toBe(0);
  });

  it('an oversized file gets 413 and no file or row', async () => {
    const big = Buffer.concat([png(100, 100), Buffer.alloc(9 * 1024 * 1024, 7)]);
    const r = await upload(field, big, 'image/png', 'huge.png');
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('too_large');
    expect(storedFiles()).toEqual([]);
    expect(await photoRows()).toBe(0);
  });

  it('a real image with absurd pixel dimensions gets 422 and no file or row', async () => {
    // A tiny-bytes PNG whose header claims 12,000 × 12,000 px (a decompression bomb shape).
    const bomb = png(12_000, 1);
    bomb.writeUInt32BE(12_000, 16 + 4);
    const r = await upload(field, bomb, 'image/png');
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('image_too_big');
    expect(storedFiles()).toEqual([]);
  });

  it('a tiny icon is not a site photo: 422', async () => {
    const r = await upload(field, png(16, 16), 'image/png');
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('image_too_small');
    expect(storedFiles()).toEqual([]);
    expect(await photoRows()).toBe(0);
  });

  it('needs a session', async () => {
    const r = await fetch(`${server.url}/api/photos`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: new Uint8Array(png(100, 100)),
    });
    expect(r.status).toBe(401);
    expect(storedFiles()).toEqual([]);
  });
});

describe('a good photo', () => {
  it('is stored once by content hash, served back to those who may see it, and attachable to a report', async () => {
    const bytes = png(320, 240, [200, 80, 40]);
    const sha = createHash('sha256').update(bytes).digest('hex');
    // The declared type lies (octet-stream): the content decides.
    const first = await upload(field, bytes, 'application/octet-stream');
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      sha256: sha,
      mime: 'image/png',
      bytes: bytes.length,
      width: 320,
      height: 240,
    });
    const again = await upload(field, bytes, 'image/png');
    expect(again.status).toBe(200);
    expect(storedFiles()).toEqual([join(photoDir, sha.slice(0, 2), sha)]);
    expect(readFileSync(join(photoDir, sha.slice(0, 2), sha)).equals(bytes)).toBe(true);
    expect(await photoRows()).toBe(1);

    const own = await fetch(`${server.url}/api/photos/${sha}`, {
      headers: { cookie: field.cookie },
    });
    expect(own.status).toBe(200);
    expect(own.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await own.arrayBuffer()).equals(bytes)).toBe(true);

    // Not yet attached: the dispatcher has no incident showing it.
    expect(
      (await fetch(`${server.url}/api/photos/${sha}`, { headers: { cookie: dispatcher.cookie } }))
        .status,
    ).toBe(404);
    const incident = await reportOk(field, {
      category: 'municipal.sewer_blocked',
      ...pointIn(storyGrid(server)),
      description: uniqueText('带照片'),
      photos: [sha],
    });
    expect(incident.photos).toEqual([sha]);
    const seen = await fetch(`${server.url}/api/photos/${sha}`, {
      headers: { cookie: dispatcher.cookie },
    });
    expect(seen.status).toBe(200);
    // A street account elsewhere in the city cannot fetch it even with the hash.
    expect(
      (await fetch(`${server.url}/api/photos/${sha}`, { headers: { cookie: other.cookie } }))
        .status,
    ).toBe(404);
    expect((await fetch(`${server.url}/api/photos/${sha}`)).status).toBe(401);
    expect(
      (await fetch(`${server.url}/api/photos/not-a-hash`, { headers: { cookie: field.cookie } }))
        .status,
    ).toBe(422);
  });
});
