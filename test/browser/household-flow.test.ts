import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoSeriousAxeViolations, tabTo } from '../support/accessibility.ts'
import { phoneContext, screenshot, watchCspViolations } from '../support/browser.ts'
import {
  bannerOf,
  cliJson,
  DEMO_OFFICER,
  forgeToken,
  GREEN_BACKGROUND,
  HOUSEHOLD_CUSTOMER_ID,
  issuePassByCli,
  LANGUAGES,
  RED_BACKGROUND,
  type IssuedPass,
} from '../support/household.ts'
import type { RunningServer } from '../support/processes.ts'
import { startServerAndBrowser } from '../support/server-and-browser.ts'

let server: RunningServer
let browser: Browser
let stop: (() => Promise<void>) | undefined
let genuine: IssuedPass
let ofSuspended: IssuedPass
let forged: string
const SUSPENDED = { employeeNo: 'BRW-0666', name: 'Joko Palsu Susanto' }

beforeAll(async () => {
  ;({ server, browser, stop } = await startServerAndBrowser('household-flow'))
  ;[genuine] = await Promise.all([
    issuePassByCli(server.env, DEMO_OFFICER.employeeNo),
    cliJson(['officer', 'add', '--employee-no', SUSPENDED.employeeNo, '--name', SUSPENDED.name, '--unit', 'ULP-CKN'], server.env),
  ])
  ofSuspended = await issuePassByCli(server.env, SUSPENDED.employeeNo)
  await cliJson(['officer', 'suspend', SUSPENDED.employeeNo], server.env)
  forged = await forgeToken(genuine.token)
}, 120_000)

afterAll(() => stop?.())

/** A fresh phone in the given language, watching for CSP violations. */
async function household(lang: 'id' | 'en'): Promise<{ page: Page; violations: string[]; close: () => Promise<void> }> {
  const context = await phoneContext(browser, { locale: lang === 'id' ? 'id-ID' : 'en-US' })
  const page = await context.newPage()
  const violations = watchCspViolations(page)
  return { page, violations, close: () => context.close() }
}

describe.each(LANGUAGES)('a household at a 360×740 touch phone, in $lang', ({ lang, t }) => {
  it('opens a genuine pass and sees green with the officer’s name and photo, the visit, the KTP rule, and a match for its own ID pelanggan', async () => {
    const { page, violations, close } = await household(lang)
    await page.goto(`${genuine.url}?lang=${lang}`)
    expect(await bannerOf(page)).toEqual({ verdict: 'valid', headline: t.verdict.faces.green, background: GREEN_BACKGROUND })
    await expect.poll(() => page.getByText(t.verdict.reasons.valid).isVisible()).toBe(true)
    await expect.poll(() => page.getByText(DEMO_OFFICER.name).first().isVisible()).toBe(true)
    await expect.poll(() => page.getByRole('img', { name: t.verdict.photoAlt }).evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0)).toBe(true)
    await expect.poll(() => page.getByRole('heading', { name: t.ktp.title }).isVisible()).toBe(true)
    await expect.poll(() => page.getByRole('button', { name: t.report.button }).isVisible()).toBe(true)
    await screenshot(page, `household-${lang}-1-green`)
    await expectNoSeriousAxeViolations(page, `green verdict (${lang})`)

    await page.getByLabel(t.verdict.customerCheckLabel).fill(HOUSEHOLD_CUSTOMER_ID)
    await page.getByRole('button', { name: t.verdict.customerCheckButton }).click()
    await expect.poll(() => page.locator('#customer-answer').innerText()).toContain(t.verdict.customerMatch)
    expect(await page.locator('#customer-answer').getAttribute('data-match')).toBe('true')
    await screenshot(page, `household-${lang}-2-customer-match`)
    await expectNoSeriousAxeViolations(page, `customer check answer (${lang})`)

    expect(violations).toEqual([])
    await close()
  }, 90_000)

  it('opens the pass of an officer who was suspended with the CLI and sees red, without the officer’s details', async () => {
    const { page, violations, close } = await household(lang)
    await page.goto(`${ofSuspended.url}?lang=${lang}`)
    expect(await bannerOf(page)).toEqual({ verdict: 'officer_suspended', headline: t.verdict.faces.red, background: RED_BACKGROUND })
    await expect.poll(() => page.getByText(t.verdict.reasons.officer_suspended).isVisible()).toBe(true)
    await expect.poll(() => page.getByRole('link', { name: t.contact.call }).first().isVisible()).toBe(true)
    await expect.poll(() => page.getByRole('button', { name: t.report.button }).isVisible()).toBe(true)
    expect(await page.getByText(SUSPENDED.name).count()).toBe(0)
    await screenshot(page, `household-${lang}-3-red-suspended`)
    await expectNoSeriousAxeViolations(page, `red verdict, suspended officer (${lang})`)
    expect(violations).toEqual([])
    await close()
  }, 90_000)

  it('opens a forged token (a genuine pass re-signed with another key) and sees red, without the claims it carries', async () => {
    const { page, violations, close } = await household(lang)
    await page.goto(`${server.url}/v/${forged}?lang=${lang}`)
    expect(await bannerOf(page)).toEqual({ verdict: 'forged', headline: t.verdict.faces.red, background: RED_BACKGROUND })
    await expect.poll(() => page.getByText(t.verdict.reasons.forged).isVisible()).toBe(true)
    expect(await page.getByText(DEMO_OFFICER.name).count()).toBe(0)
    expect(await page.getByText(DEMO_OFFICER.employeeNo).count()).toBe(0)
    await screenshot(page, `household-${lang}-4-red-forged`)
    await expectNoSeriousAxeViolations(page, `red verdict, forged token (${lang})`)
    expect(violations).toEqual([])
    await close()
  }, 90_000)
})

describe('a household using only the keyboard', () => {
  it('tabs to the code field, types the code, presses Enter, sees green, then tabs to the ID pelanggan field and gets its answer', async () => {
    const [{ t }] = LANGUAGES as [(typeof LANGUAGES)[number]]
    const { page, violations, close } = await household('id')
    await page.goto(server.url)
    await expectNoSeriousAxeViolations(page, 'home')

    await tabTo(page, '#code')
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe('none')
    await page.keyboard.type(genuine.code.toLowerCase())
    await screenshot(page, 'household-keyboard-1-code')
    await page.keyboard.press('Enter')
    await page.waitForURL(`${server.url}/c/${genuine.code}`)
    expect(await bannerOf(page)).toEqual({ verdict: 'valid', headline: t.verdict.faces.green, background: GREEN_BACKGROUND })
    await screenshot(page, 'household-keyboard-2-green')

    await tabTo(page, '#customer-id')
    await page.keyboard.type(HOUSEHOLD_CUSTOMER_ID)
    await page.keyboard.press('Enter')
    await expect.poll(() => page.locator('#customer-answer').innerText()).toContain(t.verdict.customerMatch)
    await screenshot(page, 'household-keyboard-3-match')

    // Back to the start, and the skip link is the first stop.
    await page.goto(server.url)
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe(t.skipToContent)
    expect(violations).toEqual([])
    await close()
  }, 90_000)
})
