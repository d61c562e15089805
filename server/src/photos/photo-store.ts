import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Where photo bytes live, addressed by their SHA-256. The disk store is the default; an
 * S3-compatible store implements the same three calls (key = the hash).
 */
export interface PhotoStore {
  /** Store bytes under their hash; storing the same hash twice is a no-op. */
  put(sha256: string, bytes: Buffer): Promise<void>;
  get(sha256: string): Promise<Buffer | null>;
  has(sha256: string): Promise<boolean>;
}

const HASH = /^[a-f0-9]{64}$/;

/** Photos on local disk, fanned out by the first two hex digits: `<dir>/ab/abcdef…`. */
export class DiskPhotoStore implements PhotoStore {
  constructor(readonly dir: string) {}

  #path(sha256: string): string {
    if (!HASH.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  async put(sha256: string, bytes: Buffer): Promise<void> {
    const path = this.#path(sha256);
    if (await this.has(sha256)) return;
    await mkdir(join(this.dir, sha256.slice(0, 2)), { recursive: true });
    // Write then rename: a reader never sees half a photo.
    const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  }

  async get(sha256: string): Promise<Buffer | null> {
    try {
      return await readFile(this.#path(sha256));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async has(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.#path(sha256))).isFile();
    } catch {
      return false;
    }
  }
}

/** PHOTO_DIR when set; a throw-away temp dir for an in-memory database; else DATA_DIR/photos. */
export function photoDirFor(options: {
  photoDir?: string | undefined;
  dataDir: string;
  databaseLocation: string;
}): string {
  if (options.photoDir) return resolve(options.photoDir);
  if (options.databaseLocation === 'memory://')
    return mkdtempSync(join(tmpdir(), 'cityops-photos-'));
  return resolve(options.dataDir, 'photos');
}
