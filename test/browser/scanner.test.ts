import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers.ts'
import { expectNoSeriousAxeViolations } from '../support/accessibility.ts'
import { launchChromium, phoneContext, screenshot, watchCspViolations } from '../support/browser.ts'
import { fakeCameraArgs, writeQrVideo } from '../support/camera.ts'
import { bannerOf, DEMO_OFFICER, GREEN_BACKGROUND, issuePassByCli, LANGUAGES, type IssuedPass } from '../support/household.ts'
import { startServer, type RunningServer } from '../support/processes.ts'

let server: RunningServer
let dir: ReturnType<typeof tempDir>
let pass: IssuedPass
/** A camera filming one of our own pass QRs, and one filming a QR for a lookalike site. */
let filmingOurs: Browser
let filmingForeign: Browser
const FOREIGN = 'https://cek-petugas-pln.example/v/bayar-denda?id=532100012345'

beforeAll(async () => {
  dir = tempDir('scanner')
  server = await startServer(dir.path)
  pass = await issuePassByCli(server.env, DEMO_OFFICER.employeeNo)
  const ours = join(dir.path, 'our-pass.y4m')
  const foreign = join(dir.path, 'foreign.y4m')
  writeQrVideo(ours, pass.url)
  writeQrVideo(foreign, FOREIGN)
  ;[filmingOurs, filmingForeign] = await Promise.all([launchChromium(fakeCameraArgs(ours)), launchChromium(fakeCameraArgs(foreign))])
}, 120_000)

afterAll(async () => {
  await filmingOurs?.close()
  await filmingForeign?.close()
  await server?.stop()
  dir?.remove()
})

async function scannerPage(browser: Browser, lang: 'id' | 'en'): Promise<{ page: Page; violations: string[]; requested: string[]; close: () => Promise<void> }> {
  const context = await phoneContext(browser, { locale: lang === 'id' ? 'id-ID' : 'en-US' })
  await context.grantPermissions(['camera'], { origin: server.url })
  const page = await context.newPage()
  const violations = watchCspViolations(page)
  const requested: string[] = []
  page.on('request', (request) => requested.push(request.url()))
  await page.goto(`${server.url}/scan?lang=${lang}`)
  return { page, violations, requested, close: () => context.close() }
}

describe.each(LANGUAGES)('the in-page scanner at a 360×740 touch phone, in $lang', ({ lang, t }) => {
  it('turns on the camera, reads one of our own pass QRs with the page’s decoder and lands on the green verdict page', async () => {
    const { page, violations, close } = await scannerPage(filmingOurs, lang)
    await expect.poll(() => page.getByRole('heading', { name: t.scan.title, level: 1 }).isVisible()).toBe(true)
    // The code form is always beside the camera.
    await expect.poll(() => page.getByLabel(t.home.codeLabel).isVisible()).toBe(true)
    // With scripts running, the fallback sentence for browsers that cannot scan is gone.
    await expect.poll(() => page.getByText(t.scan.noScript).isVisible()).toBe(false)
    await screenshot(page, `scanner-${lang}-1-ready`)
    await expectNoSeriousAxeViolations(page, `scanner, ready (${lang})`)

    await page.getByRole('button', { name: t.scan.start }).click()
    await page.waitForURL(pass.url, { timeout: 30_000 })
    expect(await bannerOf(page)).toEqual({ verdict: 'valid', headline: t.verdict.faces.green, background: GREEN_BACKGROUND })
    await expect.poll(() => page.getByText(DEMO_OFFICER.name).first().isVisible()).toBe(true)
    await screenshot(page, `scanner-${lang}-2-green`)
    expect(violations).toEqual([])
    await close()
  }, 90_000)

  it('refuses a QR code for another site with a warning in plain words, shows what it holds, and offers the report button', async () => {
    const { page, violations, requested, close } = await scannerPage(filmingForeign, lang)
    await page.getByRole('button', { name: t.scan.start }).click()
    const warning = page.getByRole('heading', { name: t.scan.refusedTitle })
    await expect.poll(() => warning.isVisible(), { timeout: 30_000 }).toBe(true)
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('refused-title')
    await expect.poll(() => page.getByText(t.scan.refused.other_site).isVisible()).toBe(true)
    expect(await page.locator('[data-scan-text]').innerText()).toBe(FOREIGN)
    await expect.poll(() => page.getByRole('button', { name: t.report.button }).isVisible()).toBe(true)
    // The camera is off, and the page never went to the foreign site.
    expect(await page.locator('[data-scan-video]').evaluate((video: HTMLVideoElement) => video.srcObject)).toBeNull()
    expect(page.url()).toBe(`${server.url}/scan?lang=${lang}`)
    // Linux Chromium has no BarcodeDetector: the vendored jsQR did the reading, fetched from our origin only.
    expect(await page.evaluate(() => 'BarcodeDetector' in window)).toBe(false)
    expect(requested.some((url) => url.startsWith(`${server.url}/assets/vendor/jsQR.js?v=`))).toBe(true)
    expect(requested.filter((url) => !url.startsWith(`${server.url}/`))).toEqual([])
    await screenshot(page, `scanner-${lang}-3-refused`)
    await expectNoSeriousAxeViolations(page, `scanner, refused (${lang})`)

    // "Scan again" turns the camera back on; the same foreign code is refused again.
    await page.getByRole('button', { name: t.scan.again }).click()
    await expect.poll(() => page.getByRole('heading', { name: t.scan.refusedTitle }).isVisible(), { timeout: 30_000 }).toBe(true)
    expect(violations).toEqual([])
    await close()
  }, 90_000)
})
