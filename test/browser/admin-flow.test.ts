import { sql } from 'drizzle-orm'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoSeriousAxeViolations } from '../support/accessibility.ts'
import { phoneContext, screenshot, watchCspViolations } from '../support/browser.ts'
import { runCli, type RunningServer } from '../support/processes.ts'
import { startServerAndBrowser } from '../support/server-and-browser.ts'
import { fileReportOverHttp } from '../support/reports.ts'
import { openServerDatabase } from '../support/test-database.ts'

let server: RunningServer
let browser: Browser
let stop: (() => Promise<void>) | undefined
const PASSWORD = 'admin-konsol-yang-panjang'

/** Files a report through the JSON API, as a household's phone would. */
const seedReport = (body: Record<string, string>) => fileReportOverHttp(server.url, body)

beforeAll(async () => {
  ;({ server, browser, stop } = await startServerAndBrowser('admin-flow'))
  const user = await runCli(['user', 'add', '--username', 'kepala', '--role', 'admin', '--json'], server.env, `${PASSWORD}\n`)
  expect(user.code, user.stderr).toBe(0)
})

afterAll(() => stop?.())

describe('an admin created from the CLI', () => {
  it('triages seeded reports, suspends an officer (whose pass turns red), rotates a key, and the audit chain holds', async () => {
    const issued = await runCli(['pass', 'issue', '--officer', 'MDN-04417', '--customer', '532100055555', '--purpose', 'CATAT_METER', '--json'], server.env)
    const pass = JSON.parse(issued.stdout) as { url: string; token: string }
    const genuineTicket = await seedReport({ token: pass.token, category: 'money', note: 'Petugas asli tapi minta uang tunai' })
    await seedReport({ code: 'ABCD-EFGH', category: 'otp', note: 'Minta kode OTP' })
    await seedReport({ category: 'apk_link', note: 'Kirim PLN.apk lewat WhatsApp' })

    const context = await phoneContext(browser)
    const page = await context.newPage()
    const violations = watchCspViolations(page)
    await page.goto(`${server.url}/login`)
    await page.getByLabel('Nama pengguna').fill('kepala')
    await page.getByLabel('Kata sandi').fill(PASSWORD)
    await page.getByRole('button', { name: 'Masuk' }).click()
    await page.waitForURL(`${server.url}/admin/reports`)
    expect(await page.locator('tr[data-ticket]').count()).toBe(3)
    await expectNoSeriousAxeViolations(page, 'admin report queue')
    await screenshot(page, 'admin-1-queue')

    await page.getByLabel('Kejadian').selectOption('money')
    await page.getByRole('button', { name: 'Saring', exact: true }).click()
    await expect.poll(() => page.locator('tr[data-ticket]').count()).toBe(1)
    await page.getByRole('link', { name: genuineTicket }).click()
    await expect.poll(() => page.getByText('Petugas asli tapi minta uang tunai').isVisible()).toBe(true)
    await expectNoSeriousAxeViolations(page, 'admin report detail')
    for (const status of ['in_review', 'forwarded', 'resolved_scam']) {
      await page.getByLabel('Status baru').selectOption(status)
      await page.getByRole('button', { name: 'Simpan' }).first().click()
      await page.waitForURL(/notice=status/)
    }
    expect(await page.locator('dd[data-status]').getAttribute('data-status')).toBe('resolved_scam')
    await screenshot(page, 'admin-2-report-resolved')

    const household = await (await phoneContext(browser)).newPage()
    await household.goto(pass.url)
    expect(await household.locator('main').getAttribute('data-verdict')).toBe('valid')

    await page.goto(`${server.url}/admin/officers?q=MDN-04417`)
    await page.getByRole('link', { name: 'MDN-04417' }).click()
    await page.getByLabel('Alasan').fill('Meminta uang tunai dari warga')
    await page.getByRole('button', { name: 'Berhentikan sementara' }).click()
    await page.waitForURL(/notice=suspended/)
    await expectNoSeriousAxeViolations(page, 'admin officer detail')
    await household.reload()
    expect(await household.locator('main').getAttribute('data-verdict')).toBe('officer_suspended')
    await screenshot(household, 'admin-3-household-red-after-suspension')

    const jwksBefore = ((await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: unknown[] }).keys.length
    await page.goto(`${server.url}/admin/keys`)
    await page.getByRole('button', { name: 'Ganti kunci (rotasi)' }).click()
    await page.waitForURL(/notice=rotated/)
    await expectNoSeriousAxeViolations(page, 'admin keys')
    const jwksAfter = ((await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: unknown[] }).keys.length
    expect(jwksAfter).toBe(jwksBefore + 1)

    await page.goto(`${server.url}/admin/audit?verify=1`)
    await expect.poll(() => page.getByText(/Rantai utuh/).isVisible()).toBe(true)
    await expectNoSeriousAxeViolations(page, 'admin audit log')
    await screenshot(page, 'admin-4-audit')
    expect(violations).toEqual([])
    await context.close()

    const intact = await runCli(['audit', 'verify', '--json'], server.env)
    expect(intact.code).toBe(0)
    const db = await openServerDatabase(server.env)
    await db.rows(sql`update audit_log set actor = 'someone-else' where action = 'officer.suspended'`)
    const [{ id: brokenId }] = (await db.rows<{ id: number }>(sql`select id from audit_log where action = 'officer.suspended'`)) as [{ id: number }]
    await db.close()
    const broken = await runCli(['audit', 'verify', '--json'], server.env)
    expect(broken.code).not.toBe(0)
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, brokenId })
  }, 180_000)

  it('does the same work in English: triage, suspend, rotate', async () => {
    const issued = await runCli(['pass', 'issue', '--officer', 'CTM-22810', '--customer', '532100066666', '--purpose', 'GANGGUAN', '--json'], server.env)
    const pass = JSON.parse(issued.stdout) as { url: string; token: string }
    const ticket = await seedReport({ token: pass.token, category: 'threat', note: 'Threatened a fine on the spot' })

    const context = await phoneContext(browser, { locale: 'en-GB' })
    const page = await context.newPage()
    const violations = watchCspViolations(page)
    await page.goto(`${server.url}/login?lang=en`)
    await page.getByLabel('Username').fill('kepala')
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(`${server.url}/admin/reports`)
    await page.getByLabel('Incident').selectOption('threat')
    await page.getByRole('button', { name: 'Filter', exact: true }).click()
    await expect.poll(() => page.locator('tr[data-ticket]').count()).toBe(1)
    await page.getByRole('link', { name: ticket }).click()
    await page.getByLabel('New status').selectOption('in_review')
    await page.getByRole('button', { name: 'Save' }).first().click()
    await page.waitForURL(/notice=status/)
    expect(await page.locator('dd[data-status]').getAttribute('data-status')).toBe('in_review')
    await expectNoSeriousAxeViolations(page, 'admin report detail (en)')
    await screenshot(page, 'admin-en-1-report')

    await page.goto(`${server.url}/admin/officers/CTM-22810`)
    await page.getByLabel('Reason').fill('Threatened households with fines')
    await page.getByRole('button', { name: 'Suspend' }).click()
    await page.waitForURL(/notice=suspended/)
    const household = await (await phoneContext(browser, { locale: 'en-GB' })).newPage()
    await household.goto(`${pass.url}?lang=en`)
    expect(await household.locator('main').getAttribute('data-verdict')).toBe('officer_suspended')
    await expect.poll(() => household.getByText('Do not trust this').isVisible()).toBe(true)

    await page.goto(`${server.url}/admin/keys`)
    await page.getByRole('button', { name: 'Rotate keys' }).click()
    await page.waitForURL(/notice=rotated/)
    await expect.poll(() => page.getByText('A new key is active').isVisible()).toBe(true)
    await expectNoSeriousAxeViolations(page, 'admin keys (en)')
    expect(violations).toEqual([])
    await context.close()
  }, 180_000)
})
