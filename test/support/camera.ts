import { writeFileSync } from 'node:fs'
import QRCode from 'qrcode'

/** Luma of black and white in video range (ITU-R BT.601). */
const BLACK = 16
const WHITE = 235
/** ISO/IEC 18004 asks for a quiet zone of four modules around the symbol. */
const QUIET_ZONE = 4

/**
 * Writes a short YUV4MPEG2 video of a QR code holding `text`, for Chromium's fake camera
 * (`--use-file-for-fake-video-capture`): the modules from `qrcode` drawn black on white into the
 * Y plane, the colour planes neutral. The camera loops it, so a few identical frames are enough.
 */
export function writeQrVideo(path: string, text: string, options: { width?: number; height?: number; frames?: number } = {}): void {
  const width = options.width ?? 640
  const height = options.height ?? 480
  const frames = options.frames ?? 3
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' })
  const side = modules.size + 2 * QUIET_ZONE
  const scale = Math.floor(Math.min(width, height) / side)
  if (scale < 2) throw new Error(`a ${modules.size}-module QR code does not fit a ${width}×${height} frame`)
  const left = Math.floor((width - side * scale) / 2) + QUIET_ZONE * scale
  const top = Math.floor((height - side * scale) / 2) + QUIET_ZONE * scale

  const luma = Buffer.alloc(width * height, WHITE)
  for (let row = 0; row < modules.size; row++) {
    for (let column = 0; column < modules.size; column++) {
      if (!modules.get(row, column)) continue
      for (let y = 0; y < scale; y++) luma.fill(BLACK, (top + row * scale + y) * width + left + column * scale, (top + row * scale + y) * width + left + (column + 1) * scale)
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128)
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma])
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`)
  writeFileSync(path, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]))
}

/** Chromium flags for a fake camera that films `videoPath`, with no permission prompt. */
export function fakeCameraArgs(videoPath: string): string[] {
  return ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${videoPath}`]
}
