import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, CDPSession, Page } from 'playwright-core'
import { ARTIFACTS_DIR, phoneContext } from './browser.ts'
import type { PageLang } from '../../src/i18n/index.ts'

export interface Transfer {
  url: string
  /** Bytes on the wire as the browser counted them: headers plus the (compressed) body. */
  encodedBytes: number
}

/**
 * Counts every response of the page through the DevTools protocol, with the cache disabled so a
 * load is a fresh one. `settled()` waits until every request the page started has finished.
 */
export async function recordTransfers(page: Page): Promise<{ cdp: CDPSession; transfers: Transfer[]; settled: () => Promise<void> }> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
  const started = new Map<string, string>()
  const ended = new Set<string>()
  const transfers: Transfer[] = []
  cdp.on('Network.requestWillBeSent', (event) => {
    // A redirect reuses the request id; the hop before it has been counted by then.
    if (!started.has(event.requestId)) started.set(event.requestId, event.request.url)
  })
  cdp.on('Network.loadingFinished', (event) => {
    ended.add(event.requestId)
    transfers.push({ url: started.get(event.requestId) ?? '?', encodedBytes: event.encodedDataLength })
  })
  cdp.on('Network.loadingFailed', (event) => ended.add(event.requestId))
  // Plain polling rather than expect.poll: the bench measures with these helpers too.
  const settled = async () => {
    const deadline = Date.now() + 30_000
    while (!(started.size > 0 && [...started.keys()].every((id) => ended.has(id)))) {
      if (Date.now() > deadline) throw new Error(`requests still open after 30 s: ${[...started].filter(([id]) => !ended.has(id)).map(([, url]) => url).join(', ')}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return { cdp, transfers, settled }
}

/** Requests the browser marked render-blocking (Resource Timing `renderBlockingStatus`). */
export function renderBlockingResources(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((entry) => (entry as PerformanceResourceTiming & { renderBlockingStatus?: string }).renderBlockingStatus === 'blocking')
      .map((entry) => entry.name),
  )
}

/** The same from the markup: stylesheets for screen, and head scripts that are neither deferred, async nor modules. */
export function renderBlockingInHead(page: Page): Promise<string[]> {
  return page.evaluate(() => [
    ...Array.from(document.head.querySelectorAll<HTMLLinkElement>('link[rel~="stylesheet"]')).filter((link) => !link.media || link.media === 'all' || link.media === 'screen').map((link) => link.href),
    ...Array.from(document.head.querySelectorAll<HTMLScriptElement>('script[src]')).filter((script) => !script.defer && !script.async && script.type !== 'module').map((script) => script.src),
  ])
}

/**
 * When the browser first painted the elements marked `elementtiming="<id>"` (Element Timing API,
 * milliseconds from the start of navigation), waiting for every id up to a deadline.
 */
function elementPaintTimes(page: Page, ids: string[], timeoutMs = 20_000): Promise<Record<string, number>> {
  return page.evaluate(
    ({ ids, timeoutMs }) =>
      new Promise<Record<string, number>>((resolve, reject) => {
        const times: Record<string, number> = {}
        const deadline = setTimeout(() => reject(new Error(`no element timing for ${ids.filter((id) => !(id in times)).join(', ')}`)), timeoutMs)
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries() as (PerformanceEntry & { identifier: string; renderTime: number; loadTime: number })[]) {
            times[entry.identifier] = entry.renderTime || entry.loadTime
          }
          if (ids.every((id) => id in times)) {
            clearTimeout(deadline)
            resolve(times)
          }
        }).observe({ type: 'element', buffered: true })
      }),
    { ids, timeoutMs },
  )
}

/** The largest contentful paint so far, in milliseconds from the start of navigation. */
function largestContentfulPaint(page: Page, timeoutMs = 20_000): Promise<number> {
  return page.evaluate(
    (timeoutMs) =>
      new Promise<number>((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error('no largest-contentful-paint entry')), timeoutMs)
        new PerformanceObserver((list) => {
          const last = list.getEntries().at(-1)
          if (!last) return
          clearTimeout(deadline)
          resolve(last.startTime)
        }).observe({ type: 'largest-contentful-paint', buffered: true })
      }),
    timeoutMs,
  )
}

/** Adds figures to test-artifacts/budgets.json, for people reading a CI run. */
export function recordFigures(name: string, figures: Record<string, unknown>): void {
  mkdirSync(ARTIFACTS_DIR, { recursive: true })
  const path = join(ARTIFACTS_DIR, 'budgets.json')
  let all: Record<string, unknown> = {}
  try {
    all = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  } catch {
    // first figures of this run
  }
  writeFileSync(path, `${JSON.stringify({ ...all, [name]: figures }, null, 2)}\n`)
}

/** A weak mobile connection: 400 kbit/s both ways, 400 ms round trips; a cheap phone: CPU 4× slower. */
export const SLOW_PHONE = { latency: 400, downloadThroughput: 400_000 / 8, uploadThroughput: 400_000 / 8, cpuSlowdown: 4 }

export interface ThrottledLoad {
  /** When the verdict's headline and reason first painted, from the start of navigation. */
  paintedMs: Record<string, number>
  verdictVisibleMs: number
  largestContentfulPaintMs: number
  headline: string
}

/** Opens `url` in a fresh phone context on SLOW_PHONE and reports when the verdict became visible. */
export async function loadOnSlowPhone(browser: Browser, url: string, lang: PageLang): Promise<ThrottledLoad> {
  const context = await phoneContext(browser, { locale: lang === 'en' ? 'en-US' : 'id-ID' })
  try {
    await context.addCookies([{ name: 'lang', value: lang, url: new URL(url).origin }])
    const page = await context.newPage()
    const { cdp } = await recordTransfers(page)
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: SLOW_PHONE.latency,
      downloadThroughput: SLOW_PHONE.downloadThroughput,
      uploadThroughput: SLOW_PHONE.uploadThroughput,
    })
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: SLOW_PHONE.cpuSlowdown })
    await page.goto(url, { waitUntil: 'load', timeout: 60_000 })
    const paintedMs = await elementPaintTimes(page, ['verdict-headline', 'verdict-reason'])
    return {
      paintedMs,
      verdictVisibleMs: Math.max(...Object.values(paintedMs)),
      largestContentfulPaintMs: await largestContentfulPaint(page),
      headline: await page.locator('main h1').innerText(),
    }
  } finally {
    await context.close()
  }
}
