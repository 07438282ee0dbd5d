import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers.ts'
import { launchChromium, phoneContext, watchCspViolations } from '../support/browser.ts'
import { DEMO_OFFICER, issuePassByCli, LANGUAGES, type IssuedPass } from '../support/household.ts'
import { elementPaintTimes, largestContentfulPaint, recordFigures, recordTransfers, renderBlockingInHead, renderBlockingResources } from '../support/network.ts'
import { startServer, type RunningServer } from '../support/processes.ts'

/** The issue's budgets for the verdict page, measured by the browser itself. */
const BUDGET = { transferBytes: 30 * 1024, renderBlocking: 1, verdictVisibleMs: 2500 }
/** A weak mobile connection: 400 kbit/s both ways, 400 ms round trips; a cheap phone: CPU 4× slower. */
const SLOW_PHONE = { latency: 400, downloadThroughput: 400_000 / 8, uploadThroughput: 400_000 / 8, cpuSlowdown: 4 }

let server: RunningServer
let browser: Browser
let dir: ReturnType<typeof tempDir>
let pass: IssuedPass

beforeAll(async () => {
  dir = tempDir('budgets')
  server = await startServer(dir.path)
  pass = await issuePassByCli(server.env, DEMO_OFFICER.employeeNo)
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.stop()
  dir?.remove()
})

describe.each(LANGUAGES)('the verdict page of a genuine pass, in $lang', ({ lang, t }) => {
  it(`transfers at most ${BUDGET.transferBytes / 1024} KB in a fresh load, with at most ${BUDGET.renderBlocking} render-blocking request`, async () => {
    const context = await phoneContext(browser, { locale: lang === 'id' ? 'id-ID' : 'en-US' })
    await context.addCookies([{ name: 'lang', value: lang, url: server.url }])
    const page = await context.newPage()
    const violations = watchCspViolations(page)
    const { transfers, settled } = await recordTransfers(page)
    await page.goto(pass.url, { waitUntil: 'load' })
    await settled()
    expect(await page.locator('main').getAttribute('data-verdict')).toBe('valid')
    expect(await page.locator('main h1').innerText()).toBe(t.verdict.faces.green)

    const total = transfers.reduce((sum, transfer) => sum + transfer.encodedBytes, 0)
    const blocking = await renderBlockingResources(page)
    const blockingInHead = await renderBlockingInHead(page)
    recordFigures(`verdict-page-weight-${lang}`, {
      totalBytes: total,
      responses: transfers.map(({ url, encodedBytes }) => ({ url: url.replace(server.url, '').replace(/^\/v\/[^?]+/, '/v/<token>'), encodedBytes })),
      renderBlocking: blocking.map((url) => url.replace(server.url, '')),
    })
    expect(transfers.length).toBeGreaterThanOrEqual(2)
    expect(total, transfers.map((transfer) => `${transfer.encodedBytes} ${transfer.url}`).join('\n')).toBeLessThanOrEqual(BUDGET.transferBytes)
    expect(blocking.length, blocking.join(', ')).toBeLessThanOrEqual(BUDGET.renderBlocking)
    expect(blockingInHead.length, blockingInHead.join(', ')).toBeLessThanOrEqual(BUDGET.renderBlocking)
    expect(violations).toEqual([])
    await context.close()
  }, 90_000)

  it(`shows the verdict within ${BUDGET.verdictVisibleMs} ms on 400 kbit/s with 400 ms round trips and a CPU slowed 4×`, async () => {
    const context = await phoneContext(browser, { locale: lang === 'id' ? 'id-ID' : 'en-US' })
    await context.addCookies([{ name: 'lang', value: lang, url: server.url }])
    const page = await context.newPage()
    const { cdp } = await recordTransfers(page)
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: SLOW_PHONE.latency,
      downloadThroughput: SLOW_PHONE.downloadThroughput,
      uploadThroughput: SLOW_PHONE.uploadThroughput,
    })
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: SLOW_PHONE.cpuSlowdown })
    await page.goto(pass.url, { waitUntil: 'load', timeout: 60_000 })
    const painted = await elementPaintTimes(page, ['verdict-headline', 'verdict-reason'])
    const lcp = await largestContentfulPaint(page)
    const verdictVisibleMs = Math.max(...Object.values(painted))
    recordFigures(`verdict-visible-throttled-${lang}`, { ...painted, verdictVisibleMs, largestContentfulPaintMs: lcp, conditions: SLOW_PHONE })
    expect(await page.locator('main h1').innerText()).toBe(t.verdict.faces.green)
    // Sanity: the throttling took effect (one round trip alone is 400 ms).
    expect(verdictVisibleMs).toBeGreaterThan(SLOW_PHONE.latency)
    expect(verdictVisibleMs).toBeLessThan(BUDGET.verdictVisibleMs)
    await context.close()
  }, 90_000)
})
