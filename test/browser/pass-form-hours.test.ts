import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { messagesFor } from '../../src/i18n/index.ts'
import { fixedClock, givenOfficer } from '../helpers.ts'
import { startAppServer, wib, type AppServer } from '../support/app-server.ts'
import { launchChromium, phoneContext, watchCspViolations } from '../support/browser.ts'

const t = messagesFor('id')
const PASSWORD = 'petugas-malam-hari-2026'
let browser: Browser

beforeAll(async () => {
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
})

describe.each([
  ['02:00', '2026-12-02T06:00'],
  ['12:00', '2026-12-02T17:00'],
  ['23:30', '2026-12-03T03:30'],
])('an officer opening the new-pass form at %s WIB (server and phone clocks both set there)', (time, expectedEnd) => {
  let server: AppServer

  beforeAll(async () => {
    server = await startAppServer(fixedClock(wib('2026-12-02', time)))
    const officer = await givenOfficer(server.services, { employeeNo: 'NGT-0001', name: 'Dewi Malam' })
    await server.givenOfficerLogin('dewi', PASSWORD, officer.employeeNo)
  })

  afterAll(async () => {
    await server?.close()
  })

  it('gets defaults the form accepts: typing only the ID pelanggan issues the pass and shows its live QR', async () => {
    const context = await phoneContext(browser)
    const page = await context.newPage()
    // Fixed, not merely started there: the phone's clock reads this moment however the test's machine is set.
    await page.clock.setFixedTime(server.clock.now())
    const violations = watchCspViolations(page)

    await page.goto(`${server.url}/login`)
    await page.getByLabel(t.login.username).fill('dewi')
    await page.getByLabel(t.login.password).fill(PASSWORD)
    await page.getByRole('button', { name: t.login.submit }).click()
    await page.waitForURL(`${server.url}/officer`)

    await page.getByRole('link', { name: t.portal.newPass }).first().click()
    await page.waitForURL(`${server.url}/officer/passes/new`)
    expect(await page.getByLabel(t.portal.form.windowStart).inputValue()).toBe(`2026-12-02T${time}`)
    expect(await page.getByLabel(t.portal.form.windowEnd).inputValue()).toBe(expectedEnd)
    // The phone's own idea of "now" agrees with the server's.
    expect(await page.evaluate(() => new Date().toISOString().slice(0, 16))).toBe(new Date(server.clock.now()).toISOString().slice(0, 16))

    await page.getByLabel(t.portal.form.customer).fill('532100098765')
    await page.getByRole('button', { name: t.portal.form.submit }).click()
    await page.waitForURL(/\/officer\/passes\/[^/]+\/live$/)
    await expect.poll(() => page.locator('#live-qr .qr svg').count()).toBe(1)
    expect(violations).toEqual([])
    await context.close()
  }, 60_000)
})
