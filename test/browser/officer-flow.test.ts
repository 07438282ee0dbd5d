import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers.ts'
import { decodeQr, launchChromium, phoneContext, screenshot, watchCspViolations } from '../support/browser.ts'
import { runCli, startServer, type RunningServer } from '../support/processes.ts'

let server: RunningServer
let browser: Browser
let dir: ReturnType<typeof tempDir>
const PASSWORD = 'petugas-lapangan-2026-aman'

beforeAll(async () => {
  dir = tempDir('officer-flow')
  server = await startServer(dir.path)
  const officer = await runCli(['officer', 'add', '--employee-no', 'BRW-0001', '--name', 'Wahyu Pratama', '--unit', 'ULP-CKN', '--json'], server.env)
  expect(officer.code, officer.stderr).toBe(0)
  const user = await runCli(['user', 'add', '--username', 'wahyu', '--role', 'officer', '--officer', 'BRW-0001', '--json'], server.env, `${PASSWORD}\n`)
  expect(user.code, user.stderr).toBe(0)
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await server?.stop()
  dir?.remove()
})

describe('an officer at a 360 px phone', () => {
  it('logs in, issues a pass, shows a live QR that a real decoder reads into a green page, is told when offline, and cancels it to red', async () => {
    const context = await phoneContext(browser)
    const page = await context.newPage()
    const violations = watchCspViolations(page)

    await page.goto(`${server.url}/login`)
    await page.getByLabel('Nama pengguna').fill('wahyu')
    await page.getByLabel('Kata sandi').fill(PASSWORD)
    await page.getByRole('button', { name: 'Masuk' }).click()
    await page.waitForURL(`${server.url}/officer`)
    await screenshot(page, 'officer-1-home')

    await page.getByRole('link', { name: 'Buat kartu kunjungan' }).click()
    await page.getByLabel(/ID pelanggan/).fill('532100098765')
    await page.getByLabel('Tujuan kunjungan').selectOption('GANTI_METER')
    await screenshot(page, 'officer-2-form')
    await page.getByRole('button', { name: 'Buat dan tampilkan QR' }).click()
    await page.waitForURL(/\/officer\/passes\/[^/]+\/live$/)
    await screenshot(page, 'officer-3-live-qr')

    await expect.poll(() => page.locator('#offline-notice').isVisible()).toBe(false)
    await context.setOffline(true)
    await expect.poll(() => page.locator('#offline-notice').isVisible()).toBe(true)
    await screenshot(page, 'officer-4-offline')
    await context.setOffline(false)
    await expect.poll(() => page.locator('#offline-notice').isVisible()).toBe(false)

    const qrPng = await page.locator('#live-qr .qr').screenshot()
    const decoded = decodeQr(qrPng)
    expect(decoded).toMatch(new RegExp(`^${server.url}/v/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`))

    const household = await (await phoneContext(browser)).newPage()
    await household.goto(decoded!)
    await expect.poll(() => household.locator('main').getAttribute('data-verdict')).toBe('valid')
    await expect.poll(() => household.getByText('Wahyu Pratama').first().isVisible()).toBe(true)
    await screenshot(household, 'household-green-from-live-qr')

    await page.goto(`${server.url}/officer/passes`)
    await page.getByRole('button', { name: 'Batalkan' }).first().click()
    await page.waitForURL(/cancelled=1/)
    await household.reload()
    expect(await household.locator('main').getAttribute('data-verdict')).toBe('revoked')
    await screenshot(household, 'household-red-after-cancel')
    expect(violations).toEqual([])
    await context.close()
  })
})
