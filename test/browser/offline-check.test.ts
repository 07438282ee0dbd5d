import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoSeriousAxeViolations } from '../support/accessibility.ts'
import { decodeSvgQr, launchChromium, phoneContext, screenshot, watchCspViolations } from '../support/browser.ts'
import { fakeCameraArgs, writeQrVideo } from '../support/camera.ts'
import { cliJson, DEMO_OFFICER, forgeToken, GREEN_BACKGROUND, issuePassByCli, RED_BACKGROUND, type IssuedPass } from '../support/household.ts'
import { recordFigures, recordTransfers } from '../support/network.ts'
import type { RunningServer } from '../support/processes.ts'
import { startServerAndBrowser } from '../support/server-and-browser.ts'
import { messagesFor } from '../../src/i18n/index.ts'

// DESIGN §12 in a real Chromium against the real server and its real status lists: the installed
// app checks an officer's QR with the network cut (DevTools offline), and again online once the
// signal is back. Times are the page's (Playwright's page.clock), set from the server's own
// time as the app kept it, never from this machine's clock.

const t = messagesFor('id')
const o = t.app.offlineCheck
const AMBER_BACKGROUND = 'rgb(254, 243, 199)'
const HOUR = 3600 * 1000
/** The verdict page's budget (test/browser/budgets.test.ts), which a fresh start of the app keeps too. */
const PAGE_BUDGET_BYTES = 21_700

let server: RunningServer
let browser: Browser
let filmingLiveQr: Browser | undefined
let stop: (() => Promise<void>) | undefined
/** The demo officer's live QR of a pass issued by the CLI: a token minted for the screen, good for 5 minutes. */
let liveUrl: string

beforeAll(async () => {
  ;({ server, browser, stop } = await startServerAndBrowser('offline-check'))
  const pass = await issuePassByCli(server.env, DEMO_OFFICER.employeeNo)
  liveUrl = await liveQrUrl(pass)
  const video = join(server.env.DATA_DIR ?? '', 'live-qr.y4m')
  writeQrVideo(video, liveUrl)
  filmingLiveQr = await launchChromium(fakeCameraArgs(video))
}, 120_000)

afterAll(async () => {
  await filmingLiveQr?.close()
  await stop?.()
})

/** Siti signs in to the portal and opens her pass's live QR: what she would hold up at the door. */
async function liveQrUrl(pass: IssuedPass): Promise<string> {
  const context = await phoneContext(browser)
  const page = await context.newPage()
  await page.goto(`${server.url}/login?lang=id`)
  await page.getByLabel(t.login.username).fill('siti')
  await page.getByLabel(t.login.password).fill('demo-petugas-2026')
  await page.getByRole('button', { name: t.login.submit }).click()
  await page.waitForURL(/\/officer/)
  await page.goto(`${server.url}/officer/passes/${pass.jti}/live`)
  const svg = await page.locator('#live-qr .qr svg').evaluate((element) => element.outerHTML)
  await context.close()
  const url = decodeSvgQr(svg)
  if (!url?.startsWith(`${server.url}/v/`)) throw new Error(`the live QR holds ${url}`)
  return url
}

interface InstalledApp {
  context: BrowserContext
  page: Page
  violations: string[]
}

/** A household's phone with the app opened once: the service worker installed and in control. */
async function installedApp(on: Browser = browser): Promise<InstalledApp> {
  const context = await phoneContext(on, { locale: 'id-ID' })
  await context.grantPermissions(['camera'], { origin: server.url })
  const page = await context.newPage()
  const violations = watchCspViolations(page)
  await page.goto(`${server.url}/app`)
  await page.evaluate(() => navigator.serviceWorker.ready)
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 15_000 }).toBe(true)
  return { context, page, violations }
}

/** The uri of a token's status list, read from its (unverified) payload as the app reads it. */
function statusUriOf(url: string): string {
  const payload = url.split('/v/')[1]?.split('.')[1] ?? ''
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { status?: { status_list?: { uri?: string } } }
  const uri = claims.status?.status_list?.uri
  if (!uri) throw new Error('the token has no status list')
  return uri
}

/** A scan with a signal: the server's verdict, after which the app keeps the token's list (fetched no earlier than the verdict) and the keys. */
async function scanOnline(app: InstalledApp, url: string, verdict: string): Promise<void> {
  const response = await app.page.goto(url)
  expect(await app.page.locator('main').getAttribute('data-verdict')).toBe(verdict)
  const answeredAt = Date.parse(response?.headers().date ?? '')
  expect(answeredAt).toBeGreaterThan(0)
  const keptAt = () =>
    app.page.evaluate(async (uri) => {
      const kept = await caches.match(uri)
      return kept ? Date.parse(kept.headers.get('Date') ?? '') : 0
    }, statusUriOf(url))
  await expect.poll(keptAt, { timeout: 15_000 }).toBeGreaterThanOrEqual(answeredAt)
}

/** The server's time as the app kept it at its last fetch (public/sw.js), and the cached list's iat and exp. */
async function keptTimes(page: Page, uri: string): Promise<{ serverTime: number; listIssuedAt: number; listExpiresAt: number }> {
  return page.evaluate(async (listUri) => {
    const serverTime = (await (await caches.match('/app/server-time'))!.json()) as { at: number }
    const jwt = await (await caches.match(listUri))!.text()
    const claims = JSON.parse(atob(jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { iat: number; exp: number }
    return { serverTime: serverTime.at, listIssuedAt: claims.iat * 1000, listExpiresAt: claims.exp * 1000 }
  }, uri)
}

/** The offline verdict as the household sees it, once the page has judged the token. */
async function offlineVerdict(page: Page): Promise<{ verdict: string | null; face: string | null; headline: string; background: string }> {
  const main = page.locator('main[data-offline-check]')
  await expect.poll(() => main.getAttribute('data-face'), { timeout: 30_000 }).not.toBeNull()
  const banner = main.locator('.banner')
  return {
    verdict: await main.getAttribute('data-verdict'),
    face: await main.getAttribute('data-face'),
    headline: (await banner.locator('h1').innerText()).trim(),
    background: await banner.evaluate((element) => getComputedStyle(element).backgroundColor),
  }
}

describe('the offline check in the installed app (DESIGN §12)', () => {
  it('leaves a fresh start of /app within the verdict page’s 21.7 KB: the check and the scanner come with the service worker, not with the page', async () => {
    const context = await phoneContext(browser)
    const page = await context.newPage()
    const { transfers, settled } = await recordTransfers(page)
    await page.goto(`${server.url}/app`, { waitUntil: 'load' })
    await settled()
    const total = transfers.reduce((sum, transfer) => sum + transfer.encodedBytes, 0)
    expect(total, transfers.map((transfer) => `${transfer.encodedBytes} ${transfer.url}`).join('\n')).toBeLessThanOrEqual(PAGE_BUDGET_BYTES)
    expect(transfers.filter((transfer) => /offline-verifier|jsQR/.test(transfer.url))).toEqual([])
    // What the worker keeps once for offline use (decoded sizes): a figure for readers, not a budget.
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 15_000 }).toBe(true)
    const kept = await page.evaluate(async () => {
      const cache = await caches.open((await caches.keys()).find((name) => name.startsWith('cek-petugas-shell-')) ?? '')
      return Promise.all((await cache.keys()).map(async (request) => ({ url: new URL(request.url).pathname, bytes: (await (await cache.match(request))!.blob()).size })))
    })
    expect(kept.map((entry) => entry.url)).toEqual(expect.arrayContaining(['/app/check', '/scan', '/assets/offline-verifier.js', '/assets/vendor/jsQR.js']))
    recordFigures('installed-app-offline-shell', { pageBytes: total, keptBytes: kept.reduce((sum, entry) => sum + entry.bytes, 0), kept })
    await context.close()
  }, 60_000)

  it('reads the officer’s live QR with the camera and no network, shows the offline green with the list’s time and no photo, then re-checks online when the signal returns', async () => {
    const app = await installedApp(filmingLiveQr)
    const { page, context, violations } = app
    await scanOnline(app, liveUrl, 'valid')
    const { listIssuedAt } = await keptTimes(page, statusUriOf(liveUrl))

    await context.setOffline(true)
    await page.goto(`${server.url}/scan`)
    await page.getByRole('button', { name: t.scan.start }).click()
    await page.waitForURL(liveUrl, { timeout: 30_000 })
    expect(await offlineVerdict(page)).toEqual({ verdict: 'valid', face: 'green', headline: o.headlines.green, background: GREEN_BACKGROUND })
    const time = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Jakarta', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(listIssuedAt).replace(':', '.')
    expect(await page.locator('[data-offline-mark]').innerText()).toBe(`Diperiksa tanpa internet · daftar pukul ${time} WIB`)
    expect(await page.getByText(o.reasons.valid).isVisible()).toBe(true)
    expect(await page.getByText(o.noPhoto).isVisible()).toBe(true)
    expect(await page.locator('[data-claim="sub"] dd').innerText()).toBe(DEMO_OFFICER.employeeNo)
    expect(await page.locator('main img.photo').count()).toBe(0)
    await screenshot(page, 'offline-check-green')
    await expectNoSeriousAxeViolations(page, 'offline check, green')

    // The signal returns: the same address again, checked (and recorded) by the server.
    await context.setOffline(false)
    await expect.poll(() => page.locator('main.verdict:not([data-offline-check])').getAttribute('data-verdict'), { timeout: 45_000 }).toBe('valid')
    await expect.poll(() => page.getByText(DEMO_OFFICER.name).first().isVisible()).toBe(true)
    expect(page.url()).toBe(liveUrl)
    expect(violations).toEqual([])
    await context.close()
  }, 120_000)

  it('shows red offline for a pass revoked while the app was online, once the app has fetched the list again', async () => {
    const revoked = await issuePassByCli(server.env, DEMO_OFFICER.employeeNo)
    const other = await issuePassByCli(server.env, DEMO_OFFICER.employeeNo)
    expect(statusUriOf(other.url)).toBe(statusUriOf(revoked.url))
    const app = await installedApp()
    await scanOnline(app, revoked.url, 'valid')
    await cliJson(['pass', 'revoke', revoked.jti], server.env)
    // Another scan while online fetches that list again, with the revocation in it.
    await scanOnline(app, other.url, 'valid')

    await app.context.setOffline(true)
    await app.page.goto(revoked.url)
    expect(await offlineVerdict(app.page)).toEqual({ verdict: 'revoked', face: 'red', headline: o.headlines.red, background: RED_BACKGROUND })
    expect(await app.page.getByText(t.verdict.reasons.revoked).isVisible()).toBe(true)
    expect(await app.page.getByRole('link', { name: t.contact.call }).isVisible()).toBe(true)
    await screenshot(app.page, 'offline-check-revoked')
    // A copy of the genuine pass signed with another key under our kid: forged, offline too.
    await app.page.goto(`${server.url}/v/${await forgeToken(other.token)}`)
    // The new page's own check, not what the one before it showed while this navigation began.
    await expect.poll(async () => (await offlineVerdict(app.page)).verdict, { timeout: 30_000 }).toBe('forged')
    expect(await offlineVerdict(app.page)).toMatchObject({ verdict: 'forged', face: 'red' })
    await expectNoSeriousAxeViolations(app.page, 'offline check, red')
    expect(app.violations).toEqual([])
    await app.context.close()
  }, 120_000)

  it('goes amber once the list is older than 6 h, is never green past its exp, and refuses a device clock set back before the last fetch', async () => {
    const badge = await cliJson(['badge', 'issue', '--officer', DEMO_OFFICER.employeeNo], server.env)
    const url = String(badge.url)
    const app = await installedApp()
    await scanOnline(app, url, 'valid')
    const { serverTime, listIssuedAt, listExpiresAt } = await keptTimes(app.page, statusUriOf(url))
    await app.context.setOffline(true)

    await app.page.clock.setFixedTime(listIssuedAt + 6 * HOUR + 5 * 60_000)
    await app.page.goto(url)
    expect(await offlineVerdict(app.page)).toEqual({ verdict: 'stale_list', face: 'amber', headline: o.headlines.amber, background: AMBER_BACKGROUND })
    expect(await app.page.getByText(o.reasons.stale_list).isVisible()).toBe(true)
    expect(await app.page.locator('[data-offline-mark]').isVisible()).toBe(true)
    await screenshot(app.page, 'offline-check-stale-list')
    await expectNoSeriousAxeViolations(app.page, 'offline check, amber')

    await app.page.clock.setFixedTime(listExpiresAt + 60_000)
    await app.page.goto(url)
    expect(await offlineVerdict(app.page)).toEqual({ verdict: 'unknown', face: 'amber', headline: o.headlines.unknown, background: AMBER_BACKGROUND })

    await app.page.clock.setFixedTime(serverTime - HOUR)
    await app.page.goto(url)
    expect(await offlineVerdict(app.page)).toEqual({ verdict: 'clock_back', face: 'amber', headline: o.headlines.refused, background: AMBER_BACKGROUND })
    expect(await app.page.getByText(o.reasons.clock_back).isVisible()).toBe(true)
    await screenshot(app.page, 'offline-check-clock-back')
    expect(app.violations).toEqual([])
    await app.context.close()
  }, 120_000)
})
