import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import jsQR from 'jsqr'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { PNG } from 'pngjs'
import { REPO_ROOT } from './processes.ts'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test-artifacts')

/** Debian's Chromium, launched as this machine allows (test tools cannot download a browser here). */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `BROWSER TESTS DID NOT RUN: no Chromium at ${CHROMIUM_PATH}. Install it with "apt-get install chromium" (.ci/run does) or set CHROMIUM_PATH.`,
    )
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  })
}

/** A phone: 360×740, touch, Indonesian. */
export function phoneContext(browser: Browser, options: { javaScriptEnabled?: boolean; locale?: string } = {}): Promise<BrowserContext> {
  return browser.newContext({
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: options.locale ?? 'id-ID',
    javaScriptEnabled: options.javaScriptEnabled ?? true,
  })
}

/** Collects Content-Security-Policy violations the page reports. */
export function watchCspViolations(page: Page): string[] {
  const violations: string[] = []
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text())
  })
  return violations
}

/** Decodes the QR code in a PNG screenshot with a real decoder (jsQR), not from our HTML. */
export function decodeQr(png: Buffer): string | null {
  const image = PNG.sync.read(png)
  return jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height)?.data ?? null
}

/**
 * Decodes a QR code drawn by `qrcode`'s SVG renderer (one path of `M x y`, `m dx 0` and `h n`
 * runs) by painting its modules into a bitmap for jsQR: what a phone camera would read.
 */
export function decodeSvgQr(svg: string): string | null {
  const size = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)?.[1] ?? 0)
  const path = /<path stroke="[^"]+" d="([^"]+)"/.exec(svg)?.[1]
  if (!size || !path) return null
  const scale = 4
  const image = new PNG({ width: size * scale, height: size * scale })
  image.data.fill(255)
  let x = 0
  let y = 0
  for (const [, command, a, b] of path.matchAll(/([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?/g)) {
    if (command === 'M') [x, y] = [Number(a), Math.floor(Number(b))]
    else if (command === 'm') x += Number(a)
    else {
      for (let column = x; column < x + Number(a); column++) {
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const offset = ((y * scale + dy) * size * scale + column * scale + dx) * 4
            image.data[offset] = image.data[offset + 1] = image.data[offset + 2] = 0
          }
        }
      }
      x += Number(a)
    }
  }
  return decodeQr(PNG.sync.write(image))
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true })
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), fullPage: true })
}
