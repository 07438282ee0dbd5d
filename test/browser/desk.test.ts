import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_LOGINS } from '../../src/demo/seed.ts'
import { messagesFor } from '../../src/i18n/index.ts'
import { fixedClock, givenOfficer, givenPass } from '../helpers.ts'
import { expectNoSeriousAxeViolations } from '../support/accessibility.ts'
import { startAppServer, wib, type AppServer } from '../support/app-server.ts'
import { launchChromium, screenshot, watchCspViolations } from '../support/browser.ts'

// The in-process server, not `npm start`: the pass and the officer's sign-in are made through its
// services, and its clock is fixed, so the visit window and the desk's answers never follow the wall clock.
let server: AppServer
let browser: Browser
const t = messagesFor('id')
const d = t.desk
const agent = DEMO_LOGINS.find((login) => login.role === 'cso')!
const OFFICER_PASSWORD = 'petugas-meja-123-aman-sekali'
const CUSTOMER = '532100067890'
const WORD = 'Kenanga Wangi'

beforeAll(async () => {
  server = await startAppServer(fixedClock(wib('2026-12-02', '10:00')), { demo: true })
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

/** An agent's desktop: 1366×900, Indonesian. */
function desktop(): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'id-ID' })
}

async function signIn(page: Page, username: string, password: string, landing: string) {
  await page.goto(`${server.url}/login`)
  await page.getByLabel(t.login.username).fill(username)
  await page.getByLabel(t.login.password).fill(password)
  await page.getByRole('button', { name: t.login.submit }).click()
  await page.waitForURL(`${server.url}${landing}`)
}

describe('an agent’s call at the 123 desk, in Indonesian at 1366×900', () => {
  it('confirms the visitor by code, files a report by phone, sets the visit password, and the officer then sees it', async () => {
    const officer = await givenOfficer(server.services, { employeeNo: 'DSK-0001', name: 'Sri Wahyuni', unitCode: 'ULP-CKN' })
    await server.givenOfficerLogin('sri-meja', OFFICER_PASSWORD, officer.employeeNo)
    const pass = await givenPass(server.services, { officer, customerId: CUSTOMER, purpose: 'GANTI_METER' })

    const context = await desktop()
    const page = await context.newPage()
    const violations = watchCspViolations(page)
    await signIn(page, agent.username, agent.password, '/cso')
    // The search box has the focus: the agent types what the caller reads and presses Enter.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('desk-q')
    await expectNoSeriousAxeViolations(page, 'desk search (id)')
    await page.keyboard.type(pass.code)
    await page.keyboard.press('Enter')
    const answer = page.locator('[data-desk-answer="credential"]')
    await expect.poll(() => answer.getAttribute('data-verdict')).toBe('valid')
    expect(await answer.getByRole('heading', { name: t.verdict.faces.green }).isVisible()).toBe(true)
    const script = page.locator('[data-script]')
    expect(await script.innerText()).toContain('Petugas ini asli dan ditugaskan PLN untuk Penggantian kWh meter')
    expect(await page.locator('[data-customer-last4]').innerText()).toBe('7890')
    expect(await answer.locator('img.photo').isVisible()).toBe(true)
    // The answer and its script side by side, both on the first screen.
    const facts = await page.locator('.desk-facts').boundingBox()
    const scriptBox = await script.boundingBox()
    expect(scriptBox!.x).toBeGreaterThan(facts!.x + facts!.width - 1)
    expect(scriptBox!.y).toBeLessThan(900)
    const scriptSize = await script.locator('p').first().evaluate((element) => Number.parseFloat(getComputedStyle(element).fontSize))
    expect(scriptSize).toBeGreaterThanOrEqual(22)
    expect(page.url()).not.toContain(pass.code)
    await screenshot(page, 'desk-1-code-answer')
    await expectNoSeriousAxeViolations(page, 'desk credential answer (id)')

    await page.getByRole('link', { name: d.nav.report }).click()
    await page.waitForURL(`${server.url}/cso/reports/new`)
    await page.getByLabel(d.phoneReport.subjectLabel).fill(pass.code)
    await page.getByLabel(t.report.categories.money).check()
    await page.getByLabel(d.phoneReport.noteLabel).fill('Penelepon diminta membayar biaya meter baru')
    await expectNoSeriousAxeViolations(page, 'desk phone report form (id)')
    await page.getByRole('button', { name: d.phoneReport.submit }).click()
    const filed = page.locator('[data-ticket][data-tracking-key]')
    await expect.poll(() => filed.count()).toBe(1)
    const ticket = (await filed.getAttribute('data-ticket'))!
    const key = (await filed.getAttribute('data-tracking-key'))!
    expect(ticket).toMatch(/^LPR-[0-9A-Z]{8}$/)
    expect(await page.locator('[data-read="ticket"]').innerText()).toBe(ticket)
    expect((await page.locator('[data-read="key"]').innerText()).replace(/\s+/g, '')).toBe(key)
    expect(page.url()).toBe(`${server.url}/cso/reports`)
    await screenshot(page, 'desk-2-report-filed')
    await expectNoSeriousAxeViolations(page, 'desk report filed (id)')

    // The caller opens the tracking page like any reporter.
    const caller = await context.newPage()
    await caller.goto(`${server.url}/r/${ticket}?k=${encodeURIComponent(key)}`)
    expect(await caller.getByText(ticket).first().isVisible()).toBe(true)
    await caller.close()

    await page.getByRole('link', { name: d.phoneReport.done }).click()
    await page.waitForURL(`${server.url}/cso/reports/${ticket}`)
    expect(await page.locator('[data-status]').getAttribute('data-status')).toBe('new')
    await expectNoSeriousAxeViolations(page, 'desk report page (id)')

    await page.getByRole('link', { name: d.nav.visitPassword }).click()
    await page.waitForURL(`${server.url}/cso/visit-password`)
    expect(await page.getByRole('listitem').filter({ hasText: d.visitPassword.sopSteps[1]! }).isVisible()).toBe(true)
    await page.getByLabel(d.visitPassword.customerLabel).fill(CUSTOMER)
    await page.getByRole('button', { name: d.visitPassword.checkButton }).click()
    await expect.poll(() => page.locator('[data-has-visit-password]').getAttribute('data-has-visit-password')).toBe('false')
    await page.getByLabel(d.visitPassword.wordLabel).fill(WORD)
    await page.getByLabel(d.visitPassword.confirmLabel).check()
    await expectNoSeriousAxeViolations(page, 'desk visit password (id)')
    await page.getByRole('button', { name: d.visitPassword.setButton }).click()
    await page.waitForURL(/\/cso\/visit-password\?done=set&last4=7890$/)
    expect(await page.getByRole('status').first().innerText()).toContain('7890')
    expect(await page.content()).not.toContain(WORD)
    await screenshot(page, 'desk-3-visit-password-set')
    expect(violations).toEqual([])
    await context.close()

    // The officer of that pass now sees the word on the live-pass page.
    const officerContext = await desktop()
    const officerPage = await officerContext.newPage()
    await signIn(officerPage, 'sri-meja', OFFICER_PASSWORD, '/officer')
    await officerPage.goto(`${server.url}/officer/passes/${pass.id}/live`)
    const section = officerPage.getByRole('region', { name: t.visitPassword.officerTitle })
    await expect.poll(() => section.locator('.word').textContent()).toBe(WORD)
    await officerContext.close()
  }, 120_000)

  it('answers an ID pelanggan with "Ya" or "Tidak" and the script, axe clean, in English too', async () => {
    const officer = await givenOfficer(server.services, { employeeNo: 'DSK-0002', name: 'Bayu Saputra', unitCode: 'ULP-CKN' })
    await givenPass(server.services, { officer, customerId: '532100011223' })
    const context = await desktop()
    const page = await context.newPage()
    const violations = watchCspViolations(page)
    await signIn(page, agent.username, agent.password, '/cso')
    await page.getByLabel(d.searchLabel).fill('532100011223')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.locator('[data-active-visit]').getAttribute('data-active-visit')).toBe('true')
    expect(await page.locator('[data-script]').innerText()).toContain('Bayu Saputra')
    await screenshot(page, 'desk-4-customer-yes')
    await expectNoSeriousAxeViolations(page, 'desk customer answer (id)')
    await page.getByLabel(d.searchLabel).fill('532100099111')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.locator('[data-active-visit]').getAttribute('data-active-visit')).toBe('false')
    expect(await page.locator('[data-script]').innerText()).toContain(d.scripts.customerNo)
    await expectNoSeriousAxeViolations(page, 'desk customer answer no (id)')

    const en = messagesFor('en')
    await page.goto(`${server.url}/cso?lang=en`)
    await page.getByLabel(en.desk.searchLabel).fill('?? NOPE ??')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.locator('[data-desk-answer="none"]').count()).toBe(1)
    expect(await page.locator('[data-script]').innerText()).toContain(en.desk.scripts.unreadable)
    await expectNoSeriousAxeViolations(page, 'desk none answer (en)')
    expect(violations).toEqual([])
    await context.close()
  }, 120_000)

  it('works without JavaScript: the search posts the whole page and the answer comes back with it', async () => {
    const pass = await givenPass(server.services, { officer: await givenOfficer(server.services, { unitCode: 'ULP-CKN' }), customerId: '532100044556' })
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'id-ID', javaScriptEnabled: false })
    const page = await context.newPage()
    await signIn(page, agent.username, agent.password, '/cso')
    await page.getByLabel(d.searchLabel).fill(pass.code)
    await page.keyboard.press('Enter')
    await page.waitForURL(`${server.url}/cso/lookup`)
    expect(await page.locator('[data-desk-answer]').getAttribute('data-verdict')).toBe('valid')
    await context.close()
  }, 60_000)
})
