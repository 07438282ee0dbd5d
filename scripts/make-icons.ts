/**
 * Draws the installed app's PNG icons (public/icons/icon-192.png and icon-512.png) from the mark
 * of public/icon.svg — a yellow bolt on a rounded blue square — with pngjs:
 *
 *   npx tsx scripts/make-icons.ts
 *
 * Run it only when public/icon.svg changes; the PNGs are committed. The shapes are the SVG's
 * own coordinates (a 32-unit square), sampled 4×4 times per pixel for smooth edges.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { REPO_ROOT } from '../test/support/processes.ts'

const BLUE = [0x0b, 0x53, 0x94] as const
const YELLOW = [0xff, 0xd4, 0x3b] as const
const CORNER = 7
const BOLT: [number, number][] = [
  [18, 3],
  [8, 18],
  [14, 18],
  [12, 29],
  [22, 14],
  [16, 14],
]
const SAMPLES = 4

function insideRoundedSquare(x: number, y: number): boolean {
  if (x < 0 || y < 0 || x > 32 || y > 32) return false
  const cx = Math.min(Math.max(x, CORNER), 32 - CORNER)
  const cy = Math.min(Math.max(y, CORNER), 32 - CORNER)
  return (x - cx) ** 2 + (y - cy) ** 2 <= CORNER ** 2
}

/** Even-odd rule, as the SVG path is filled. */
function insideBolt(x: number, y: number): boolean {
  let inside = false
  for (let i = 0, j = BOLT.length - 1; i < BOLT.length; j = i++) {
    const [xi, yi] = BOLT[i]!
    const [xj, yj] = BOLT[j]!
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

function drawIcon(size: number): Buffer {
  const image = new PNG({ width: size, height: size })
  const unit = 32 / size
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let square = 0
      let bolt = 0
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = (px + (sx + 0.5) / SAMPLES) * unit
          const y = (py + (sy + 0.5) / SAMPLES) * unit
          if (insideRoundedSquare(x, y)) {
            square++
            if (insideBolt(x, y)) bolt++
          }
        }
      }
      const offset = (py * size + px) * 4
      const yellowShare = square ? bolt / square : 0
      for (let channel = 0; channel < 3; channel++) {
        image.data[offset + channel] = Math.round(BLUE[channel]! * (1 - yellowShare) + YELLOW[channel]! * yellowShare)
      }
      image.data[offset + 3] = Math.round((255 * square) / SAMPLES ** 2)
    }
  }
  return PNG.sync.write(image, { deflateLevel: 9 })
}

const dir = join(REPO_ROOT, 'public', 'icons')
mkdirSync(dir, { recursive: true })
for (const size of [192, 512]) writeFileSync(join(dir, `icon-${size}.png`), drawIcon(size))
