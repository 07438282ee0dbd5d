import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_LOGINS } from '../../src/demo/seed.ts'
import { fixedClock } from '../helpers.ts'
import { expectNoSeriousAxeViolations, tabTo } from '../support/accessibility.ts'
import { launchChromium, phoneContext, screenshot, watchCspViolations } from '../support/browser.ts'
import { LANGUAGES } from '../support/household.ts'
import { startAppServer, wib, type AppServer } from '../support/app-server.ts'

// The officer part submits the new-pass form's defaults, which depend on the hour: both the
// server's clock and the phone's are set to a fixed morning.
let server: AppServer
let browser: Browser
const officer = DEMO_LOGINS[0]

beforeAll(async () => {
  server = await startAppServer(fixedClock(wib('2026-12-02', '08:15')), { demo: true })
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe.each(LANGUAGES)('accessibility of the pages around the flows, in $lang', ({ lang, t }) => {
  it('has no serious or critical axe findings on the home, scanner and not-found pages', async () => {
    const context = await phoneContext(browser, { locale: lang === 'id' ? 'id-ID' : 'en-US' })
    const page = await context.newPage()
    const violations = watchCspViolations(page)
    for (const [path, heading] of [
      [`/?lang=${lang}`, t.home.title],
      ['/scan', t.scan.title],
      ['/no-such-page', t.errors.notFoundTitle],
    ] as const) {
      await page.goto(`${server.url}${path}`)
      await expect.poll(() => page.getByRole('heading', { name: heading, level: 1 }).isVisible()).toBe(true)
      await expectNoSeriousAxeViolations(page, `${path} (${lang})`)
    }
    expect(violations).toEqual([])
    await context.close()
  }, 90_000)

  it('lets an officer sign in by keyboard and finds no serious or critical axe findings on the login and officer pages', async () => {
    const context = await phoneContext(browser, { locale: lang === 'id' ? 'id-ID' : 'en-US' })
    const page = await context.newPage()
    await page.clock.install({ time: server.clock.now() })
    const violations = watchCspViolations(page)
    await page.goto(`${server.url}/login?lang=${lang}`)
    await expectNoSeriousAxeViolations(page, `login (${lang})`)
    await screenshot(page, `officer-${lang}-0-login`)

    await tabTo(page, '#username')
    await page.keyboard.type(officer.username)
    await page.keyboard.press('Tab')
    await page.keyboard.type(officer.password)
    await page.keyboard.press('Enter')
    await page.waitForURL(`${server.url}/officer`)
    await expect.poll(() => page.getByRole('link', { name: t.portal.newPass }).first().isVisible()).toBe(true)
    await expectNoSeriousAxeViolations(page, `officer home (${lang})`)

    await page.getByRole('link', { name: t.portal.newPass }).first().click()
    await page.waitForURL(`${server.url}/officer/passes/new`)
    await expectNoSeriousAxeViolations(page, `new pass form (${lang})`)
    // A failed submit shows the errors; those must be accessible too.
    await page.getByLabel(t.portal.form.customer).fill('123')
    await page.getByRole('button', { name: t.portal.form.submit }).click()
    await expect.poll(() => page.getByText(t.portal.errors.invalid_customer_id ?? '').first().isVisible()).toBe(true)
    await expectNoSeriousAxeViolations(page, `new pass form with errors (${lang})`)

    await page.getByLabel(t.portal.form.customer).fill('532100098765')
    await page.getByLabel(t.portal.form.purpose).selectOption('GANTI_METER')
    await page.getByRole('button', { name: t.portal.form.submit }).click()
    await page.waitForURL(/\/officer\/passes\/[^/]+\/live$/)
    await expect.poll(() => page.locator('#live-qr svg').count()).toBeGreaterThan(0)
    await expectNoSeriousAxeViolations(page, `live QR (${lang})`)
    await screenshot(page, `officer-${lang}-1-live-qr`)

    await page.goto(page.url().replace(/\/live$/, '/print'))
    await expectNoSeriousAxeViolations(page, `printable pass (${lang})`)
    await page.goto(`${server.url}/officer/passes`)
    await expectNoSeriousAxeViolations(page, `pass list (${lang})`)
    await page.goto(`${server.url}/officer/badge`)
    // The first visit offers to issue the badge (a POST); later visits show it at once.
    const issue = page.getByRole('button', { name: /Terbitkan kartu petugas|Issue an officer badge/ })
    if ((await issue.count()) > 0) {
      await expectNoSeriousAxeViolations(page, `badge issue page (${lang})`)
      await issue.click()
      await page.waitForURL(/\/officer\/badge\?officer=/)
    }
    await expect.poll(() => page.locator('.badge-card').count()).toBe(1)
    await expectNoSeriousAxeViolations(page, `printable badge (${lang})`)
    expect(violations).toEqual([])
    await context.close()
  }, 120_000)
})
