import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoSeriousAxeViolations } from '../support/accessibility.ts'
import { screenshot, watchCspViolations } from '../support/browser.ts'
import { runCli, type RunningServer } from '../support/processes.ts'
import { startServerAndBrowser } from '../support/server-and-browser.ts'

let server: RunningServer
let browser: Browser
let stop: (() => Promise<void>) | undefined
const PASSWORD = 'kunci-api-yang-panjang-sekali'

beforeAll(async () => {
  ;({ server, browser, stop } = await startServerAndBrowser('desk-admin'))
  const admin = await runCli(['user', 'add', '--username', 'admin-kunci', '--role', 'admin', '--json'], server.env, `${PASSWORD}\n`)
  expect(admin.code, admin.stderr).toBe(0)
})

afterAll(() => stop?.())

async function signInAsAdmin(page: Page): Promise<void> {
  await page.goto(`${server.url}/login`)
  await page.getByLabel('Nama pengguna').fill('admin-kunci')
  await page.getByLabel('Kata sandi').fill(PASSWORD)
  await page.getByRole('button', { name: 'Masuk' }).click()
  await page.waitForURL(/\/admin\//)
}

describe('the CRM’s API keys and the agents’ lookups in the console, on a desktop', () => {
  it('creates a key shown once, sees its lookups, revokes it; in Indonesian, passing axe, breaking no CSP rule', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'id-ID' })
    const page = await context.newPage()
    const violations = watchCspViolations(page)
    await signInAsAdmin(page)

    await page.getByRole('navigation', { name: 'Menu admin' }).getByRole('link', { name: 'Kunci API' }).click()
    await page.waitForURL(/\/admin\/api-keys$/)
    await expectNoSeriousAxeViolations(page, 'admin API keys (desktop)')
    await page.getByLabel('Nama (misalnya CRM 123 Gambir)').fill('CRM 123 Gambir')
    await page.getByRole('button', { name: 'Buat kunci API' }).click()
    const key = await page.locator('input[data-api-key]').inputValue()
    expect(key).toMatch(/^cpk_ak_[0-9A-Z]{8}_[A-Za-z0-9_-]{43}$/)
    expect(await page.getByText('tidak akan ditampilkan lagi', { exact: false }).isVisible()).toBe(true)
    await expectNoSeriousAxeViolations(page, 'admin API key just created (desktop)')
    await screenshot(page, 'admin-api-key-created')

    const answer = await fetch(`${server.url}/api/v1/cso/lookup?q=LPR-ZZZZZZZZ`, { headers: { authorization: `Bearer ${key}` } })
    expect(await answer.json()).toEqual({ kind: 'none' })

    await page.goto(`${server.url}/admin/api-keys`)
    expect(await page.content()).not.toContain(key)
    const row = page.locator('tr[data-api-key-id]', { hasText: 'CRM 123 Gambir' })
    await row.getByRole('link', { name: 'Pencarian' }).click()
    await page.waitForURL(/\/admin\/desk\/lookups\?agent=apikey/)
    expect(await page.locator('tr[data-kind="ticket"]').count()).toBe(1)
    await expectNoSeriousAxeViolations(page, 'admin 123 lookups of an API key (desktop)')
    await screenshot(page, 'admin-desk-lookups')

    await page.goto(`${server.url}/admin/api-keys`)
    await row.getByRole('link', { name: 'Cabut' }).click()
    await expectNoSeriousAxeViolations(page, 'admin API key revoke confirmation (desktop)')
    await page.getByRole('button', { name: 'Ya, cabut kunci ini' }).click()
    await page.waitForURL(/notice=revoked/)
    expect(await page.getByText('Kunci API dicabut.', { exact: false }).isVisible()).toBe(true)
    expect(await row.getAttribute('data-revoked')).toBe('true')
    expect((await fetch(`${server.url}/api/v1/cso/lookup?q=LPR-ZZZZZZZZ`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401)

    expect(violations).toEqual([])
    await context.close()
  }, 120_000)
})
