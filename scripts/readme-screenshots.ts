/**
 * Regenerates the screenshots the README shows (docs/screenshots/*.png) from the real server on a
 * fresh temporary DATA_DIR with its demo data, in Debian's Chromium at a 360 px phone:
 *
 *   npx tsx scripts/readme-screenshots.ts
 *
 * The pictures carry the time of the run (visit windows, live QR codes), so they change on every
 * run; regenerate them when a screen changes, not on every commit.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { DEMO_LOGINS } from '../src/demo/seed.ts'
import { launchChromium } from '../test/support/browser.ts'
import { fakeCameraArgs, writeQrVideo } from '../test/support/camera.ts'
import { REPO_ROOT, startServer, type RunningServer } from '../test/support/processes.ts'

const OUT_DIR = join(REPO_ROOT, 'docs', 'screenshots')
const PHONE = { width: 360, height: 740 }
/** Tall enough for the banner, the reasons and the officer card of a verdict page. */
const MAX_PHONE_HEIGHT = 1400
const DESKTOP = { width: 1280, height: 800 }
const FOREIGN_QR = 'https://cek-petugas-pln.example/v/bayar-denda'

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cek-screenshots-'))
  let server: RunningServer | null = null
  let browser: Browser | null = null
  try {
    server = await startServer(dataDir)
    const demo = await demoUrls(server)
    const foreignVideo = join(dataDir, 'foreign.y4m')
    writeQrVideo(foreignVideo, FOREIGN_QR)
    browser = await launchChromium(fakeCameraArgs(foreignVideo))
    mkdirSync(OUT_DIR, { recursive: true })
    const written: string[] = []
    const shoot = async (page: Page, name: string, options: { full?: boolean } = {}) => {
      const path = join(OUT_DIR, `${name}.png`)
      const height = options.full ? Math.min(MAX_PHONE_HEIGHT, await page.evaluate(() => document.documentElement.scrollHeight)) : page.viewportSize()?.height ?? PHONE.height
      await page.screenshot({ path, fullPage: options.full === true, clip: { x: 0, y: 0, width: page.viewportSize()?.width ?? PHONE.width, height } })
      written.push(path)
    }

    const phone = await newPhone(browser, server)
    const page = await phone.newPage()
    await page.goto(server.url)
    await shoot(page, 'home')
    await page.goto(demo.passUrl)
    await shoot(page, 'household-green', { full: true })
    await page.goto(demo.suspendedUrl)
    await shoot(page, 'household-red', { full: true })
    await page.goto(`${demo.passUrl}?lang=en`)
    await shoot(page, 'household-green-en', { full: true })
    await page.goto(`${server.url}/scan?lang=id`)
    await shoot(page, 'scanner')
    await page.getByRole('button', { name: 'Nyalakan kamera' }).click()
    await page.getByRole('heading', { name: 'Jangan buka kode QR ini' }).waitFor({ state: 'visible', timeout: 30_000 })
    await shoot(page, 'scanner-refused', { full: true })

    const officer = await newPhone(browser, server)
    const portal = await officer.newPage()
    await signIn(portal, server, DEMO_LOGINS[0])
    await portal.getByRole('link', { name: 'Buat kartu kunjungan' }).first().click()
    await portal.getByLabel(/ID pelanggan/).fill('532100098765')
    await portal.getByLabel('Tujuan kunjungan').selectOption('GANTI_METER')
    await portal.getByRole('button', { name: 'Buat dan tampilkan QR' }).click()
    await portal.waitForURL(/\/officer\/passes\/[^/]+\/live$/)
    await portal.locator('#live-qr svg').waitFor()
    await shoot(portal, 'officer-live-qr', { full: true })

    // The door check: the household starts it in the installed app, the officer confirms it.
    const household = await phone.newPage()
    await household.goto(`${server.url}/app?lang=id`)
    await shoot(household, 'household-app')
    await household.locator('#door-customer').fill('532100098765')
    await household.locator('#door-customer').press('Enter')
    await household.waitForURL(/\/door\/[^/]+$/)
    await shoot(household, 'door-waiting')
    const code = (await household.locator('[data-door-code]').innerText()).replace(/\D/g, '')
    await portal.goto(`${server.url}/officer/door?code=${code}`)
    await portal.locator('form[action="/officer/door"] button[type="submit"]').click()
    await household.locator('main[data-door-state="confirmed"]').waitFor({ timeout: 15_000 })
    await shoot(household, 'door-confirmed', { full: true })

    const desk = await browser.newContext({ viewport: DESKTOP, locale: 'id-ID' })
    const admin = await desk.newPage()
    await signIn(admin, server, DEMO_LOGINS[2])
    const adminResponse = await admin.goto(`${server.url}/admin`)
    if (adminResponse?.ok()) await shoot(admin, 'admin')
    else process.stderr.write(`admin console answered ${adminResponse?.status()}; admin.png not written\n`)

    // The 123 desk: the agent searches the caller's ID pelanggan and reads the script beside the answer.
    const agent = await (await browser.newContext({ viewport: DESKTOP, locale: 'id-ID' })).newPage()
    await signIn(agent, server, DEMO_LOGINS.find((login) => login.role === 'cso')!)
    await agent.locator('#desk-q').fill('532100098765')
    await agent.locator('#desk-q').press('Enter')
    await agent.locator('[data-desk-answer="customer"]').waitFor()
    await shoot(agent, 'desk')

    process.stdout.write(`${written.map((path) => path.replace(`${REPO_ROOT}`, '')).join('\n')}\n`)
  } finally {
    await browser?.close()
    await server?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** The demo pass and the pass of the suspended demo officer, as the server prints them on start. */
async function demoUrls(server: RunningServer): Promise<{ passUrl: string; suspendedUrl: string }> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const output = server.output()
    const passUrl = /(https?:\/\/\S+\/v\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(output)?.[1]
    const suspendedUrl = /suspended officer \(shows red\): (\S+)/.exec(output)?.[1]
    if (passUrl && suspendedUrl) return { passUrl, suspendedUrl }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`the server printed no demo pass:\n${server.output()}`)
}

async function newPhone(browser: Browser, server: RunningServer): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'id-ID' })
  await context.grantPermissions(['camera'], { origin: server.url })
  return context
}

async function signIn(page: Page, server: RunningServer, login: { username: string; password: string }): Promise<void> {
  await page.goto(`${server.url}/login?lang=id`)
  await page.getByLabel('Nama pengguna').fill(login.username)
  await page.getByLabel('Kata sandi').fill(login.password)
  await page.getByRole('button', { name: 'Masuk' }).click()
  await page.waitForURL((url) => url.pathname !== '/login')
}

await main()
