import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { messagesFor } from '../../src/i18n/index.ts'
import { expectNoSeriousAxeViolations } from '../support/accessibility.ts'
import { phoneContext, watchCspViolations } from '../support/browser.ts'
import type { RunningServer } from '../support/processes.ts'
import { startServerAndBrowser } from '../support/server-and-browser.ts'

// Issue 17: "Data Anda" on the tracking page: restrict at once, delete only after the
// confirmation, all without JavaScript; axe-clean, and within the CSP.

const t = messagesFor('id')
const PHONE = '+6281234567890'
let server: RunningServer
let browser: Browser
let stop: (() => Promise<void>) | undefined

beforeAll(async () => {
  ;({ server, browser, stop } = await startServerAndBrowser('reporter-rights'))
}, 120_000)

afterAll(() => stop?.())

/** A report with a phone number, note and place; answers its tracking page's address. */
async function givenTrackingPage(): Promise<string> {
  const filed = await fetch(`${server.url}/api/v1/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ category: 'money', note: 'Minta uang tunai', phone: '081234567890', location: 'Rawasari' }),
  })
  const tracking = new URL(((await filed.json()) as { trackingUrl: string }).trackingUrl)
  return `${server.url}${tracking.pathname}${tracking.search}`
}

describe('"Data Anda" on the tracking page', () => {
  it('is axe-clean, and so is the confirmation before a deletion', async () => {
    // axe-core runs as a script in the page, so this check has JavaScript; the forms need none.
    const context = await phoneContext(browser, { locale: 'id-ID' })
    const page = await context.newPage()
    await page.goto(await givenTrackingPage())
    expect(await page.locator('#your-data').getByText(PHONE).count()).toBe(1)
    await expectNoSeriousAxeViolations(page, 'tracking page, your data')
    await page.locator('#your-data').getByRole('button', { name: t.reporterRights.erase.button }).click()
    await page.getByRole('button', { name: t.reporterRights.erase.confirmButton }).waitFor()
    await expectNoSeriousAxeViolations(page, 'tracking page, erase confirmation')
    await context.close()
  })

  it('restricts on the tap and deletes after the confirmation, without JavaScript', async () => {
    const context = await phoneContext(browser, { javaScriptEnabled: false, locale: 'id-ID' })
    const page = await context.newPage()
    const violations = watchCspViolations(page)
    await page.goto(await givenTrackingPage())
    const section = page.locator('#your-data')

    await section.getByRole('button', { name: t.reporterRights.restrict.button }).click()
    await page.getByText(t.reporterRights.restrict.done).waitFor()
    expect(await section.getAttribute('data-details-state')).toBe('restricted')

    await section.getByRole('button', { name: t.reporterRights.erase.button }).click()
    await page.getByRole('button', { name: t.reporterRights.erase.confirmButton }).waitFor()
    expect(await section.getAttribute('data-details-state'), 'nothing erased before the confirmation').toBe('restricted')
    await page.getByRole('button', { name: t.reporterRights.erase.confirmButton }).click()
    await page.getByText(t.reporterRights.erase.done).waitFor()
    expect(await section.getAttribute('data-details-state')).toBe('erased')
    expect(await page.getByText(PHONE).count()).toBe(0)
    expect(violations).toEqual([])
    await context.close()
  })
})
