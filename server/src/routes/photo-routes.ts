import express, { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { parse } from '../http/errors.ts';
import { principal } from '../auth/middleware.ts';
import { PHOTO_LIMITS } from '../photos/check-photo.ts';
import type { PhotoStore } from '../photos/photo-store.ts';
import { readPhoto, uploadPhoto } from '../photos/photos.ts';

const ShaParam = z.object({
  sha256: z.string().regex(/^[a-f0-9]{64}$/, 'a lowercase hex SHA-256'),
});

/** Photos: upload the raw bytes (`Content-Type: image/*` or any), get them back by hash. */
export function photoRoutes(svc: Services, store: PhotoStore): Router {
  const r = Router();
  // Whatever the declared type, read the raw bytes: the content decides what it is.
  const raw = express.raw({ type: () => true, limit: PHOTO_LIMITS.maxBytes });
  r.post('/photos', raw, async (req, res) => {
    const body: unknown = req.body;
    const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
    const result = await uploadPhoto({ ctx: { svc, principal: principal(req) }, store, bytes });
    res.status(result.created ? 201 : 200).json(result.photo);
  });
  r.get('/photos/:sha256', async (req, res) => {
    const { sha256 } = parse(ShaParam, req.params, 'photo id');
    const photo = await readPhoto({ ctx: { svc, principal: principal(req) }, store, sha256 });
    res.setHeader('Cache-Control', 'private, max-age=31536000, immutable');
    res.type(photo.mime).send(photo.bytes);
  });
  return r;
}
