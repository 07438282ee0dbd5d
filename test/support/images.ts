import { deflateSync } from 'node:zlib'

/**
 * Image files that declare any size without holding that many pixels, as an attacker's upload
 * would: the server must judge them by their headers alone.
 */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of bytes) {
    crc ^= byte
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])))
  return Buffer.concat([head, data, crc])
}

/** A PNG whose IHDR says width×height, with one compressed row of data (a decompression bomb in spirit). */
export function pngDeclaring(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 2, 0, 0, 0], 8)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1 + Math.min(width, 4096) * 3))),
    pngChunk('IEND', new Uint8Array()),
  ])
}

/** A baseline JPEG's headers (JFIF, a comment, SOF0 with width×height), then an empty scan. */
export function jpegDeclaring(width: number, height: number): Buffer {
  const segment = (marker: number, data: number[]) => [0xff, marker, (data.length + 2) >> 8, (data.length + 2) & 0xff, ...data]
  return Buffer.from([
    0xff, 0xd8,
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    ...segment(0xfe, [...Buffer.from('Cek Petugas test')]),
    ...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    ...segment(0xda, [1, 1, 0, 0, 0x3f, 0]),
    0xff, 0xd9,
  ])
}

function riff(chunkType: string, payload: number[]): Buffer {
  const chunk = Buffer.concat([Buffer.from(chunkType, 'ascii'), Buffer.alloc(4), Buffer.from(payload)])
  chunk.writeUInt32LE(payload.length, 4)
  const head = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBP')])
  head.writeUInt32LE(4 + chunk.length, 4)
  return Buffer.concat([head, chunk])
}

/** An extended WebP (VP8X) whose canvas is width×height. */
export function webpExtendedDeclaring(width: number, height: number): Buffer {
  const w = width - 1
  const h = height - 1
  return riff('VP8X', [0, 0, 0, 0, w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xff, h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff])
}

/** A lossless WebP (VP8L) header for width×height. */
export function webpLosslessDeclaring(width: number, height: number): Buffer {
  const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14)
  return riff('VP8L', [0x2f, bits & 0xff, (bits >>> 8) & 0xff, (bits >>> 16) & 0xff, (bits >>> 24) & 0xff, 0, 0, 0, 0, 0])
}
