import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoSeriousAxeViolations } from '../support/accessibility.ts'
import { screenshot, watchCspViolations } from '../support/browser.ts'
import { fileReportOverHttp, forgedToken } from '../support/reports.ts'
import { runCli, type RunningServer } from '../support/processes.ts'
import { startServerAndBrowser } from '../support/server-and-browser.ts'

let server: RunningServer
let browser: Browser
let stop: (() => Promise<void>) | undefined
const PASSWORD = 'statistik-yang-panjang-sekali'

/** Files a report through the JSON API, as a household's phone would. */
const seedReport = (body: Record<string, string>) => fileReportOverHttp(server.url, body)

beforeAll(async () => {
  ;({ server, browser, stop } = await startServerAndBrowser('admin-insights'))
  const user = await runCli(['user', 'add', '--username', 'analis', '--role', 'admin', '--json'], server.env, `${PASSWORD}\n`)
  expect(user.code, user.stderr).toBe(0)
})

afterAll(() => stop?.())

describe('campaigns and statistics in a real browser', () => {
  it('render without JavaScript, pass axe, break no CSP rule, and merge and split by plain forms', async () => {
    const first = await seedReport({ token: forgedToken({ sub: 'PLN-556677', jti: 'x1', unt: 'ULP-CKN' }), category: 'money', location: 'Kel. Cikini' })
    await seedReport({ token: forgedToken({ sub: 'PLN-556677', jti: 'x2', unt: 'ULP-CKN' }), category: 'otp', location: 'Menteng' })
    // A lone report, in no campaign yet: a merge pulls it in.
    const other = await seedReport({ code: 'QQQQ-QQQQ', category: 'apk_link' })

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'id-ID', javaScriptEnabled: false })
    const page = await context.newPage()
    const violations = watchCspViolations(page)
    await page.goto(`${server.url}/login`)
    await page.getByLabel('Nama pengguna').fill('analis')
    await page.getByLabel('Kata sandi').fill(PASSWORD)
    await page.getByRole('button', { name: 'Masuk' }).click()
    await page.waitForURL(`${server.url}/admin/reports`)

    await page.getByRole('link', { name: 'Kampanye' }).click()
    // Campaigns are named by what they share (the claimed officer, the area) and their first day; the ticket stays beside.
    await page.locator(`tr[data-campaign="${first}"]`).getByRole('link', { name: "Petugas palsu 'PLN-556677' · Menteng · " }).click()
    await expect.poll(() => page.locator('h1').textContent()).toMatch(/^Petugas palsu 'PLN-556677' · Menteng · \d{1,2} [A-Z][a-z]{2} \d{4}$/)
    expect(await page.getByText(`Kampanye ${first}`).count()).toBe(1)
    await page.getByLabel('Tiket laporan lain').fill(other)
    await page.getByRole('button', { name: 'Gabungkan' }).click()
    await expect.poll(() => page.locator('[role="status"]').textContent()).toBe('Kampanye digabungkan.')
    expect(await page.locator('tbody tr[data-ticket]').count()).toBe(3)
    await page.getByRole('button', { name: `Keluarkan ${other} dari kampanye ini` }).click()
    await expect.poll(() => page.locator('[role="status"]').textContent()).toBe('Laporan dikeluarkan dari kampanye.')
    expect(await page.locator('tbody tr[data-ticket]').count()).toBe(2)
    await screenshot(page, 'admin-campaign')

    await page.getByRole('link', { name: 'Statistik' }).click()
    await page.waitForURL(`${server.url}/admin/stats`)
    expect(await page.locator('svg[role="img"]').count()).toBe(4)
    await screenshot(page, 'admin-stats')
    await page.emulateMedia({ media: 'print' })
    expect(await page.locator('.admin-nav').isVisible()).toBe(false)
    expect(await page.locator('#chart-reports svg.chart-svg').isVisible()).toBe(true)
    await page.emulateMedia({ media: 'screen' })
    expect(violations).toEqual([])
    await context.close()

    // axe needs script in the page: a second look with JavaScript on.
    const axeContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'id-ID' })
    const axePage = await axeContext.newPage()
    await axePage.goto(`${server.url}/login`)
    await axePage.getByLabel('Nama pengguna').fill('analis')
    await axePage.getByLabel('Kata sandi').fill(PASSWORD)
    await axePage.getByRole('button', { name: 'Masuk' }).click()
    await axePage.waitForURL(`${server.url}/admin/reports`)
    for (const path of ['/admin/campaigns', `/admin/campaigns/${first}`, '/admin/stats']) {
      await axePage.goto(`${server.url}${path}`)
      await expectNoSeriousAxeViolations(axePage, path)
    }
    await axeContext.close()
  })
})
