export const MAX_PHOTO_BYTES = 2 * 1024 * 1024

export type PhotoType = 'image/jpeg' | 'image/png' | 'image/webp'

/**
 * The image type from the file's first bytes (its "magic number"), never from its name or the
 * browser's Content-Type, which an uploader controls.
 */
export function detectPhotoType(bytes: Uint8Array): PhotoType | null {
  const starts = (...signature: number[]) => signature.every((byte, i) => bytes[i] === byte)
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg'
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png'
  // RIFF....WEBP
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'image/webp'
  return null
}
