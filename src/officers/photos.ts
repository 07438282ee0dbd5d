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

/** Larger sides would cost a household's phone hundreds of megabytes to decode (30000×30000 is 3.6 GB). */
export const MAX_PHOTO_SIDE = 4096

export type PhotoProblem = 'photoInvalid' | 'photoTooManyPixels'

export type InspectedPhoto = { ok: true; contentType: PhotoType; width: number; height: number } | { ok: false; problem: PhotoProblem }

/**
 * The type and the decoded size of an uploaded photo, read from its header (PNG IHDR, JPEG SOF,
 * WebP VP8/VP8L/VP8X) without decoding it; refused when a side exceeds MAX_PHOTO_SIDE or the
 * header cannot be read.
 */
export function inspectPhoto(bytes: Uint8Array): InspectedPhoto {
  const contentType = detectPhotoType(bytes)
  if (!contentType) return { ok: false, problem: 'photoInvalid' }
  const size = contentType === 'image/png' ? pngSize(bytes) : contentType === 'image/jpeg' ? jpegSize(bytes) : webpSize(bytes)
  if (!size || size.width < 1 || size.height < 1) return { ok: false, problem: 'photoInvalid' }
  if (size.width > MAX_PHOTO_SIDE || size.height > MAX_PHOTO_SIDE) return { ok: false, problem: 'photoTooManyPixels' }
  return { ok: true, contentType, ...size }
}

interface Size {
  width: number
  height: number
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + length))
}

/** PNG: the first chunk is IHDR, holding width and height as 32-bit big-endian numbers. */
function pngSize(bytes: Uint8Array): Size | null {
  if (bytes.length < 24 || ascii(bytes, 12, 4) !== 'IHDR') return null
  const data = view(bytes)
  return { width: data.getUint32(16), height: data.getUint32(20) }
}

/** Start-of-frame markers (baseline, progressive, lossless, arithmetic), all with the same layout. */
const JPEG_SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf])
const JPEG_START_OF_SCAN = 0xda

/** JPEG: walk the marker segments to the first start-of-frame, which holds height and width. */
function jpegSize(bytes: Uint8Array): Size | null {
  const data = view(bytes)
  let at = 2
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return null
    const marker = bytes[at + 1]!
    // Fill bytes, and markers that stand alone without a length.
    if (marker === 0xff) {
      at++
      continue
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2
      continue
    }
    if (marker === JPEG_START_OF_SCAN) return null
    const length = data.getUint16(at + 2)
    if (length < 2) return null
    if (JPEG_SOF.has(marker)) {
      if (at + 9 > bytes.length) return null
      return { height: data.getUint16(at + 5), width: data.getUint16(at + 7) }
    }
    at += 2 + length
  }
  return null
}

/** WebP: the first chunk says which kind; each keeps the canvas size at a fixed place. */
function webpSize(bytes: Uint8Array): Size | null {
  if (bytes.length < 30) return null
  const data = view(bytes)
  const chunk = ascii(bytes, 12, 4)
  if (chunk === 'VP8 ') {
    // Key frame start code 9d 01 2a, then 14-bit width and height (2 bits of scaling above them).
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return null
    return { width: data.getUint16(26, true) & 0x3fff, height: data.getUint16(28, true) & 0x3fff }
  }
  if (chunk === 'VP8L') {
    if (bytes[20] !== 0x2f) return null
    const bits = data.getUint32(21, true)
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 }
  }
  if (chunk === 'VP8X') {
    const width = (bytes[24]! | (bytes[25]! << 8) | (bytes[26]! << 16)) + 1
    const height = (bytes[27]! | (bytes[28]! << 8) | (bytes[29]! << 16)) + 1
    return { width, height }
  }
  return null
}
