import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { phoneContext, screenshot, watchCspViolations } from '../support/browser.ts'
import { bannerOf, DEMO_OFFICER, GREEN_BACKGROUND, HOUSEHOLD_CUSTOMER_ID, issuePassByCli, LANGUAGES, type IssuedPass } from '../support/household.ts'
import type { RunningServer } from '../support/processes.ts'
import { startServerAndBrowser } from '../support/server-and-browser.ts'

// DESIGN §7: views are server-rendered and work without JavaScript; htmx and our scripts only improve them.

let server: RunningServer
let browser: Browser
let stop: (() => Promise<void>) | undefined
let pass: IssuedPass

beforeAll(async () => {
  ;({ server, browser, stop } = await startServerAndBrowser('no-js'))
  pass = await issuePassByCli(server.env, DEMO_OFFICER.employeeNo)
}, 120_000)

afterAll(() => stop?.())

/** A phone with scripts off; `close()` also checks that the browser reported no CSP violation. */
async function phoneWithoutJavaScript(lang: 'id' | 'en'): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await phoneContext(browser, { javaScriptEnabled: false, locale: lang === 'id' ? 'id-ID' : 'en-US' })
  const page = await context.newPage()
  const violations = watchCspViolations(page)
  return {
    page,
    close: async () => {
      expect(violations).toEqual([])
      await context.close()
    },
  }
}

describe.each(LANGUAGES)('a phone with JavaScript turned off, in $lang', ({ lang, t }) => {
  it('types the short code on the home page, submits the form and sees green; the pass URL itself shows green too', async () => {
    const { page, close } = await phoneWithoutJavaScript(lang)
    await page.goto(`${server.url}/?lang=${lang}`)
    expect(await page.evaluate(() => 'htmx' in window)).toBe(false)
    await expect.poll(() => page.getByRole('heading', { name: t.home.title, level: 1 }).isVisible()).toBe(true)
    await page.getByLabel(t.home.codeLabel).fill(pass.code.toLowerCase())
    await page.getByRole('button', { name: t.home.codeButton }).click()
    await page.waitForURL(`${server.url}/c/${pass.code}`)
    expect(await bannerOf(page)).toEqual({ verdict: 'valid', headline: t.verdict.faces.green, background: GREEN_BACKGROUND })
    await expect.poll(() => page.getByText(DEMO_OFFICER.name).first().isVisible()).toBe(true)
    await screenshot(page, `no-js-${lang}-1-code-green`)

    await page.goto(pass.url)
    expect(await bannerOf(page)).toEqual({ verdict: 'valid', headline: t.verdict.faces.green, background: GREEN_BACKGROUND })
    await screenshot(page, `no-js-${lang}-2-token-green`)
    await close()
  }, 90_000)

  it('checks its own ID pelanggan with a plain form POST and gets the answer on a full page', async () => {
    const { page, close } = await phoneWithoutJavaScript(lang)
    await page.goto(`${pass.url}?lang=${lang}`)
    await page.getByLabel(t.verdict.customerCheckLabel).fill(HOUSEHOLD_CUSTOMER_ID)
    await page.getByRole('button', { name: t.verdict.customerCheckButton }).click()
    await page.waitForURL(`${server.url}/check-customer`)
    await expect.poll(() => page.locator('#customer-answer').innerText()).toContain(t.verdict.customerMatch)
    expect(await bannerOf(page)).toEqual({ verdict: 'valid', headline: t.verdict.faces.green, background: GREEN_BACKGROUND })
    await screenshot(page, `no-js-${lang}-3-customer-match`)

    await page.goto(`${pass.url}?lang=${lang}`)
    await page.getByLabel(t.verdict.customerCheckLabel).fill('532100099999')
    await page.getByRole('button', { name: t.verdict.customerCheckButton }).click()
    await page.waitForURL(`${server.url}/check-customer`)
    await expect.poll(() => page.locator('#customer-answer').innerText()).toContain(t.verdict.customerMismatch)
    expect((await bannerOf(page)).headline).toBe(t.verdict.faces.amber)
    await screenshot(page, `no-js-${lang}-4-customer-mismatch`)
    await close()
  }, 90_000)

  it('falls back on /scan to the phone-camera advice and the code form, and says why the camera is missing', async () => {
    const { page, close } = await phoneWithoutJavaScript(lang)
    await page.goto(`${server.url}/scan?lang=${lang}`)
    await expect.poll(() => page.getByText(t.scan.noScript).isVisible()).toBe(true)
    expect(await page.getByRole('button', { name: t.scan.start }).isVisible()).toBe(false)
    await expect.poll(() => page.getByRole('heading', { name: t.scan.phoneCameraTitle }).isVisible()).toBe(true)
    await expect.poll(() => page.locator('ol.steps').getByText(`${server.url}/`, { exact: true }).isVisible()).toBe(true)
    await screenshot(page, `no-js-${lang}-5-scan-fallback`)
    await page.getByLabel(t.home.codeLabel).fill(pass.code)
    await page.getByRole('button', { name: t.home.codeButton }).click()
    await page.waitForURL(`${server.url}/c/${pass.code}`)
    expect((await bannerOf(page)).verdict).toBe('valid')
    await close()
  }, 90_000)
})
