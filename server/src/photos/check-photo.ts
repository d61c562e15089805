import { createHash } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import { imageSize } from 'image-size';
import { HttpError } from '../http/errors.ts';

/** Limits of an uploaded photo: phone cameras give 2–6 MB and up to ~8000 px a side. */
export const PHOTO_LIMITS = {
  maxBytes: 8 * 1024 * 1024,
  minSide: 64,
  maxSide: 10_000,
  maxPixels: 50_000_000,
} as const;

export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type PhotoType = (typeof PHOTO_TYPES)[number];

export interface CheckedPhoto {
  sha256: string;
  mime: PhotoType;
  bytes: number;
  width: number;
  height: number;
}

const reject = (status: number, code: string, message: string): HttpError =>
  new HttpError(status, code, message, { photo: message });

/**
 * Decide whether bytes are a photo we keep: type by content (magic bytes, never the name or
 * the declared type), then size, then pixel dimensions read from the image header.
 */
export async function checkPhoto(bytes: Buffer): Promise<CheckedPhoto> {
  if (bytes.length === 0) throw reject(422, 'empty_photo', 'the upload is empty');
  if (bytes.length > PHOTO_LIMITS.maxBytes) {
    throw reject(
      413,
      'photo_too_large',
      `the photo is ${bytes.length} bytes; at most ${PHOTO_LIMITS.maxBytes} bytes are accepted`,
    );
  }
  const type = await fileTypeFromBuffer(bytes);
  if (!type || !(PHOTO_TYPES as readonly string[]).includes(type.mime)) {
    throw reject(
      415,
      'not_an_image',
      `the upload is ${type ? type.mime : 'not a recognised file type'}; only JPEG, PNG and WebP photos are accepted`,
    );
  }
  let width: number;
  let height: number;
  try {
    const size = imageSize(bytes);
    width = size.width;
    height = size.height;
    // EXIF orientations 5–8 swap the sides as displayed; the limits are symmetric anyway.
  } catch {
    throw reject(
      422,
      'unreadable_image',
      'the image header cannot be read; the file is damaged or not a photo',
    );
  }
  if (!width || !height || Math.min(width, height) < PHOTO_LIMITS.minSide) {
    throw reject(
      422,
      'image_too_small',
      `the image is ${width}×${height} px; each side must be at least ${PHOTO_LIMITS.minSide} px`,
    );
  }
  if (Math.max(width, height) > PHOTO_LIMITS.maxSide || width * height > PHOTO_LIMITS.maxPixels) {
    throw reject(
      422,
      'image_too_big',
      `the image is ${width}×${height} px; at most ${PHOTO_LIMITS.maxSide} px a side and ${PHOTO_LIMITS.maxPixels / 1e6} megapixels`,
    );
  }
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    mime: type.mime as PhotoType,
    bytes: bytes.length,
    width,
    height,
  };
}
