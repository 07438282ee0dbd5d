import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixedClock } from '../helpers.ts'
import { expectNoSeriousAxeViolations } from '../support/accessibility.ts'
import { launchChromium, phoneContext, screenshot, watchCspViolations } from '../support/browser.ts'
import { LANGUAGES } from '../support/household.ts'
import { recordFigures, recordTransfers, renderBlockingInHead, renderBlockingResources } from '../support/network.ts'
import { startAppServer, wib, type AppServer } from '../support/app-server.ts'

// DESIGN §10.1 in a real Chromium: the manifest as the browser parses it, the service worker, an
// offline start. Service workers need a secure context; http://127.0.0.1 is one.

/** The verdict page's budget (test/browser/budgets.test.ts), which the start screen keeps too. */
const BUDGET = { transferBytes: 30 * 1024, renderBlocking: 1 }

let server: AppServer
let browser: Browser

beforeAll(async () => {
  server = await startAppServer(fixedClock(wib('2026-12-02', '09:00')))
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

interface AppManifestAnswer {
  url: string
  errors: { message: string; critical: number }[]
  data?: string
}

/** Waits until the page's service worker is active and controls the page. */
async function controlledByServiceWorker(page: Page): Promise<string> {
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope)
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 15_000 }).toBe(true)
  return scope
}

describe('the installed household app in Chromium', () => {
  it('has a manifest the browser parses without errors: its name, start URL /app and PNG icons', async () => {
    const context = await phoneContext(browser)
    const page = await context.newPage()
    await page.goto(`${server.url}/app`)
    const cdp = await context.newCDPSession(page)
    const answer = (await cdp.send('Page.getAppManifest')) as AppManifestAnswer
    expect(answer.url).toBe(`${server.url}/manifest.webmanifest`)
    expect(answer.errors).toEqual([])
    const manifest = JSON.parse(answer.data ?? '{}') as { name: string; short_name: string; start_url: string; display: string; icons: { src: string; sizes: string }[] }
    expect(manifest.name).toBe('Cek Petugas PLN')
    expect(manifest.short_name).toBe('Cek Petugas')
    expect(new URL(manifest.start_url, answer.url).href).toBe(`${server.url}/app`)
    expect(manifest.display).toBe('standalone')
    expect(manifest.icons.map((icon) => icon.sizes)).toEqual(['192x192', '512x512'])
    for (const icon of manifest.icons) {
      const response = await page.request.get(new URL(icon.src, answer.url).href)
      expect(response.status(), icon.src).toBe(200)
      expect(response.headers()['content-type']).toBe('image/png')
    }
    await controlledByServiceWorker(page)
    // Chromium's own installability verdict, once the worker runs: nothing in our manifest or worker stands in the way.
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: { errorId: string }[] }
    recordFigures('installability-errors', { errors: installabilityErrors.map((error) => error.errorId) })
    expect(installabilityErrors.map((error) => error.errorId).filter((id) => /manifest|icon|start-url|service-worker|display/.test(id))).toEqual([])
    await context.close()
  }, 90_000)

  it('registers its service worker for the whole origin; offline, /app still opens and other pages say there is no signal', async () => {
    const context = await phoneContext(browser)
    const page = await context.newPage()
    const violations = watchCspViolations(page)
    await page.goto(`${server.url}/app`)
    expect(await controlledByServiceWorker(page)).toBe(`${server.url}/`)
    const cached = await page.evaluate(async () => {
      const names = await caches.keys()
      const cache = await caches.open(names[0] ?? '')
      return { names, urls: (await cache.keys()).map((request) => new URL(request.url).pathname) }
    })
    expect(cached.names).toEqual([expect.stringMatching(/^cek-petugas-shell-[0-9a-f]{12}$/)])
    expect(cached.urls).toEqual(expect.arrayContaining(['/app', '/app/offline', '/.well-known/jwks.json', '/assets/app.css', '/assets/icons/icon-512.png']))

    await context.setOffline(true)
    await offlineStart(context, page)
    expect(violations).toEqual([])
    await context.close()
  }, 90_000)

  it('keeps the verdict page’s weight budget on a fresh start of /app', async () => {
    const context = await phoneContext(browser)
    const page = await context.newPage()
    const violations = watchCspViolations(page)
    const { transfers, settled } = await recordTransfers(page)
    await page.goto(`${server.url}/app`, { waitUntil: 'load' })
    await settled()
    const total = transfers.reduce((sum, transfer) => sum + transfer.encodedBytes, 0)
    const blocking = await renderBlockingResources(page)
    recordFigures('app-start-weight', { totalBytes: total, responses: transfers.map(({ url, encodedBytes }) => ({ url: url.replace(server.url, ''), encodedBytes })), renderBlocking: blocking })
    expect(total, transfers.map((transfer) => `${transfer.encodedBytes} ${transfer.url}`).join('\n')).toBeLessThanOrEqual(BUDGET.transferBytes)
    expect(blocking.length, blocking.join(', ')).toBeLessThanOrEqual(BUDGET.renderBlocking)
    expect((await renderBlockingInHead(page)).length).toBeLessThanOrEqual(BUDGET.renderBlocking)
    expect(violations).toEqual([])
    await context.close()
  }, 90_000)

  it('shows the install steps without JavaScript, and no install button the browser cannot honour', async () => {
    const context = await phoneContext(browser, { javaScriptEnabled: false })
    const page = await context.newPage()
    await page.goto(`${server.url}/`)
    const install = page.locator('[data-install]')
    expect(await install.locator('[data-install-button]').isVisible()).toBe(false)
    await install.getByText('Cara memasang').click()
    for (const name of ['Android — Chrome', 'Samsung Internet', 'iPhone — Safari']) {
      expect(await install.getByRole('heading', { name, level: 3 }).isVisible(), name).toBe(true)
    }
    await context.close()
  }, 60_000)

  it('fits a 320 px screen without sideways scrolling: /app, /app/leaflet, /app/offline', async () => {
    const context = await browser.newContext({ viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true, locale: 'id-ID' })
    const page = await context.newPage()
    for (const path of ['/app', '/app/leaflet', '/app/offline']) {
      await page.goto(`${server.url}${path}`)
      expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(320)
    }
    await context.close()
  }, 60_000)

  it('offers the browser’s install prompt from the button when the browser has one, then says the app is installed', async () => {
    const context = await phoneContext(browser)
    const page = await context.newPage()
    const violations = watchCspViolations(page)
    await page.goto(`${server.url}/`)
    const button = page.locator('[data-install] [data-install-button]')
    expect(await button.isVisible()).toBe(false)
    // Headless Chromium in a fresh profile never fires beforeinstallprompt itself; this is its shape.
    await page.evaluate(() => {
      const event = Object.assign(new Event('beforeinstallprompt', { cancelable: true }), {
        prompt: () => {
          ;(window as unknown as { prompted: boolean }).prompted = true
          return Promise.resolve()
        },
        userChoice: Promise.resolve({ outcome: 'accepted' }),
      })
      window.dispatchEvent(event)
    })
    await expect.poll(() => button.isVisible()).toBe(true)
    await button.click()
    expect(await page.evaluate(() => (window as unknown as { prompted?: boolean }).prompted)).toBe(true)
    await expect.poll(() => page.locator('[data-install] [data-install-done]').isVisible()).toBe(true)
    expect(await button.isVisible()).toBe(false)
    expect(violations).toEqual([])
    await context.close()
  }, 60_000)
})

/** Offline: /app from the cache, any other page the offline page. */
async function offlineStart(context: BrowserContext, page: Page): Promise<void> {
  await page.goto(`${server.url}/app`)
  expect(await page.locator('main[data-app-home]').isVisible()).toBe(true)
  expect(await page.getByRole('button', { name: 'Minta petugas memindai kode saya' }).isVisible()).toBe(true)
  await screenshot(page, 'installed-app-offline-start')
  for (const path of ['/app/leaflet', '/v/anything']) {
    await page.goto(`${server.url}${path}`)
    expect(await page.locator('main[data-offline]').isVisible(), path).toBe(true)
    expect(await page.getByRole('heading', { name: 'Tidak ada sinyal', level: 1 }).isVisible()).toBe(true)
    expect(await page.getByText('HP Anda harus tersambung').isVisible()).toBe(true)
  }
  await screenshot(page, 'installed-app-offline-page')
  await context.setOffline(false)
}

describe.each(LANGUAGES)('the installed app’s pages, in $lang', ({ lang, t }) => {
  it('have no serious axe findings and no CSP violations: /app, /app/leaflet, /app/offline', async () => {
    const context = await phoneContext(browser, { locale: lang === 'id' ? 'id-ID' : 'en-US' })
    await context.addCookies([{ name: 'lang', value: lang, url: server.url }])
    const page = await context.newPage()
    const violations = watchCspViolations(page)
    for (const [path, heading] of [
      ['/app', t.app.title],
      ['/app/leaflet', t.app.leaflet.heading],
      ['/app/offline', t.app.offline.title],
    ] as const) {
      await page.goto(`${server.url}${path}`)
      await expect.poll(() => page.getByRole('heading', { name: heading, level: 1 }).isVisible()).toBe(true)
      await expectNoSeriousAxeViolations(page, `${path} (${lang})`)
      await screenshot(page, `installed-app-${lang}${path.replace(/\//g, '-')}`)
    }
    // The code form opens in place, and the leaflet prints on one A6 page.
    await page.goto(`${server.url}/app`)
    await page.getByText(t.app.code.button).click()
    expect(await page.getByLabel(t.home.codeLabel).isVisible()).toBe(true)
    await expectNoSeriousAxeViolations(page, `/app with the code form open (${lang})`)
    await page.goto(`${server.url}/app/leaflet`)
    await page.emulateMedia({ media: 'print' })
    expect(await page.locator('.leaflet-page').evaluate((element) => getComputedStyle(element).getPropertyValue('page'))).toBe('leaflet')
    expect(await page.locator('.top').isVisible()).toBe(false)
    // One A6 page: 105 × 148 mm is 298 × 420 points.
    const pdf = (await page.pdf({ preferCSSPageSize: true })).toString('latin1')
    const [width, height] = (/\/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]/.exec(pdf) ?? []).slice(1).map(Number)
    expect(Math.round(width ?? 0)).toBe(298)
    expect(Math.round(height ?? 0)).toBe(420)
    expect(pdf.match(/\/Type\s*\/Page\b/g)).toHaveLength(1)
    expect(violations).toEqual([])
    await context.close()
  }, 90_000)
})
