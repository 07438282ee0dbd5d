import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_LOGINS } from '../../src/demo/seed.ts'
import { expectNoSeriousAxeViolations } from '../support/accessibility.ts'
import { screenshot, watchCspViolations } from '../support/browser.ts'
import { runCli, type RunningServer } from '../support/processes.ts'
import { startServerAndBrowser } from '../support/server-and-browser.ts'
import { fileReportOverHttp, forgedToken } from '../support/reports.ts'

let server: RunningServer
let browser: Browser
let stop: (() => Promise<void>) | undefined

const supervisor = DEMO_LOGINS.find((login) => login.username === 'spv.menteng')!

/** Files a report through the JSON API, as a household's phone would. */
const seedReport = (body: Record<string, string>) => fileReportOverHttp(server.url, body)

async function cli(args: string[]): Promise<Record<string, unknown>> {
  const result = await runCli([...args, '--json'], server.env)
  expect(result.code, result.stderr).toBe(0)
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>
}

beforeAll(async () => {
  // The demo data: UP3 Menteng's supervisor, its ULP Cikini, and the kelurahan of kecamatan Menteng.
  ;({ server, browser, stop } = await startServerAndBrowser('supervisor-routing'))
})

afterAll(() => stop?.())

describe("UP3 Menteng's supervisor at a desktop (1366×900)", () => {
  it('sees all 7 reports of their area — by officer, by place, by claimed unit — and none of elsewhere', async () => {
    // A real officer of ULP Cikini, suspended after their pass was issued: the pass is genuine but red.
    await cli(['officer', 'add', '--employee-no', 'CKN-7001', '--name', 'Dedi Kurniawan', '--unit', 'ULP-CKN'])
    const pass = (await cli(['pass', 'issue', '--officer', 'CKN-7001', '--customer', '532100077777', '--purpose', 'CATAT_METER'])) as { token: string }
    await cli(['officer', 'suspend', 'CKN-7001', '--reason', 'Minta uang tunai'])
    const suspended = await seedReport({ token: pass.token, category: 'money' })
    const ours = [
      suspended,
      await seedReport({ code: 'AAAA-AAA1', location: 'Jl. Cikini Raya 12, Menteng' }),
      await seedReport({ code: 'AAAA-AAA2', location: 'Gondangdia' }),
      await seedReport({ code: 'AAAA-AAA3', location: 'Kel. Kebon Sirih' }),
      await seedReport({ code: 'AAAA-AAA4', location: 'pegangsaan' }),
      await seedReport({ code: 'AAAA-AAA5', location: 'Kec. Menteng' }),
      // The only one an old supervisor's queue showed: the forged code claims their unit.
      await seedReport({ token: forgedToken({ sub: 'PLN-123456', jti: 'f1', unt: 'ULP-CKN' }) }),
    ]
    const elsewhere = [
      await seedReport({ code: 'BBBB-BBB1', location: 'Jatibarang Kidul' }),
      await seedReport({ code: 'BBBB-BBB2', location: 'Ampenan Utara' }),
      await seedReport({ code: 'BBBB-BBB3' }),
    ]

    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'id-ID' })
    const page = await context.newPage()
    const violations = watchCspViolations(page)
    await page.goto(`${server.url}/login`)
    await page.getByLabel('Nama pengguna').fill(supervisor.username)
    await page.getByLabel('Kata sandi').fill(supervisor.password)
    await page.getByRole('button', { name: 'Masuk' }).click()
    await page.waitForURL((url) => url.pathname !== '/login')
    await page.goto(`${server.url}/admin/reports`)

    const tickets = await page.locator('tbody tr[data-ticket]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-ticket')))
    expect(tickets.sort()).toEqual([...ours].sort())
    for (const ticket of elsewhere) expect(tickets).not.toContain(ticket)
    // The queue's unit column says where each went.
    expect(await page.locator(`tr[data-ticket="${ours[1]}"]`).textContent()).toContain('ULP-CKN')
    await expectNoSeriousAxeViolations(page, 'supervisor report queue')
    await screenshot(page, 'supervisor-routed-queue')

    await page.getByRole('link', { name: suspended }).click()
    await page.waitForURL(`${server.url}/admin/reports/${suspended}`)
    const officer = page.locator('[data-reported-officer="genuine"]')
    await expect.poll(() => officer.textContent()).toContain('Dedi Kurniawan (CKN-7001)')
    expect(await officer.textContent()).toContain('ULP Cikini (ULP-CKN)')
    expect(await officer.locator('[data-officer-status="suspended"]').textContent()).toBe('Status petugas: Diberhentikan sementara — Minta uang tunai')
    // Who it was is on the first screen, without scrolling.
    const box = await officer.boundingBox()
    expect(box).not.toBeNull()
    expect(box!.y + box!.height).toBeLessThanOrEqual(900)
    expect(box!.x + box!.width).toBeLessThanOrEqual(1366)
    await expectNoSeriousAxeViolations(page, 'report naming a suspended officer')
    await screenshot(page, 'supervisor-routed-report')

    // Another unit's report stays out of reach, even by its address.
    const refused = await page.goto(`${server.url}/admin/reports/${elsewhere[0]}`)
    expect(refused?.status()).toBe(404)
    expect(violations).toEqual([])
    await context.close()
  })
})
