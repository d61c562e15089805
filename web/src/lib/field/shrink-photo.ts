/** Longest side of a photo as sent: enough to see a blocked drain, small on a 3G link. */
export const MAX_SIDE = 1920;
const KEEP_BELOW_BYTES = 600 * 1024;
const KEPT_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

/**
 * Make a camera photo fit a patchy mobile link: re-encode as JPEG at most MAX_SIDE px a side.
 * Small photos in an accepted format are kept as they are; anything the browser cannot decode
 * is passed through, and the server's checks decide.
 */
export async function shrinkPhoto(file: Blob): Promise<Blob> {
  if (file.size <= KEEP_BELOW_BYTES && KEPT_TYPES.includes(file.type)) return file;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return file;
  }
  try {
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const out = await new Promise<Blob | null>((resolve) =>
      canvas.toBlob(resolve, 'image/jpeg', 0.85),
    );
    return out && out.size < file.size ? out : file;
  } finally {
    bitmap.close();
  }
}
