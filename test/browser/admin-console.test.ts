import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoSeriousAxeViolations } from '../support/accessibility.ts'
import { screenshot, watchCspViolations } from '../support/browser.ts'
import { runCli, type RunningServer } from '../support/processes.ts'
import { startServerAndBrowser } from '../support/server-and-browser.ts'
import { fileReportOverHttp, forgedToken } from '../support/reports.ts'

let server: RunningServer
let browser: Browser
let stop: (() => Promise<void>) | undefined
const PASSWORD = 'konsol-desktop-yang-panjang'
const DESKTOP = { width: 1366, height: 900 }

const seedReport = (body: Record<string, string>) => fileReportOverHttp(server.url, body)

beforeAll(async () => {
  ;({ server, browser, stop } = await startServerAndBrowser('admin-console'))
  const user = await runCli(['user', 'add', '--username', 'meja-triase', '--role', 'admin', '--json'], server.env, `${PASSWORD}\n`)
  expect(user.code, user.stderr).toBe(0)
})

afterAll(() => stop?.())

async function signIn(page: Page): Promise<void> {
  await page.goto(`${server.url}/login`)
  await page.getByLabel('Nama pengguna').fill('meja-triase')
  await page.getByLabel('Kata sandi').fill(PASSWORD)
  await page.getByRole('button', { name: 'Masuk' }).click()
  await page.waitForURL(/\/admin\//)
}

/**
 * Labels the page cuts or wraps: a table header whose text overflows its cell or takes more than
 * one line, and a choice of a dropdown wider than the dropdown shows it (measured on a copy of the
 * dropdown holding only that choice, at its natural width).
 */
function cutLabels(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = []
    for (const header of Array.from(document.querySelectorAll<HTMLTableCellElement>('main th'))) {
      const text = header.textContent?.trim() ?? ''
      if (!text || header.querySelector('.visually-hidden')) continue
      if (header.scrollWidth > header.clientWidth) problems.push(`header "${text}" is cut (${header.scrollWidth} > ${header.clientWidth})`)
      const range = document.createRange()
      range.selectNodeContents(header)
      const lines = new Set(Array.from(range.getClientRects()).filter((rect) => rect.width > 0).map((rect) => Math.round(rect.top)))
      if (lines.size !== 1) problems.push(`header "${text}" takes ${lines.size} lines`)
    }
    for (const select of Array.from(document.querySelectorAll<HTMLSelectElement>('main select'))) {
      const shown = select.getBoundingClientRect().width
      for (const option of Array.from(select.options)) {
        const probe = select.cloneNode(false) as HTMLSelectElement
        probe.removeAttribute('id')
        probe.removeAttribute('name')
        probe.append(option.cloneNode(true))
        probe.style.position = 'absolute'
        probe.style.visibility = 'hidden'
        probe.style.width = 'auto'
        probe.style.maxWidth = 'none'
        select.parentElement!.append(probe)
        const needed = probe.getBoundingClientRect().width
        probe.remove()
        if (needed > shown + 0.5) problems.push(`choice "${option.text}" of ${select.name} needs ${Math.ceil(needed)} px, has ${Math.floor(shown)} px`)
      }
    }
    return problems
  })
}

describe('the report console on a desktop (1366×900)', () => {
  it('moves a report in one step, changes a whole campaign at once, reads well, cuts no label, passes axe and breaks no CSP rule', async () => {
    const campaign: string[] = []
    for (const [jti, category, location] of [['k1', 'money', 'Kel. Cikini'], ['k2', 'otp', 'Menteng'], ['k3', 'apk_link', 'Gondangdia']] as const) {
      campaign.push(await seedReport({ token: forgedToken({ sub: 'PLN-313131', jti, unt: 'ULP-CKN' }), category, location }))
    }
    const detailed = await seedReport({ code: 'MMMM-MMMM', category: 'threat', phone: '0812-3456-7890', latitude: '-6.1944', longitude: '106.8229', note: 'Mengancam denda di tempat' })

    const context = await browser.newContext({ viewport: DESKTOP, locale: 'id-ID' })
    const page = await context.newPage()
    const violations = watchCspViolations(page)
    await signIn(page)

    await page.goto(`${server.url}/admin/reports`)
    expect(await page.locator('tr[data-ticket]').count()).toBe(4)
    expect(await cutLabels(page), 'report queue').toEqual([])
    await expectNoSeriousAxeViolations(page, 'report queue (desktop)')
    await screenshot(page, 'admin-console-1-queue')

    // The report page: a number to dial, a place on a map, delivery in words; a new report straight to closed.
    await page.getByRole('link', { name: detailed }).click()
    await page.waitForURL(`${server.url}/admin/reports/${detailed}`)
    expect(await page.getByRole('link', { name: '+6281234567890' }).getAttribute('href')).toBe('tel:+6281234567890')
    const map = page.getByRole('link', { name: /-6\.1944, 106\.8229 — lihat di peta/ })
    expect(await map.getAttribute('href')).toBe('https://www.openstreetmap.org/?mlat=-6.1944&mlon=106.8229#map=17/-6.1944/106.8229')
    expect(await map.getAttribute('rel')).toBe('noopener noreferrer')
    expect(await page.locator('tr[data-delivery-state] td').nth(1).textContent()).toMatch(/^(Menunggu dikirim|Terkirim ke 123|Menunggu kirim ulang \(ke-\d+\))$/)
    expect(await cutLabels(page), 'report page').toEqual([])
    await expectNoSeriousAxeViolations(page, 'report page (desktop)')
    await page.getByLabel('Status baru').selectOption('resolved_scam')
    await page.getByRole('button', { name: 'Simpan', exact: true }).click()
    await page.waitForURL(/notice=status/)
    expect(await page.locator('dd[data-status]').getAttribute('data-status')).toBe('resolved_scam')
    await expect.poll(() => page.getByText('Laporan ini sudah selesai.').isVisible()).toBe(true)
    await screenshot(page, 'admin-console-2-report')

    await page.goto(`${server.url}/admin/campaigns`)
    expect(await cutLabels(page), 'campaign list').toEqual([])
    await page.locator(`tr[data-campaign="${campaign[0]}"] a`).click()
    await page.waitForURL(`${server.url}/admin/campaigns/${campaign[0]}`)
    expect(await page.locator('tbody tr[data-ticket] td[data-status]').evaluateAll((cells) => cells.map((cell) => cell.getAttribute('data-status')))).toEqual(['new', 'new', 'new'])
    expect(await cutLabels(page), 'campaign page').toEqual([])
    await expectNoSeriousAxeViolations(page, 'campaign page (desktop)')

    await page.getByLabel('Status baru untuk semua 3 laporan').selectOption('forwarded')
    await page.getByRole('button', { name: 'Ubah semua 3 laporan' }).click()
    await page.waitForURL(/notice=status/)
    await expect.poll(() => page.locator('[role="status"]').textContent()).toBe('3 laporan diubah menjadi Diteruskan ke unit PLN terkait.')
    const shown = await page.locator('tbody tr[data-ticket]').evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-ticket'), row.querySelector('td[data-status]')?.getAttribute('data-status')]))
    expect(shown).toEqual(campaign.map((ticket) => [ticket, 'forwarded']))
    expect(await page.locator('tbody td[data-status]').allTextContents()).toEqual(['Diteruskan ke unit PLN terkait', 'Diteruskan ke unit PLN terkait', 'Diteruskan ke unit PLN terkait'])
    expect(await cutLabels(page), 'campaign page after the change').toEqual([])
    await expectNoSeriousAxeViolations(page, 'campaign page after a change of all (desktop)')
    await screenshot(page, 'admin-console-3-campaign')

    // Each report went its own way to 123 and into the household's timeline.
    await page.goto(`${server.url}/admin/reports/${campaign[1]}`)
    expect(await page.locator('dd[data-status]').getAttribute('data-status')).toBe('forwarded')
    expect(await page.locator('tr[data-delivery-state]').count()).toBe(2)

    for (const path of ['/admin/reports?lang=en', '/admin/campaigns', '/admin/officers', '/admin/audit', '/admin/reports?lang=id']) {
      await page.goto(`${server.url}${path}`)
      expect(await cutLabels(page), path).toEqual([])
    }
    expect(violations).toEqual([])
    await context.close()
  }, 180_000)
})
