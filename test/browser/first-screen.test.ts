import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fillCount } from '../../src/i18n/plural.ts'
import { expectNoSeriousAxeViolations } from '../support/accessibility.ts'
import { phoneContext, screenshot, watchCspViolations } from '../support/browser.ts'
import { bannerOf, cliJson, DEMO_OFFICER, HOUSEHOLD_CUSTOMER_ID, LANGUAGES, type IssuedPass } from '../support/household.ts'
import type { RunningServer } from '../support/processes.ts'
import { startServerAndBrowser } from '../support/server-and-browser.ts'

/** --amber-bg of public/app.css as the browser computes it. */
const AMBER_BACKGROUND = 'rgb(254, 243, 199)'
const VIEWPORT = { width: 360, height: 740 }
const PARTS = ['photo', 'name', 'purpose', 'ktp', 'customer-check'] as const

let server: RunningServer
let browser: Browser
let stop: (() => Promise<void>) | undefined
let pass: IssuedPass

beforeAll(async () => {
  ;({ server, browser, stop } = await startServerAndBrowser('first-screen'))
  // P2TL: the longest purpose label of the catalog, and a "view only" KTP rule.
  const issued = await cliJson(['pass', 'issue', '--officer', DEMO_OFFICER.employeeNo, '--customer', HOUSEHOLD_CUSTOMER_ID, '--purpose', 'P2TL'], server.env)
  pass = { token: String(issued.token), url: String(issued.url), code: String(issued.code), jti: String(issued.jti) }
}, 120_000)

afterAll(() => stop?.())

async function phone(lang: 'id' | 'en', javaScriptEnabled: boolean): Promise<{ page: Page; violations: string[]; close: () => Promise<void> }> {
  const context = await phoneContext(browser, { locale: lang === 'id' ? 'id-ID' : 'en-US', javaScriptEnabled })
  const page = await context.newPage()
  const violations = watchCspViolations(page)
  return { page, violations, close: () => context.close() }
}

/** The element's box in the viewport as it is now, without scrolling. */
async function boxOf(page: Page, selector: string) {
  return page.locator(selector).first().evaluate((element) => {
    const box = element.getBoundingClientRect()
    return { top: box.top, bottom: box.bottom, left: box.left, right: box.right, width: box.width, height: box.height }
  })
}

/** Nothing sticks out sideways: a phone would otherwise open zoomed out or scroll across. */
async function expectNoSidewaysScroll(page: Page) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(VIEWPORT.width)
}

function expectInFirstViewport(box: { top: number; bottom: number; left: number; right: number }, what: string) {
  expect(box.top, `${what} top`).toBeGreaterThanOrEqual(0)
  expect(box.left, `${what} left`).toBeGreaterThanOrEqual(0)
  expect(box.bottom, `${what} bottom`).toBeLessThanOrEqual(VIEWPORT.height)
  expect(box.right, `${what} right`).toBeLessThanOrEqual(VIEWPORT.width)
}

describe.each(LANGUAGES)('the first screen of a verdict at 360×740, in $lang', ({ lang, t }) => {
  for (const javaScriptEnabled of [true, false]) {
    const js = javaScriptEnabled ? 'with JavaScript' : 'without JavaScript'

    it(`shows every part of a green page without scrolling, the time and our host by the verdict, and a call link with the area code (${js})`, async () => {
      const { page, violations, close } = await phone(lang, javaScriptEnabled)
      await page.goto(`${pass.url}?lang=${lang}`)
      expect((await bannerOf(page)).verdict).toBe('valid')
      expect(await page.evaluate(() => window.scrollY)).toBe(0)
      expectInFirstViewport(await boxOf(page, 'main .banner'), 'banner')
      for (const part of PARTS) expectInFirstViewport(await boxOf(page, `[data-part="${part}"]`), part)
      const photo = await boxOf(page, '[data-part="photo"]')
      await expectNoSidewaysScroll(page)
      expect(photo.width).toBeGreaterThanOrEqual(160)
      expect(photo.height).toBeGreaterThanOrEqual(160)
      expect(await page.locator('[data-part="name"]').innerText()).toBe(DEMO_OFFICER.name)
      expect(await page.locator('[data-part="ktp"]').innerText()).toBe(t.ktp.lineView)
      // The customer check can be used right there: its field and button are on the first screen too.
      expectInFirstViewport(await boxOf(page, '#customer-id'), 'customer ID field')
      expectInFirstViewport(await boxOf(page, '[data-part="customer-check"] button'), 'customer check button')

      const checked = page.locator('[data-checked-at]')
      expect(await checked.innerText()).toMatch(lang === 'id' ? /^Diperiksa pukul \d\d\.\d\d WIB$/ : /^Checked at \d\d:\d\d WIB$/)
      expectInFirstViewport(await boxOf(page, '[data-checked]'), 'time and host line')
      expect(await page.locator('[data-official-host] .host').innerText()).toBe(new URL(server.url).host)

      // The demo's ULP Cikini has no area code of its own; UID Jakarta Raya's 021 is used.
      expect(await page.locator('a[data-call]').first().getAttribute('href')).toBe('tel:021123')
      // The calm report button comes after the facts on green.
      const report = await boxOf(page, '#report-box button')
      expect(report.top).toBeGreaterThan((await boxOf(page, '[data-part="customer-check"]')).bottom)
      await screenshot(page, `first-screen-${lang}-${javaScriptEnabled ? 'js' : 'nojs'}-green`)
      // axe runs in the page's JavaScript: it checks the same markup in the runs with JavaScript on.
      if (javaScriptEnabled) await expectNoSeriousAxeViolations(page, `green first screen (${lang}, ${js})`)
      expect(violations).toEqual([])
      await close()
    }, 90_000)

    it(`turns the banner and data-face amber for a wrong ID pelanggan, with the reason at the top (${js})`, async () => {
      const { page, violations, close } = await phone(lang, javaScriptEnabled)
      await page.goto(`${pass.url}?lang=${lang}`)
      await page.getByLabel(t.verdict.customerCheckLabel).fill('532100099999')
      await page.getByRole('button', { name: t.verdict.customerCheckButton }).click()
      await expect.poll(() => page.locator('main').getAttribute('data-face')).toBe('amber')
      if (!javaScriptEnabled) await page.waitForURL(`${server.url}/check-customer`)
      expect(await bannerOf(page)).toEqual({ verdict: 'valid', headline: t.verdict.faces.amber, background: AMBER_BACKGROUND })
      const reason = page.locator('main p.reason').first()
      expect(await reason.innerText()).toBe(t.verdict.mismatchReason)
      await expect.poll(async () => (await boxOf(page, 'main .banner')).top).toBeGreaterThanOrEqual(0)
      expectInFirstViewport(await boxOf(page, 'main .banner'), 'amber banner')
      expectInFirstViewport(await boxOf(page, 'main p.reason'), 'mismatch reason')
      expect(await page.locator('#customer-answer').getAttribute('data-match')).toBe('false')
      await expectNoSidewaysScroll(page)
      // On amber the report button is first again.
      expect(await page.locator('#report-box button').getAttribute('class')).toBe('button report')
      await screenshot(page, `first-screen-${lang}-${javaScriptEnabled ? 'js' : 'nojs'}-mismatch`)
      if (javaScriptEnabled) await expectNoSeriousAxeViolations(page, `customer mismatch (${lang}, ${js})`)
      expect(violations).toEqual([])
      await close()
    }, 90_000)

    it(`keeps a mistyped code visible and offers to retype it before the scam advice (${js})`, async () => {
      const { page, violations, close } = await phone(lang, javaScriptEnabled)
      await page.goto(`${server.url}/?lang=${lang}`)
      await page.getByLabel(t.home.codeLabel).fill('abcd-2345')
      await page.getByRole('button', { name: t.home.codeButton }).click()
      await page.waitForURL(`${server.url}/c/ABCD2345`)
      expect(await bannerOf(page)).toMatchObject({ verdict: 'forged', headline: t.verdict.unknownCodeTitle })
      expect(await page.locator('[data-typed-code]').innerText()).toBe('ABCD-2345')
      await expectNoSidewaysScroll(page)
      expectInFirstViewport(await boxOf(page, '[data-typed-code]'), 'typed code')
      expect(await page.getByLabel(t.home.codeLabel).inputValue()).toBe('ABCD-2345')
      const retype = await boxOf(page, '[data-typo] button')
      expect(retype.bottom).toBeLessThan((await boxOf(page, 'main ul.advice')).top)
      expect(await page.getByRole('button', { name: t.verdict.retypeButton }).isVisible()).toBe(true)
      await screenshot(page, `first-screen-${lang}-${javaScriptEnabled ? 'js' : 'nojs'}-typo`)
      if (javaScriptEnabled) await expectNoSeriousAxeViolations(page, `unknown code (${lang}, ${js})`)

      // Retyping the right code goes straight to the verdict.
      await page.getByLabel(t.home.codeLabel).fill(pass.code)
      await page.getByRole('button', { name: t.verdict.retypeButton }).click()
      await page.waitForURL(`${server.url}/c/${pass.code}`)
      expect((await bannerOf(page)).verdict).toBe('valid')
      expect(violations).toEqual([])
      await close()
    }, 90_000)

    it(`answers a code of the wrong length where it was typed, on / and /scan, with the error beside the field and focus on it (${js})`, async () => {
      const { page, violations, close } = await phone(lang, javaScriptEnabled)
      for (const start of ['/', '/scan']) {
        await page.goto(`${server.url}${start}?lang=${lang}`)
        await page.getByLabel(t.home.codeLabel).fill('7K3M-Q9X')
        await page.getByRole('button', { name: t.home.codeButton }).click()
        await page.waitForURL(/\/c\?/)
        // The same page as before, not a verdict: the home's heading, or the scanner's.
        expect(await page.locator('main h1').innerText()).toBe(start === '/' ? t.home.title : t.scan.title)
        expect(await page.locator('main').getAttribute('data-verdict')).toBeNull()
        const error = page.locator('#code-error')
        expect(await error.innerText()).toBe(fillCount(t.home.codeWrongLength, 7))
        await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('code')
        expect(await page.getByLabel(t.home.codeLabel).inputValue()).toBe('7K3M-Q9X')
        await expectNoSidewaysScroll(page)
        // Beside the field: right under it, and both on screen.
        const field = await boxOf(page, '#code')
        const message = await boxOf(page, '#code-error')
        expectInFirstViewport(field, `code field on ${start}`)
        expectInFirstViewport(message, `code error on ${start}`)
        expect(message.top - field.bottom).toBeLessThan(24)
        await screenshot(page, `first-screen-${lang}-${javaScriptEnabled ? 'js' : 'nojs'}-wrong-length${start === '/' ? '-home' : '-scan'}`)
        if (javaScriptEnabled) await expectNoSeriousAxeViolations(page, `wrong-length code on ${start} (${lang}, ${js})`)
      }
      expect(violations).toEqual([])
      await close()
    }, 90_000)
  }
})
