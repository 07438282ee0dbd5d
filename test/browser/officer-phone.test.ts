import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../../src/auth/users.ts'
import { messagesFor, type Lang } from '../../src/i18n/index.ts'
import type { Officer } from '../../src/officers/officers.ts'
import { fixedClock, givenOfficer, givenPass } from '../helpers.ts'
import { expectNoSeriousAxeViolations } from '../support/accessibility.ts'
import { startAppServer, wib, type AppServer } from '../support/app-server.ts'
import { launchChromium, phoneContext, screenshot, watchCspViolations } from '../support/browser.ts'

// The officer's phone, one hand, 360×740: what must be on the first screen, what must ask first.
// The server's and the phones' clocks are set to a weekday morning, never the wall clock.
let server: AppServer
let browser: Browser
let officer: Officer
const PASSWORD = 'petugas-satu-tangan-2026'
const VIEWPORT = { width: 360, height: 740 }
const LANGS = ['id', 'en'] as const

beforeAll(async () => {
  server = await startAppServer(fixedClock(wib('2026-12-02', '09:30')))
  officer = await givenOfficer(server.services, { employeeNo: 'HP-0001', name: 'Wahyu Pratama', unitCode: 'ULP-CKN' })
  const spv = await givenOfficer(server.services, { employeeNo: 'HP-SPV-01', name: 'Rina Kusuma', unitCode: 'UP3-MTG', roleTitle: 'Supervisor' })
  await server.givenOfficerLogin('wahyu-hp', PASSWORD, officer.employeeNo)
  await createUser(server.services.db, server.clock, { username: 'rina-spv', password: PASSWORD, role: 'supervisor', officerEmployeeNo: spv.employeeNo })
  await createUser(server.services.db, server.clock, { username: 'admin-hp', password: PASSWORD, role: 'admin', officerEmployeeNo: null })
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

async function signIn(context: BrowserContext, lang: Lang, username: string, path = '/login'): Promise<Page> {
  const t = messagesFor(lang)
  const page = await context.newPage()
  await page.goto(`${server.url}${path}${path.includes('?') ? '&' : '?'}lang=${lang}`)
  await page.getByLabel(t.login.username).fill(username)
  await page.getByLabel(t.login.password).fill(PASSWORD)
  await page.getByRole('button', { name: t.login.submit }).click()
  return page
}

/** The element's box, or a failure naming it: every check below is about where things are. */
async function box(locator: Locator, name: string) {
  const found = await locator.boundingBox()
  if (!found) throw new Error(`${name} has no box: it is not rendered`)
  return found
}

function expectInsideFirstScreen(found: { x: number; y: number; width: number; height: number }, name: string) {
  expect(found.x, `${name} left`).toBeGreaterThanOrEqual(0)
  expect(found.y, `${name} top`).toBeGreaterThanOrEqual(0)
  expect(found.x + found.width, `${name} right`).toBeLessThanOrEqual(VIEWPORT.width)
  expect(found.y + found.height, `${name} bottom`).toBeLessThanOrEqual(VIEWPORT.height)
}

/** Runs in the page before its scripts: keeps every sentinel the page is granted, for the test to look at. */
function recordWakeLocks() {
  const held: WakeLockSentinel[] = []
  Object.defineProperty(window, 'heldWakeLocks', { value: () => held })
  const request = navigator.wakeLock.request.bind(navigator.wakeLock)
  navigator.wakeLock.request = (type) =>
    request(type).then((sentinel) => {
      held.push(sentinel)
      return sentinel
    })
}
declare function heldWakeLocks(): WakeLockSentinel[]

describe.each(LANGS)('the officer’s phone at 360×740, in %s', (lang) => {
  const t = messagesFor(lang)

  it('shows the live QR and its typed code on the first screen, keeps the screen awake, and puts the navigation below them', async () => {
    const pass = await givenPass(server.services, { officer })
    const context = await phoneContext(browser, { locale: lang === 'id' ? 'id-ID' : 'en-GB' })
    await context.addInitScript(recordWakeLocks)
    const page = await signIn(context, lang, 'wahyu-hp')
    await page.clock.install({ time: server.clock.now() })
    const violations = watchCspViolations(page)
    await page.waitForURL(`${server.url}/officer`)
    await page.goto(`${server.url}/officer/passes/${pass.id}/live`)

    const qr = page.locator('#live-qr .qr svg')
    const code = page.locator('#live-qr .big-code')
    expect(((await code.textContent()) ?? '').replace(/\W/g, '')).toBe(pass.code)
    expectInsideFirstScreen(await box(qr, 'the QR'), 'the QR')
    expect((await box(qr, 'the QR')).width, 'a QR wide enough for a camera at arm’s length').toBeGreaterThanOrEqual(250)
    expectInsideFirstScreen(await box(code, 'the typed code'), 'the typed code')
    const nav = await box(page.locator('nav.portal-nav'), 'the navigation')
    expect(nav.y, 'the navigation starts below the code').toBeGreaterThan((await box(code, 'the typed code')).y + (await box(code, 'the typed code')).height)

    // Chromium has the Screen Wake Lock API: the page holds a sentinel and says so.
    expect(await page.evaluate(() => 'wakeLock' in navigator)).toBe(true)
    await expect.poll(() => page.locator('[data-wake-lock]').getAttribute('data-wake-lock')).toBe('on')
    await expect.poll(() => page.getByText(t.portal.live.awake).isVisible()).toBe(true)
    await screenshot(page, `officer-phone-${lang}-live-qr`)

    // A hidden tab loses its lock (the browser releases it); when the page is seen again it asks anew.
    // Headless tabs never turn hidden, so the test releases the held sentinel as the browser would.
    await expect.poll(() => page.evaluate(() => heldWakeLocks().length)).toBe(1)
    await page.evaluate(() => heldWakeLocks()[0]!.release())
    await expect.poll(() => page.locator('[data-wake-lock]').getAttribute('data-wake-lock')).toBe('off')
    expect(await page.getByText(t.portal.live.awake).isVisible()).toBe(false)
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')))
    await expect.poll(() => page.locator('[data-wake-lock]').getAttribute('data-wake-lock')).toBe('on')
    expect(await page.evaluate(() => heldWakeLocks().map((sentinel) => sentinel.released))).toEqual([true, false])

    // The minute's refresh swaps the QR; the lock and the first screen stay.
    const refresh = page.waitForResponse((response) => new URL(response.url()).pathname === `/officer/passes/${pass.id}/qr` && response.status() === 200)
    server.clock.advance(61_000)
    await page.clock.fastForward(61_000)
    await refresh
    await expect.poll(() => page.locator('#live-qr .qr svg').count()).toBe(1)
    expect(await page.locator('[data-wake-lock]').getAttribute('data-wake-lock')).toBe('on')
    expectInsideFirstScreen(await box(qr, 'the refreshed QR'), 'the refreshed QR')

    await expectNoSeriousAxeViolations(page, `live QR at 360×740 (${lang})`)
    expect(violations).toEqual([])
    await context.close()
  }, 120_000)

  it('keeps the QR and code on the first screen without JavaScript, where nothing claims the screen is kept awake', async () => {
    const pass = await givenPass(server.services, { officer })
    const context = await phoneContext(browser, { javaScriptEnabled: false, locale: lang === 'id' ? 'id-ID' : 'en-GB' })
    const page = await signIn(context, lang, 'wahyu-hp')
    await page.waitForURL(`${server.url}/officer`)
    await page.goto(`${server.url}/officer/passes/${pass.id}/live`)
    expectInsideFirstScreen(await box(page.locator('#live-qr .qr svg'), 'the QR'), 'the QR')
    expectInsideFirstScreen(await box(page.locator('#live-qr .big-code'), 'the typed code'), 'the typed code')
    expect(await page.locator('[data-wake-lock]').getAttribute('data-wake-lock')).toBe('off')
    expect(await page.getByText(t.portal.live.awake).isVisible()).toBe(false)
    await context.close()
  }, 60_000)

  for (const javaScriptEnabled of [true, false]) {
    it(`asks before cancelling: "${t.portal.cancel}" sits apart from "${t.portal.print}", "${t.portal.cancelStep.no}" keeps the pass, "${t.portal.cancelStep.yes}" cancels it (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
      const pass = await givenPass(server.services, { officer })
      const context = await phoneContext(browser, { javaScriptEnabled, locale: lang === 'id' ? 'id-ID' : 'en-GB' })
      const page = await signIn(context, lang, 'wahyu-hp')
      const violations = watchCspViolations(page)
      await page.waitForURL(`${server.url}/officer`)
      await page.goto(`${server.url}/officer/passes`)
      const card = page.locator(`[data-pass-id="${pass.id}"]`)
      const statusOnList = () => page.locator(`li[data-pass-id="${pass.id}"]`).getAttribute('data-status')
      expect(await statusOnList()).toBe('active')

      const print = card.getByRole('link', { name: t.portal.print, exact: true })
      const cancel = card.getByRole('link', { name: t.portal.cancel, exact: true })
      const printBox = await box(print, 'print')
      const cancelBox = await box(cancel, 'cancel')
      expect(cancelBox.y - (printBox.y + printBox.height), 'clear distance between print and cancel').toBeGreaterThanOrEqual(24)
      const colour = (locator: Locator) => locator.evaluate((element) => getComputedStyle(element).color)
      expect(await colour(cancel), 'a danger style, not the plain one of print').not.toBe(await colour(print))
      expect(await colour(cancel)).toBe('rgb(153, 27, 27)')

      if (javaScriptEnabled) await screenshot(page, `officer-phone-${lang}-pass-list`)
      await cancel.click()
      await page.waitForURL(`${server.url}/officer/passes/${pass.id}/cancel`)
      await expect.poll(() => page.getByRole('heading', { level: 1, name: t.portal.cancelStep.title }).isVisible()).toBe(true)
      if (javaScriptEnabled) {
        await screenshot(page, `officer-phone-${lang}-cancel-confirm`)
        await expectNoSeriousAxeViolations(page, `cancel confirmation (${lang})`)
      }
      await page.getByRole('link', { name: t.portal.cancelStep.no, exact: true }).click()
      await page.waitForURL(`${server.url}/officer/passes`)
      expect(await statusOnList(), 'asking alone cancels nothing').toBe('active')

      await page.locator(`li[data-pass-id="${pass.id}"]`).getByRole('link', { name: t.portal.cancel, exact: true }).click()
      await page.waitForURL(`${server.url}/officer/passes/${pass.id}/cancel`)
      await page.getByRole('button', { name: t.portal.cancelStep.yes, exact: true }).click()
      await page.waitForURL(/\/officer\/passes\?cancelled=1$/)
      expect(await statusOnList()).toBe('revoked')
      await expect.poll(() => page.getByText(t.portal.cancelled).isVisible()).toBe(true)
      expect(violations).toEqual([])
      await context.close()
    }, 90_000)
  }

  it('says on the pass form what each KTP choice means, in plain words, and which one the purpose recommends', async () => {
    const context = await phoneContext(browser, { locale: lang === 'id' ? 'id-ID' : 'en-GB' })
    const page = await signIn(context, lang, 'wahyu-hp')
    await page.clock.install({ time: server.clock.now() })
    const violations = watchCspViolations(page)
    await page.waitForURL(`${server.url}/officer`)
    await page.goto(`${server.url}/officer/passes/new`)
    const ktp = page.getByLabel(t.portal.form.ktp, { exact: true })
    const optionTexts = () => ktp.locator('option').allTextContents()
    const recommended = (policy: string) => t.portal.form.ktpDefaultFor.replace('{policy}', policy)

    // The purpose on open is a meter reading: no KTP at all.
    await expect.poll(optionTexts).toEqual([recommended(t.portal.ktpPolicies.none), t.portal.ktpPolicies.none, t.portal.ktpPolicies.view, t.portal.ktpPolicies.photo])
    if (lang === 'id') {
      expect((await optionTexts()).slice(1)).toEqual(['Tidak perlu KTP', 'Cukup dilihat, tidak difoto', 'Boleh difoto (dengan tanda air)'])
      expect(await optionTexts()).toContain('Sesuai tujuan: Tidak perlu KTP (disarankan untuk tujuan ini)')
    }
    expect((await optionTexts()).join(' ')).not.toMatch(/bawaan|\bdefault\b/i)
    const chosenLine = () => page.locator('[data-ktp-effect][data-chosen]').allTextContents()
    await expect.poll(chosenLine).toEqual([t.portal.form.ktpEffects.none])

    await page.getByLabel(t.portal.form.purpose).selectOption('P2TL')
    await expect.poll(async () => (await optionTexts())[0]).toBe(recommended(t.portal.ktpPolicies.view))
    await expect.poll(chosenLine).toEqual([t.portal.form.ktpEffects.view])
    await ktp.selectOption('none')
    await expect.poll(chosenLine).toEqual([t.portal.form.ktpEffects.none])
    for (const line of Object.values(t.portal.form.ktpEffects)) expect(await page.getByText(line, { exact: true }).isVisible()).toBe(true)

    await screenshot(page, `officer-phone-${lang}-pass-form-ktp`)
    await expectNoSeriousAxeViolations(page, `pass form with KTP lines (${lang})`)
    expect(violations).toEqual([])
    await context.close()
  }, 60_000)

  it('shows the same KTP lines without JavaScript, and the first option still says it follows the purpose', async () => {
    const context = await phoneContext(browser, { javaScriptEnabled: false, locale: lang === 'id' ? 'id-ID' : 'en-GB' })
    const page = await signIn(context, lang, 'wahyu-hp')
    await page.waitForURL(`${server.url}/officer`)
    await page.goto(`${server.url}/officer/passes/new`)
    const texts = await page.getByLabel(t.portal.form.ktp, { exact: true }).locator('option').allTextContents()
    expect(texts).toEqual([t.portal.form.ktpDefault, t.portal.ktpPolicies.none, t.portal.ktpPolicies.view, t.portal.ktpPolicies.photo])
    for (const line of Object.values(t.portal.form.ktpEffects)) expect(await page.getByText(line, { exact: true }).isVisible()).toBe(true)
    await context.close()
  }, 60_000)

  it('lands a supervisor and an admin on the console after signing in, and an officer on the portal', async () => {
    for (const [username, landing] of [
      ['rina-spv', '/admin/reports'],
      ['admin-hp', '/admin/reports'],
      ['wahyu-hp', '/officer'],
    ] as const) {
      const context = await phoneContext(browser, { locale: lang === 'id' ? 'id-ID' : 'en-GB' })
      const page = await signIn(context, lang, username)
      await page.waitForURL(`${server.url}${landing}`)
      expect(new URL(page.url()).pathname, username).toBe(landing)
      await context.close()
    }
  }, 60_000)
})
