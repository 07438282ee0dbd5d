// The installed app's offline check (DESIGN §12) for `npm run bench -- weight`: what its script
// weighs, and how long one check takes on the slow phone's CPU (4× slower), with the network cut.
import { gzipSync } from 'node:zlib'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, phoneContext } from '../test/support/browser.ts'
import { SLOW_PHONE } from '../test/support/network.ts'
import { asset } from '../views/assets.ts'
import { fmt, printTable } from './report.ts'
import type { BenchServer } from './server.ts'

const CHECKS = 5

export interface OfflineCheckFigures {
  script: { url: string; rawBytes: number; gzipBytes: number }
  verdict: string | null
  /** The check itself (cached keys and list read, signature and list verified), per load. */
  checkMs: number[]
  /** From the start of the navigation until the verdict was on the page, per load. */
  shownMs: number[]
}

export async function offlineCheckFigures(server: BenchServer): Promise<OfflineCheckFigures> {
  const url = `${server.baseUrl}${asset('offline-verifier.js')}`
  const response = await fetch(url)
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`)
  const body = Buffer.from(await response.arrayBuffer())
  const script = { url: url.slice(server.baseUrl.length), rawBytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length }

  const browser = await launchChromium()
  try {
    const timings = await timeOfflineChecks(browser, server)
    printTable(
      `Offline check in the installed app (public/offline-verifier.js), network cut, CPU ${SLOW_PHONE.cpuSlowdown}× slower`,
      ['figure', 'value'],
      [
        ['script, raw', fmt.bytes(script.rawBytes)],
        ['script, gzip level 9', fmt.bytes(script.gzipBytes)],
        ['verdict of the bench pass', timings.verdict ?? 'none'],
        [`one check, median of ${CHECKS}`, fmt.ms(median(timings.checkMs))],
        ['one check, slowest', fmt.ms(Math.max(...timings.checkMs))],
        ['verdict shown after navigation, median', fmt.ms(median(timings.shownMs))],
      ],
    )
    return { script, ...timings }
  } finally {
    await browser.close()
  }
}

async function timeOfflineChecks(browser: Browser, server: BenchServer): Promise<Omit<OfflineCheckFigures, 'script'>> {
  const context = await phoneContext(browser, { locale: 'id-ID' })
  try {
    const page = await context.newPage()
    await page.goto(`${server.baseUrl}/app`)
    await page.evaluate(() => navigator.serviceWorker.ready)
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 })
    const passUrl = `${server.baseUrl}/v/${server.passToken}`
    // Online once: the app keeps the keys and the pass's list.
    await page.goto(passUrl)
    await page.waitForFunction(async () => (await caches.match('/app/server-time')) !== undefined, undefined, { timeout: 15_000 })
    await context.setOffline(true)
    const cdp = await context.newCDPSession(page)
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: SLOW_PHONE.cpuSlowdown })
    const checkMs: number[] = []
    const shownMs: number[] = []
    let verdict: string | null = null
    for (let i = 0; i < CHECKS; i++) {
      await page.goto(passUrl)
      const figures = await checked(page)
      checkMs.push(figures.checkMs)
      shownMs.push(figures.shownMs)
      verdict = figures.verdict
    }
    return { verdict, checkMs, shownMs }
  } finally {
    await context.close()
  }
}

async function checked(page: Page): Promise<{ verdict: string | null; checkMs: number; shownMs: number }> {
  const main = page.locator('main[data-offline-check][data-check-ms]')
  await main.waitFor({ timeout: 30_000 })
  return {
    verdict: await main.getAttribute('data-verdict'),
    checkMs: Number(await main.getAttribute('data-check-ms')),
    shownMs: Number(await main.getAttribute('data-shown-ms')),
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}
