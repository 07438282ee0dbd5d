import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { messagesFor } from '../../src/i18n/index.ts'
import type { Officer } from '../../src/officers/officers.ts'
import { fixedClock, givenOfficer, givenPass, tempDir } from '../helpers.ts'
import { expectNoSeriousAxeViolations } from '../support/accessibility.ts'
import { startAppServer, wib, type AppServer } from '../support/app-server.ts'
import { fakeCameraArgs, writeQrVideo } from '../support/camera.ts'
import { decodeQr, launchChromium, phoneContext, screenshot, watchCspViolations } from '../support/browser.ts'
import { recordFigures, recordTransfers, renderBlockingResources } from '../support/network.ts'

// The server's clock is fixed on a weekday morning: a door check never expires while the test
// runs unless the test moves that clock. The phones keep real time, so htmx polls every 2 s.
const t = messagesFor('id')
const PASSWORD = 'petugas-lapangan-2026-aman'
const CUSTOMER = '532100077777'
const OTHER_CUSTOMER = '532100077778'
let server: AppServer
let browser: Browser
let officer: Officer
let passUrl: string

beforeAll(async () => {
  server = await startAppServer(fixedClock(wib('2026-12-02', '09:30')))
  officer = await givenOfficer(server.services, { employeeNo: 'DOOR-0001', name: 'Dewi Lestari', unitCode: 'ULP-CKN' })
  const now = server.clock.now()
  passUrl = (await givenPass(server.services, { officer, customerId: CUSTOMER, purpose: 'GANTI_METER', windowStart: now, windowEnd: now + 4 * 3600_000 })).url
  await server.givenOfficerLogin('dewi', PASSWORD, officer.employeeNo)
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

async function householdStarts(context: BrowserContext, customer: string): Promise<{ page: Page; code: string; violations: string[] }> {
  const page = await context.newPage()
  const violations = watchCspViolations(page)
  await page.goto(`${server.url}/door`)
  await page.getByLabel(t.door.customerLabel).fill(customer)
  await page.getByRole('button', { name: t.door.startButton }).click()
  await page.waitForURL(/\/door\/[A-Za-z0-9_-]{22}$/)
  await expect.poll(() => page.locator('main').getAttribute('data-door-state')).toBe('waiting')
  const code = ((await page.locator('[data-door-code]').textContent()) ?? '').replace(/\s/g, '')
  expect(code).toMatch(/^\d{6}$/)
  return { page, code, violations }
}

async function officerSignsIn(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${server.url}/login`)
  await page.getByLabel(t.login.username).fill('dewi')
  await page.getByLabel(t.login.password).fill(PASSWORD)
  await page.getByRole('button', { name: t.login.submit }).click()
  await page.waitForURL(`${server.url}/officer`)
  return page
}

describe('the door check between two phones', () => {
  it('turns the household’s own screen green within seconds of a genuine officer typing the code', async () => {
    const householdContext = await phoneContext(browser)
    const { page: household, code, violations } = await householdStarts(householdContext, CUSTOMER)
    await expectNoSeriousAxeViolations(household, 'door check waiting')
    // Readable at arm's length: big digits, a QR a camera reads, and it holds our officer URL.
    const digits = household.locator('[data-door-code]')
    expect(Number.parseFloat(await digits.evaluate((node) => getComputedStyle(node).fontSize))).toBeGreaterThanOrEqual(48)
    const qr = household.locator('.door-qr')
    expect((await qr.boundingBox())?.width ?? 0).toBeGreaterThanOrEqual(240)
    expect(decodeQr(await qr.screenshot())).toBe(`${server.url}/officer/door?code=${code}`)
    await screenshot(household, 'door-1-household-waiting')
    await household.setViewportSize({ width: 320, height: 700 })
    expect(await household.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320)
    await household.setViewportSize({ width: 360, height: 740 })

    const officerContext = await phoneContext(browser)
    const officerPage = await officerSignsIn(officerContext)
    const officerViolations = watchCspViolations(officerPage)
    await officerPage.getByRole('link', { name: t.door.officer.action }).first().click()
    await officerPage.waitForURL(`${server.url}/officer/door`)
    await expectNoSeriousAxeViolations(officerPage, 'officer door form')
    await officerPage.getByLabel(t.door.officer.codeLabel).fill(code)
    await screenshot(officerPage, 'door-2-officer-form')
    await officerPage.getByRole('button', { name: t.door.officer.submit }).click()
    await expect.poll(() => officerPage.locator('[data-door-result]').getAttribute('data-door-result')).toBe('confirmed')
    const confirmedAt = Date.now()

    await expect.poll(() => household.locator('main').getAttribute('data-door-state'), { timeout: 5000, interval: 50 }).toBe('confirmed')
    const shownAfterMs = Date.now() - confirmedAt
    expect(shownAfterMs).toBeLessThan(4000)
    expect(await household.locator('main').getAttribute('data-face')).toBe('green')
    await expect.poll(() => household.getByText(officer.name).first().isVisible()).toBe(true)
    expect(await household.locator('[data-purpose]').textContent()).toContain('Penggantian kWh meter')
    expect(await household.locator('main').getAttribute('hx-trigger')).toBeNull()
    await expectNoSeriousAxeViolations(household, 'door check confirmed')
    await screenshot(household, 'door-3-household-confirmed')

    await household.setViewportSize({ width: 320, height: 700 })
    expect(await household.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320)
    expect([...violations, ...officerViolations]).toEqual([])
    await householdContext.close()
    await officerContext.close()
  })

  it('is amber when the officer’s pass is for another ID pelanggan, confirmed through the QR link', async () => {
    const householdContext = await phoneContext(browser)
    const { page: household, code } = await householdStarts(householdContext, OTHER_CUSTOMER)
    const officerContext = await phoneContext(browser)
    const officerPage = await officerSignsIn(officerContext)
    // What the officer's phone camera opens from the household's QR.
    await officerPage.goto(`${server.url}/officer/door?code=${code}`)
    expect(await officerPage.getByLabel(t.door.officer.codeLabel).inputValue()).toBe(code)
    await officerPage.getByRole('button', { name: t.door.officer.submit }).click()
    await expect.poll(() => household.locator('main').getAttribute('data-door-state'), { timeout: 5000 }).toBe('confirmed')
    expect(await household.locator('main').getAttribute('data-face')).toBe('amber')
    await expectNoSeriousAxeViolations(household, 'door check amber')
    await householdContext.close()
    await officerContext.close()
  })

  it('works without JavaScript: "Periksa lagi" shows the new state', async () => {
    const context = await phoneContext(browser, { javaScriptEnabled: false })
    const { page: household, code } = await householdStarts(context, '')
    const officerContext = await phoneContext(browser)
    const officerPage = await officerSignsIn(officerContext)
    await officerPage.goto(`${server.url}/officer/door?code=${code}`)
    await officerPage.getByRole('button', { name: t.door.officer.submit }).click()
    await expect.poll(() => officerPage.locator('[data-door-result]').getAttribute('data-door-result')).toBe('confirmed')
    expect(await household.locator('main').getAttribute('data-door-state')).toBe('waiting')
    await household.getByRole('button', { name: t.door.checkAgain }).click()
    await expect.poll(() => household.locator('main').getAttribute('data-door-state')).toBe('confirmed')
    expect(await household.locator('main').getAttribute('data-face')).toBe('amber')
    await context.close()
    await officerContext.close()
  })
})

describe('the waiting page on a phone', () => {
  it('keeps the verdict page’s weight budget: at most 30 KB on the wire and one render-blocking request', async () => {
    const context = await phoneContext(browser)
    const { page: starter } = await householdStarts(context, '')
    const page = await context.newPage()
    const { transfers, settled } = await recordTransfers(page)
    await page.goto(starter.url(), { waitUntil: 'load' })
    await settled()
    // Only what the page loads to show itself: its later polls are 204s of a few hundred bytes.
    const total = transfers.filter((transfer) => !transfer.url.endsWith('/state')).reduce((sum, transfer) => sum + transfer.encodedBytes, 0)
    const blocking = await renderBlockingResources(page)
    recordFigures('door-waiting-weight', { totalBytes: total, responses: transfers.map(({ url, encodedBytes }) => ({ url: url.replace(server.url, ''), encodedBytes })), renderBlocking: blocking })
    expect(total, transfers.map((transfer) => `${transfer.encodedBytes} ${transfer.url}`).join('\n')).toBeLessThanOrEqual(30 * 1024)
    expect(blocking.length, blocking.join(', ')).toBeLessThanOrEqual(1)
    await context.close()
  }, 90_000)
})

describe('a look-alike site', () => {
  let fake: Server
  let fakeUrl: string

  beforeAll(async () => {
    // A copy of our genuine green verdict page, served from another local port, plus a script
    // that tries to confirm every door code it can think of on our server.
    const genuine = await (await fetch(passUrl)).text()
    const copied = genuine.replaceAll('href="/', `href="${server.url}/`).replaceAll('src="/', `src="${server.url}/`)
    fake = createServer((request, response) => {
      if (request.url === '/attack.js') {
        response.writeHead(200, { 'content-type': 'text/javascript' })
        response.end(
          `for (const code of ['000000', new URLSearchParams(location.search).get('code')]) {
             fetch(${JSON.stringify(server.url)} + '/officer/door', { method: 'POST', mode: 'no-cors', credentials: 'include', body: new URLSearchParams({ code, pass: 'x' }) }).catch(() => {})
             fetch(${JSON.stringify(server.url)} + '/api/v1/door-checks', { method: 'POST', mode: 'no-cors', body: JSON.stringify({ code, state: 'confirmed' }) }).catch(() => {})
           }`,
        )
        return
      }
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      response.end(copied.replace('</body>', '<script src="/attack.js"></script></body>'))
    })
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve))
    fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    await new Promise((resolve) => fake?.close(resolve))
  })

  it('never changes the household’s door check: it stays waiting, then expires under the server’s clock', async () => {
    const context = await phoneContext(browser)
    const { page: household, code } = await householdStarts(context, CUSTOMER)
    const lookalike = await context.newPage()
    await lookalike.goto(`${fakeUrl}/v/genuine-looking?code=${code}`)
    await expect.poll(() => lookalike.locator('main').getAttribute('data-verdict')).toBe('valid')
    await screenshot(lookalike, 'door-4-lookalike-green')
    // Two of the household page's own polls after the look-alike did its worst.
    for (let i = 0; i < 2; i++) await household.waitForResponse((response) => response.url().endsWith('/state'), { timeout: 5000 })
    await household.bringToFront()
    expect(await household.locator('main').getAttribute('data-door-state')).toBe('waiting')
    expect(await household.locator('main').getAttribute('data-face')).toBe('neutral')

    server.clock.advance(10 * 60_000)
    await expect.poll(() => household.locator('main').getAttribute('data-door-state'), { timeout: 5000 }).toBe('expired')
    expect(await household.locator('main').getAttribute('data-face')).toBe('red')
    await expect.poll(() => household.getByText(t.door.expiredTitle).first().isVisible()).toBe(true)
    await expectNoSeriousAxeViolations(household, 'door check expired')
    await screenshot(household, 'door-5-household-expired')
    await context.close()
  })
})

describe('the officer’s in-page scanner', () => {
  it('reads the household’s door QR with the phone camera, fills in the code and confirms', async () => {
    const started = await fetch(`${server.url}/api/v1/door-checks`, { method: 'POST', headers: { 'content-type': 'application/json', origin: server.url }, body: '{}' })
    const { id, code } = (await started.json()) as { id: string; code: string }
    const dir = tempDir('door-camera')
    const video = join(dir.path, 'door.y4m')
    writeQrVideo(video, `${server.url}/officer/door?code=${code}`)
    const filming = await launchChromium(fakeCameraArgs(video))
    try {
      const context = await phoneContext(filming)
      await context.grantPermissions(['camera'], { origin: server.url })
      const page = await officerSignsIn(context)
      const violations = watchCspViolations(page)
      await page.goto(`${server.url}/officer/door`)
      await page.getByRole('button', { name: t.door.officer.scanStart }).click()
      await expect.poll(() => page.getByLabel(t.door.officer.codeLabel).inputValue(), { timeout: 10_000 }).toBe(code)
      await page.getByRole('button', { name: t.door.officer.submit }).click()
      await expect.poll(() => page.locator('[data-door-result]').getAttribute('data-door-result')).toBe('confirmed')
      const state = (await (await fetch(`${server.url}/api/v1/door-checks/${id}`)).json()) as { state: string }
      expect(state.state).toBe('confirmed')
      expect(violations).toEqual([])
    } finally {
      await filming.close()
      dir.remove()
    }
  }, 60_000)
})
