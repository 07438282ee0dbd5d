import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { messagesFor, type Lang } from '../../src/i18n/index.ts'
import { fixedClock, givenOfficer } from '../helpers.ts'
import { startAppServer, wib, type AppServer } from '../support/app-server.ts'
import { decodeQr, launchChromium, phoneContext, screenshot, watchCspViolations } from '../support/browser.ts'

// The server's and the phones' clocks are both set to a weekday morning, so the flow never
// depends on when the suite runs (test/browser/pass-form-hours.test.ts covers the other hours).
let server: AppServer
let browser: Browser
const PASSWORD = 'petugas-lapangan-2026-aman'
const OFFICERS: Record<Lang, { employeeNo: string; username: string; name: string; customer: string }> = {
  id: { employeeNo: 'BRW-0001', username: 'wahyu', name: 'Wahyu Pratama', customer: '532100098765' },
  en: { employeeNo: 'BRW-0002', username: 'ratna', name: 'Ratna Sari', customer: '532100098766' },
}

beforeAll(async () => {
  server = await startAppServer(fixedClock(wib('2026-12-02', '09:30')))
  for (const officer of Object.values(OFFICERS)) {
    await givenOfficer(server.services, { employeeNo: officer.employeeNo, name: officer.name, unitCode: 'ULP-CKN' })
    await server.givenOfficerLogin(officer.username, PASSWORD, officer.employeeNo)
  }
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe.each(['id', 'en'] as const)('an officer at a 360 px phone, in %s', (lang) => {
  const t = messagesFor(lang)
  const officer = OFFICERS[lang]

  it('logs in, issues a pass, shows a live QR that refreshes and that a real decoder reads into a green page, is told when offline, and cancels it to red', async () => {
    const context = await phoneContext(browser, { locale: lang === 'id' ? 'id-ID' : 'en-GB' })
    const page = await context.newPage()
    // A controllable clock lets the test see the minute-by-minute refresh without waiting a minute.
    await page.clock.install({ time: server.clock.now() })
    const violations = watchCspViolations(page)

    await page.goto(`${server.url}/login?lang=${lang}`)
    await page.getByLabel(t.login.username).fill(officer.username)
    await page.getByLabel(t.login.password).fill(PASSWORD)
    await page.getByRole('button', { name: t.login.submit }).click()
    await page.waitForURL(`${server.url}/officer`)
    await screenshot(page, `officer-${lang}-1-home`)

    await page.getByRole('link', { name: t.portal.newPass }).first().click()
    await page.getByLabel(t.portal.form.customer).fill(officer.customer)
    await page.getByLabel(t.portal.form.purpose).selectOption('GANTI_METER')
    await screenshot(page, `officer-${lang}-2-form`)
    await page.getByRole('button', { name: t.portal.form.submit }).click()
    await page.waitForURL(/\/officer\/passes\/[^/]+\/live$/)
    await screenshot(page, `officer-${lang}-3-live-qr`)

    const refresh = page.waitForResponse((response) => /\/officer\/passes\/[^/]+\/qr$/.test(new URL(response.url()).pathname) && response.status() === 200)
    server.clock.advance(61_000)
    await page.clock.fastForward(61_000)
    await refresh
    await expect.poll(() => page.locator('#live-qr .qr svg').count()).toBe(1)

    await expect.poll(() => page.locator('#offline-notice').isVisible()).toBe(false)
    await context.setOffline(true)
    await expect.poll(() => page.locator('#offline-notice').isVisible()).toBe(true)
    await screenshot(page, `officer-${lang}-4-offline`)
    await context.setOffline(false)
    await expect.poll(() => page.locator('#offline-notice').isVisible()).toBe(false)

    const decoded = decodeQr(await page.locator('#live-qr .qr').screenshot())
    expect(decoded).toMatch(new RegExp(`^${server.url}/v/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`))

    const household = await (await phoneContext(browser)).newPage()
    await household.clock.install({ time: server.clock.now() })
    await household.goto(`${decoded!}?lang=${lang}`)
    await expect.poll(() => household.locator('main').getAttribute('data-verdict')).toBe('valid')
    await expect.poll(() => household.getByText(officer.name).first().isVisible()).toBe(true)
    await screenshot(household, `household-${lang}-green-from-live-qr`)

    await page.goto(`${server.url}/officer/passes`)
    // "Batalkan" opens the confirm step (test/browser/officer-phone.test.ts covers it); only its "Ya, batalkan" cancels.
    await page.getByRole('link', { name: t.portal.cancel, exact: true }).first().click()
    await page.getByRole('button', { name: t.portal.cancelStep.yes }).click()
    await page.waitForURL(/cancelled=1/)
    await household.reload()
    expect(await household.locator('main').getAttribute('data-verdict')).toBe('revoked')
    await screenshot(household, `household-${lang}-red-after-cancel`)
    expect(violations).toEqual([])
    await context.close()
  }, 120_000)
})
