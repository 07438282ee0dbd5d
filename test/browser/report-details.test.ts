import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoSeriousAxeViolations } from '../support/accessibility.ts'
import { phoneContext, screenshot, watchCspViolations } from '../support/browser.ts'
import { DEMO_OFFICER, issuePassByCli, LANGUAGES, type IssuedPass } from '../support/household.ts'
import type { RunningServer } from '../support/processes.ts'
import { startServerAndBrowser } from '../support/server-and-browser.ts'

// Issue 13: after "Laporkan penipuan", the details a household adds (several answers to "Apa yang
// terjadi?"), our own messages beside the field, and the confirmation or the error where the
// thumb is, with JavaScript and without; no CSP violation on the way.

let server: RunningServer
let browser: Browser
let stop: (() => Promise<void>) | undefined
let pass: IssuedPass

beforeAll(async () => {
  ;({ server, browser, stop } = await startServerAndBrowser('report-details'))
  pass = await issuePassByCli(server.env, DEMO_OFFICER.employeeNo)
}, 120_000)

afterAll(() => stop?.())

/** The element's box lies wholly inside the 360×740 viewport as it is scrolled now. */
async function inViewport(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => {
    const box = element.getBoundingClientRect()
    // Half a pixel of rounding at the edges is still on screen.
    return box.height > 0 && box.top >= -0.5 && box.left >= -0.5 && box.bottom <= window.innerHeight + 0.5 && box.right <= window.innerWidth + 0.5
  })
}

function focusedId(page: Page): Promise<string | null> {
  return page.evaluate(() => document.activeElement?.id || null)
}

const CASES = LANGUAGES.flatMap(({ lang, t }) => [
  { lang, t, javaScript: true, name: `${lang}, JavaScript on` },
  { lang, t, javaScript: false, name: `${lang}, JavaScript off` },
])

describe.each(CASES)('a household adding details to its report at 360×740 ($name)', ({ lang, t, javaScript }) => {
  it('chooses two answers, sees a bad phone number refused beside the field and focused, fixes it, and sees "saved" where it tapped', async () => {
    const context = await phoneContext(browser, { javaScriptEnabled: javaScript, locale: lang === 'id' ? 'id-ID' : 'en-US' })
    const page = await context.newPage()
    const violations = watchCspViolations(page)
    const label = `report details (${lang}, JS ${javaScript ? 'on' : 'off'})`

    await page.goto(`${pass.url}?lang=${lang}`)
    await page.getByRole('button', { name: t.report.button }).click()
    const panel = page.locator('#report-ticket')
    await panel.waitFor()
    const ticket = await panel.getAttribute('data-ticket')
    expect(ticket).toMatch(/^LPR-/)
    // The verdict page loads no htmx: the server redirects to the ticket page, which has it.
    expect(page.url()).toContain(`/r/${ticket}?k=`)

    const form = page.locator('form', { has: page.getByRole('button', { name: t.report.saveButton }) })
    expect(await form.getAttribute('novalidate'), 'our messages, never the browser’s bubble').not.toBeNull()
    await page.getByRole('checkbox', { name: t.report.categories.money }).check()
    await page.getByRole('checkbox', { name: t.report.categories.threat }).check()
    if (javaScript) {
      // A translating browser, an extension or axe-core leaves style attributes behind (through
      // the CSSOM, which the CSP allows). htmx's settle step used to copy them onto the swapped-in
      // elements with setAttribute, which the CSP refuses: every save was a violation.
      await page.evaluate(() => {
        for (const element of Array.from(document.querySelectorAll<HTMLElement>('#report-ticket [id]'))) element.style.setProperty('--translated', '1')
      })
    }
    const phone = page.getByRole('textbox', { name: t.report.phoneLabel })
    await phone.fill('+1 555 0100')
    await page.getByRole('button', { name: t.report.saveButton }).click()

    const error = page.locator('#phone-error')
    await error.waitFor()
    expect((await error.innerText()).trim()).toBe(t.report.problems.invalid_phone)
    await expect.poll(() => focusedId(page), { message: 'the refused field has the focus' }).toBe('report-phone')
    await expect.poll(() => inViewport(error), { message: 'the error is on screen' }).toBe(true)
    expect(await inViewport(phone)).toBe(true)
    expect(await phone.getAttribute('aria-describedby')).toContain('phone-error')
    // What was chosen stays chosen.
    expect(await page.getByRole('checkbox', { name: t.report.categories.money }).isChecked()).toBe(true)
    expect(await page.getByRole('checkbox', { name: t.report.categories.threat }).isChecked()).toBe(true)
    await screenshot(page, `report-details-${lang}-js-${javaScript ? 'on' : 'off'}-1-phone-error`)
    // axe-core runs as a script in the page: only with JavaScript on (the markup is the same).
    if (javaScript) await expectNoSeriousAxeViolations(page, `${label}: phone refused`)

    await phone.fill('0812 3456 7890')
    await page.getByRole('button', { name: t.report.saveButton }).click()
    const saved = page.locator('#details-saved')
    await saved.waitFor()
    expect((await saved.innerText()).trim()).toBe(t.report.detailsSaved)
    await expect.poll(() => inViewport(saved), { message: 'the confirmation is on screen' }).toBe(true)
    if (javaScript) await expect.poll(() => focusedId(page)).toBe('details-saved')
    else expect(new URL(page.url()).hash).toBe('#details-saved')
    await screenshot(page, `report-details-${lang}-js-${javaScript ? 'on' : 'off'}-2-saved`)
    if (javaScript) await expectNoSeriousAxeViolations(page, `${label}: saved`)

    // The tracking page shows both answers, checked and in the summary to share.
    const trackingPath = await page.getByRole('link', { name: t.report.trackLink }).getAttribute('href')
    await page.goto(`${server.url}${trackingPath}&lang=${lang}`)
    expect(await page.getByRole('checkbox', { name: t.report.categories.money }).isChecked()).toBe(true)
    expect(await page.getByRole('checkbox', { name: t.report.categories.threat }).isChecked()).toBe(true)
    expect(await page.getByRole('checkbox', { name: t.report.categories.otp }).isChecked()).toBe(false)
    expect(await page.locator('#evidence-summary').inputValue()).toContain(`${t.report.summary.category}: ${t.report.categories.money}, ${t.report.categories.threat}`)

    if (javaScript) expect(await page.evaluate(() => document.adoptedStyleSheets.length), 'htmx injected no styles of its own').toBe(0)
    expect(violations).toEqual([])
    await context.close()
  }, 90_000)
})
