import { deflateSync } from 'node:zlib'

type Rgb = [number, number, number]

const BACKGROUNDS: Rgb[] = [[214, 234, 248], [232, 245, 233], [255, 243, 224], [243, 229, 245], [224, 242, 241]]
const SKIN: Rgb[] = [[141, 85, 36], [198, 134, 66], [224, 172, 105], [241, 194, 125], [166, 108, 58]]
const SHIRTS: Rgb[] = [[0, 90, 156], [33, 33, 33], [0, 121, 107], [69, 90, 100], [25, 118, 210]]

/**
 * A simple portrait silhouette as a PNG, drawn locally (no network): demo officers need a
 * photo, and real ones are uploaded by admins.
 */
export function generateAvatarPng(seed: number, size = 128): Buffer {
  const pick = <T>(list: T[], salt: number): T => list[(seed * 7 + salt) % list.length]!
  const background = pick(BACKGROUNDS, 0)
  const skin = pick(SKIN, 3)
  const shirt = pick(SHIRTS, 5)
  const helmet: Rgb = [250, 204, 21]
  const rows: Buffer[] = []
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3)
    for (let x = 0; x < size; x++) {
      const u = x / size
      const v = y / size
      let color = background
      const inShoulders = ((u - 0.5) / 0.4) ** 2 + ((v - 1.02) / 0.34) ** 2 <= 1
      const inHead = ((u - 0.5) / 0.19) ** 2 + ((v - 0.44) / 0.23) ** 2 <= 1
      const inHelmet = ((u - 0.5) / 0.23) ** 2 + ((v - 0.3) / 0.15) ** 2 <= 1 && v < 0.33
      if (inShoulders) color = shirt
      if (inHead) color = skin
      if (inHelmet) color = helmet
      row.set(color, 1 + x * 3)
    }
    rows.push(row)
  }
  return encodePng(size, size, Buffer.concat(rows))
}

function encodePng(width: number, height: number, scanlines: Buffer): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(scanlines, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(data: Buffer): number {
  let crc = 0xffffffff
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}
