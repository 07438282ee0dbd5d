import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { messagesFor, type PageLang } from '../../src/i18n/index.ts'
import { phoneContext, watchCspViolations } from '../support/browser.ts'
import { DEMO_OFFICER, issuePassByCli, type IssuedPass } from '../support/household.ts'
import type { RunningServer } from '../support/processes.ts'
import { startServerAndBrowser } from '../support/server-and-browser.ts'

let server: RunningServer
let browser: Browser
let stop: (() => Promise<void>) | undefined
let pass: IssuedPass

beforeAll(async () => {
  ;({ server, browser, stop } = await startServerAndBrowser('read-aloud'))
  pass = await issuePassByCli(server.env, DEMO_OFFICER.employeeNo)
}, 120_000)

afterAll(() => stop?.())

interface Spoken {
  text: string
  lang: string
  voice: string
}

/** A phone whose speech synthesis has exactly `voices` (their language tags) and records what it is asked to say. */
async function phoneWithVoices(lang: PageLang, voices: string[]): Promise<BrowserContext> {
  const context = await phoneContext(browser, { locale: 'id-ID' })
  await context.addCookies([{ name: 'lang', value: lang, url: server.url }])
  await context.addInitScript((tags: string[]) => {
    const spoken: { text: string; lang: string; voice: string }[] = []
    const list = tags.map((tag) => ({ lang: tag, name: `voice ${tag}`, default: false, localService: true, voiceURI: tag }))
    class Utterance {
      text: string
      lang = ''
      voice: { lang: string; name: string } | null = null
      onend: (() => void) | null = null
      onerror: (() => void) | null = null
      constructor(text: string) {
        this.text = text
      }
    }
    const synth = {
      speaking: false,
      getVoices: () => list,
      speak: (utterance: Utterance) => spoken.push({ text: utterance.text, lang: utterance.lang, voice: utterance.voice?.name ?? '' }),
      cancel: () => {},
      addEventListener: () => {},
    }
    Object.defineProperty(window, 'speechSynthesis', { value: synth, configurable: true })
    Object.defineProperty(window, 'SpeechSynthesisUtterance', { value: Utterance, configurable: true })
    Object.defineProperty(window, '__spoken', { value: spoken })
  }, voices)
  return context
}

const spokenOn = (context: BrowserContext) => context.pages()[0]!.evaluate(() => (window as unknown as { __spoken: Spoken[] }).__spoken)

describe('Dengarkan: the verdict read aloud', () => {
  it('reads the Javanese verdict and its three most important lines with a Javanese voice', async () => {
    const t = messagesFor('jv')
    const context = await phoneWithVoices('jv', ['en-US', 'id-ID', 'jv-ID'])
    const page = await context.newPage()
    const violations = watchCspViolations(page)
    await page.goto(pass.url)
    const button = page.getByRole('button', { name: t.readAloud.button })
    await expect.poll(() => button.isVisible()).toBe(true)
    await button.click()
    const spoken = await spokenOn(context)
    expect(spoken.map((line) => line.text)).toEqual([
      t.verdict.faces.green,
      t.verdict.reasons.valid,
      DEMO_OFFICER.name,
      await page.locator('[data-part="purpose"]').innerText(),
    ])
    expect(new Set(spoken.map((line) => line.lang))).toEqual(new Set(['jv-ID']))
    expect(await page.locator('[data-read-aloud-button] [data-label]').innerText()).toBe(t.readAloud.stop)
    expect(violations).toEqual([])
    await context.close()
  }, 60_000)

  it('falls back to an Indonesian voice when the phone has none for Sundanese', async () => {
    const t = messagesFor('su')
    const context = await phoneWithVoices('su', ['en-GB', 'in_ID'])
    const page = await context.newPage()
    await page.goto(pass.url)
    await page.getByRole('button', { name: t.readAloud.button }).click()
    const spoken = await spokenOn(context)
    expect(spoken[0]).toEqual({ text: t.verdict.faces.green, lang: 'in_ID', voice: 'voice in_ID' })
    await context.close()
  }, 60_000)

  it('stays hidden when the phone has no voice at all, or none for the page or Indonesian', async () => {
    for (const voices of [[], ['de-DE']]) {
      const context = await phoneWithVoices('id', voices)
      const page = await context.newPage()
      await page.goto(pass.url)
      await page.waitForLoadState('load')
      expect(await page.locator('[data-read-aloud-button]').isVisible()).toBe(false)
      expect(await page.locator('[data-read-aloud-button]').count()).toBe(1)
      await context.close()
    }
  }, 60_000)

  it('reads the door check and the report page in English with an English voice', async () => {
    const t = messagesFor('en')
    const context = await phoneWithVoices('en', ['id-ID', 'en-US'])
    const page = await context.newPage()
    await page.goto(`${server.url}/door`)
    await page.getByRole('button', { name: t.door.startButton }).click()
    await expect.poll(() => page.locator('h1').innerText()).toBe(t.door.waitingTitle)
    await page.getByRole('button', { name: t.readAloud.button }).click()
    const door = await spokenOn(context)
    expect(door.slice(0, 2).map((line) => line.text)).toEqual([t.door.waitingTitle, t.door.waitingLead])
    expect(door[0]!.lang).toBe('en-US')

    await page.goto(pass.url)
    await page.getByRole('button', { name: t.report.button }).click()
    await expect.poll(() => page.locator('h1').innerText()).toBe(t.report.savedTitle)
    await page.getByRole('button', { name: t.readAloud.button }).click()
    const report = await spokenOn(context)
    expect(report[0]!.text).toBe(t.report.savedTitle)
    expect(report[2]!.text).toBe(t.report.statuses.new)
    await context.close()
  }, 60_000)
})
