/** Seeded pseudo-random numbers, so the demo city is the same on every machine and every run. */

import { mulberry32 } from '@cityops/domain';

export { mulberry32 };

/** A 32-bit FNV-1a hash of a string, used to derive one independent seed per region and purpose. */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A PRNG seeded from a string key (e.g. `'streets:410105'`). */
export function seededRandom(key: string): () => number {
  return mulberry32(hashSeed(key));
}
