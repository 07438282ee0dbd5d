import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoSeriousAxeViolations } from '../support/accessibility.ts'
import { screenshot, watchCspViolations } from '../support/browser.ts'
import { runCli, type RunningServer } from '../support/processes.ts'
import { startServerAndBrowser } from '../support/server-and-browser.ts'

let server: RunningServer
let browser: Browser
let stop: (() => Promise<void>) | undefined
const PASSWORD = 'audit-yang-panjang-sekali'
/** The demo's suspended officer (src/demo/seed.ts), whose old pass the demo shows red. */
const SUSPENDED = 'MDN-03902'

beforeAll(async () => {
  ;({ server, browser, stop } = await startServerAndBrowser('admin-audit'))
  const user = await runCli(['user', 'add', '--username', 'pemeriksa', '--role', 'admin', '--json'], server.env, `${PASSWORD}\n`)
  expect(user.code, user.stderr).toBe(0)
  const rotated = await runCli(['key', 'rotate', '--json'], server.env)
  expect(rotated.code, rotated.stderr).toBe(0)
})

afterAll(() => stop?.())

/** A desktop at 1366×900, signed in as the admin. */
async function desktop(javaScriptEnabled: boolean): Promise<{ context: BrowserContext; page: Page; violations: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'id-ID', javaScriptEnabled })
  const page = await context.newPage()
  const violations = watchCspViolations(page)
  await page.goto(`${server.url}/login`)
  await page.getByLabel('Nama pengguna').fill('pemeriksa')
  await page.getByLabel('Kata sandi').fill(PASSWORD)
  await page.getByRole('button', { name: 'Masuk' }).click()
  await page.waitForURL(/\/admin\//)
  return { context, page, violations }
}

describe('the audit log and the officer page on a desktop', () => {
  it('names actions in words, opens the stored JSON on a click (with and without JavaScript), passes axe and breaks no CSP rule', async () => {
    for (const javaScriptEnabled of [true, false]) {
      const { context, page, violations } = await desktop(javaScriptEnabled)
      await page.goto(`${server.url}/admin/audit`)
      const suspended = page.locator('tr[data-audit-id]', { has: page.locator('td[data-action="officer.suspended"]') }).first()
      await expect.poll(() => suspended.locator('.audit-action').textContent()).toBe('Petugas diberhentikan sementara')
      const rotated = page.locator('tr[data-audit-id]', { has: page.locator('td[data-action="key.rotated"]') }).first()
      expect(await rotated.locator('.audit-action').isVisible()).toBe(true)
      expect(await rotated.locator('.audit-action').textContent()).toBe('Kunci dirotasi')

      const json = suspended.locator('details pre')
      expect(await json.isVisible()).toBe(false)
      await suspended.getByText('Data mentah (JSON)').click()
      await expect.poll(() => json.isVisible()).toBe(true)
      expect(JSON.parse((await json.textContent())!)).toEqual({ reason: 'Demo: menjual meter secara ilegal' })
      // The open JSON stays inside its cell: nothing runs past the right edge of the screen.
      const box = (await json.boundingBox())!
      expect(box.x + box.width).toBeLessThanOrEqual(1366)

      if (javaScriptEnabled) {
        await expectNoSeriousAxeViolations(page, 'admin audit log (desktop)')
        await screenshot(page, 'admin-audit')
        await page.goto(`${server.url}/admin/officers/${SUSPENDED}`)
        await expectNoSeriousAxeViolations(page, 'officer detail of a suspended officer (desktop)')
      }
      expect(violations).toEqual([])
      await context.close()
    }
  }, 180_000)

  it('shows a suspended officer’s passes as suspended, and reactivates with the old passes cancelled by default (no JavaScript)', async () => {
    const { context, page, violations } = await desktop(false)
    await page.goto(`${server.url}/admin/officers/${SUSPENDED}`)
    for (const heading of ['Status petugas', 'Kartu petugas & kartu kunjungan', 'Data petugas', 'Foto', 'Riwayat']) {
      expect(await page.getByRole('heading', { level: 2, name: heading, exact: true }).isVisible(), heading).toBe(true)
    }
    const passRow = page.locator('tr[data-kind="visit_pass"]').first()
    expect(await passRow.getAttribute('data-pass-status')).toBe('suspended')
    expect(await passRow.getByText('Ditangguhkan', { exact: false }).isVisible()).toBe(true)
    const code = (await passRow.locator('code').textContent())!.replace(/[^0-9A-Z]/g, '')

    expect(await page.getByLabel('Batalkan semua kartu lama (disarankan)').isChecked()).toBe(true)
    expect(await page.getByLabel('Pulihkan kartu lama').isChecked()).toBe(false)
    await screenshot(page, 'admin-officer-suspended')
    await page.getByRole('button', { name: 'Aktifkan kembali' }).click()
    await page.waitForURL(/notice=reactivated_cancelled/)
    expect(await page.getByRole('status').textContent()).toContain('Kartu lamanya dibatalkan')
    expect(await page.locator('tr[data-kind]').count()).toBe(0)

    const household = await context.newPage()
    await household.goto(`${server.url}/c/${code}`)
    expect(await household.locator('main').getAttribute('data-verdict')).toBe('revoked')

    await page.goto(`${server.url}/admin/audit`)
    const reactivated = page.locator('td[data-action="officer.reactivated"] .audit-action').first()
    expect(await reactivated.textContent()).toMatch(/^Petugas diaktifkan kembali; \d+ kartu lama dibatalkan$/)
    expect(violations).toEqual([])
    await context.close()
  }, 180_000)
})
