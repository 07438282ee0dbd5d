import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setVisitPassword } from '../../src/households/visit-passwords.ts'
import { messagesFor } from '../../src/i18n/index.ts'
import { fixedClock, givenOfficer, givenPass } from '../helpers.ts'
import { expectNoSeriousAxeViolations } from '../support/accessibility.ts'
import { startAppServer, wib, type AppServer } from '../support/app-server.ts'
import { launchChromium, phoneContext, screenshot, watchCspViolations } from '../support/browser.ts'

let server: AppServer
let browser: Browser
const t = messagesFor('id')
const PASSWORD = 'petugas-lapangan-2026-aman'
const CUSTOMER = '532100054321'
// 32 characters, the longest word allowed, with no space to break at.
const WORD = 'Rambutan-Binjai-Manis-Sekali-Ya!'

beforeAll(async () => {
  server = await startAppServer(fixedClock(wib('2026-12-02', '09:30')))
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('the visit password in a real browser, at 320 px', () => {
  it('shows the officer the word in large type on their live pass, keeps it through the QR refresh, and is axe clean', async () => {
    const officer = await givenOfficer(server.services, { employeeNo: 'VPB-0001', name: 'Wahyu Pratama', unitCode: 'ULP-CKN' })
    await server.givenOfficerLogin('wahyu-vp', PASSWORD, officer.employeeNo)
    await setVisitPassword(server.services, { customerId: CUSTOMER, word: WORD, actor: 'test' })
    const pass = await givenPass(server.services, { officer, customerId: CUSTOMER })

    const context = await phoneContext(browser)
    const page = await context.newPage()
    await page.setViewportSize({ width: 320, height: 740 })
    await page.clock.install({ time: server.clock.now() })
    const violations = watchCspViolations(page)
    await page.goto(`${server.url}/login`)
    await page.getByLabel(t.login.username).fill('wahyu-vp')
    await page.getByLabel(t.login.password).fill(PASSWORD)
    await page.getByRole('button', { name: t.login.submit }).click()
    await page.waitForURL(`${server.url}/officer`)
    await page.goto(`${server.url}/officer/passes/${pass.id}/live`)

    const section = page.getByRole('region', { name: t.visitPassword.officerTitle })
    await expect.poll(() => section.getByText(t.visitPassword.officerSay).isVisible()).toBe(true)
    const word = section.locator('.word')
    expect(await word.textContent()).toBe(WORD)
    expect(await word.isVisible()).toBe(true)
    const fontSize = await word.evaluate((element) => Number.parseFloat(getComputedStyle(element).fontSize))
    expect(fontSize).toBeGreaterThanOrEqual(32)
    // The longest word wraps inside the screen instead of pushing the page sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320)
    await word.scrollIntoViewIfNeeded()
    await screenshot(page, 'visit-password-officer-live')
    await expectNoSeriousAxeViolations(page, 'officer live pass with visit password')

    const refresh = page.waitForResponse((response) => new URL(response.url()).pathname === `/officer/passes/${pass.id}/qr` && response.status() === 200)
    server.clock.advance(61_000)
    await page.clock.fastForward(61_000)
    await refresh
    expect(await word.textContent()).toBe(WORD)
    expect(violations).toEqual([])
    await context.close()
  })

  it('asks the household to hear the word after its ID pelanggan matched, without showing it, and is axe clean', async () => {
    const officer = await givenOfficer(server.services, { employeeNo: 'VPB-0002', name: 'Ratna Sari', unitCode: 'ULP-CKN' })
    const pass = await givenPass(server.services, { officer, customerId: CUSTOMER })
    const context = await phoneContext(browser)
    const page = await context.newPage()
    await page.setViewportSize({ width: 320, height: 740 })
    await page.clock.install({ time: server.clock.now() })
    const violations = watchCspViolations(page)
    await page.goto(`${server.url}/v/${pass.token}`)
    await page.getByLabel(t.verdict.customerCheckLabel).fill(CUSTOMER)
    await page.getByRole('button', { name: t.verdict.customerCheckButton }).click()
    const ask = page.locator('#customer-answer [data-visit-password="ask"]')
    await expect.poll(() => ask.isVisible()).toBe(true)
    expect(await ask.textContent()).toContain(t.visitPassword.householdAsk)
    expect(await page.content()).not.toContain(WORD)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320)
    await ask.scrollIntoViewIfNeeded()
    await screenshot(page, 'visit-password-household-ask')
    await expectNoSeriousAxeViolations(page, 'verdict with visit password ask')
    expect(violations).toEqual([])
    await context.close()
  })
})
