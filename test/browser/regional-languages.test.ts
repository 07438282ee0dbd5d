import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PAGE_LANGS } from '../../src/i18n/index.ts'
import { expectNoSeriousAxeViolations } from '../support/accessibility.ts'
import { phoneContext, screenshot, watchCspViolations } from '../support/browser.ts'
import { DEMO_OFFICER, issuePassByCli, REGIONAL_LANGUAGES, type IssuedPass } from '../support/household.ts'
import type { RunningServer } from '../support/processes.ts'
import { startServerAndBrowser } from '../support/server-and-browser.ts'

// The weight budget of the verdict page in Basa Jawa and Basa Sunda is test/browser/budgets.test.ts's, which runs them too.
let server: RunningServer
let browser: Browser
let stop: (() => Promise<void>) | undefined
let pass: IssuedPass

beforeAll(async () => {
  ;({ server, browser, stop } = await startServerAndBrowser('regional-languages'))
  pass = await issuePassByCli(server.env, DEMO_OFFICER.employeeNo)
}, 120_000)

afterAll(() => stop?.())

const htmlLang = (page: Page) => page.locator('html').getAttribute('lang')
const h1 = (page: Page) => page.locator('h1').first().innerText()

describe.each(REGIONAL_LANGUAGES)('household pages in $lang', ({ lang, t }) => {
  it('shows every household page in the language, with <html lang>, and no serious axe findings', async () => {
    const context = await phoneContext(browser, { locale: 'id-ID' })
    const page = await context.newPage()
    const violations = watchCspViolations(page)
    await page.goto(`${server.url}/?lang=${lang}`)
    expect(await htmlLang(page)).toBe(lang)
    expect(await h1(page)).toBe(t.home.title)
    await expectNoSeriousAxeViolations(page, `home (${lang})`)

    // No ?lang= from here on: the cookie remembers the choice.
    for (const [path, heading] of [
      ['/scan', t.scan.title],
      ['/app', t.app.title],
      ['/app/offline', t.app.offline.title],
      ['/door', t.door.startTitle],
      ['/privasi', t.privacy.title],
      ['/no-such-page', t.errors.notFoundTitle],
      [new URL(pass.url).pathname, t.verdict.faces.green],
    ] as const) {
      await page.goto(`${server.url}${path}`)
      expect(await htmlLang(page), path).toBe(lang)
      expect(await h1(page), path).toBe(heading)
      await expectNoSeriousAxeViolations(page, `${path} (${lang})`)
    }
    await screenshot(page, `regional-${lang}-verdict`)

    // The report from the verdict, and its tracking page.
    await page.getByRole('button', { name: t.report.button }).click()
    await expect.poll(() => h1(page)).toBe(t.report.savedTitle)
    expect(await htmlLang(page)).toBe(lang)
    await expectNoSeriousAxeViolations(page, `report (${lang})`)
    await page.goto(`${server.url}${await page.getByRole('link', { name: t.report.trackLink }).getAttribute('href')}`)
    expect(await page.locator('[data-status]').innerText()).toBe(t.report.statuses.new)
    expect(await htmlLang(page)).toBe(lang)
    await expectNoSeriousAxeViolations(page, `tracking (${lang})`)

    // The door check while it waits for the officer.
    await page.goto(`${server.url}/door`)
    await page.getByRole('button', { name: t.door.startButton }).click()
    await expect.poll(() => h1(page)).toBe(t.door.waitingTitle)
    expect(await htmlLang(page)).toBe(lang)
    await expectNoSeriousAxeViolations(page, `door check (${lang})`)
    await screenshot(page, `regional-${lang}-door`)
    expect(violations).toEqual([])
    await context.close()
  }, 120_000)

  it('is chosen from the language list without JavaScript, which the cookie then remembers', async () => {
    const context = await phoneContext(browser, { javaScriptEnabled: false, locale: 'id-ID' })
    const page = await context.newPage()
    await page.goto(`${server.url}/scan`)
    expect(await htmlLang(page)).toBe('id')
    const list = page.getByRole('navigation', { name: 'Pilih bahasa' })
    for (const { name } of PAGE_LANGS) await expect.poll(() => list.getByText(name, { exact: true }).isVisible()).toBe(true)

    await list.getByRole('link', { name: PAGE_LANGS.find((entry) => entry.lang === lang)!.name }).click()
    await page.waitForURL(`${server.url}/scan?lang=${lang}`)
    expect(await htmlLang(page)).toBe(lang)
    expect(await h1(page)).toBe(t.scan.title)
    expect((await context.cookies(server.url)).find((cookie) => cookie.name === 'lang')?.value).toBe(lang)
    await expect.poll(() => page.getByRole('navigation', { name: t.readAloud.languagesLabel }).locator('[aria-current="true"]').innerText()).not.toBe('')

    await page.goto(`${server.url}/door`)
    expect(await htmlLang(page)).toBe(lang)
    expect(await h1(page)).toBe(t.door.startTitle)

    // Staff screens keep Indonesian under the same cookie.
    await page.goto(`${server.url}/login`)
    expect(await htmlLang(page)).toBe('id')
    await context.close()
  }, 90_000)
})
