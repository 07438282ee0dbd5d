import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Hono } from 'hono'
import { renderQr } from '../../passes/live-qr.ts'
import type { AppEnv } from '../../http/env.ts'
import { langSwitchHref } from '../../http/middleware.ts'
import { messagesFor, PAGE_LANGS, type Messages } from '../../i18n/index.ts'
import { AppPage, LeafletPage, OfflinePage } from '../../../views/app/app.tsx'
import { OfflineCheckPage } from '../../../views/app/offline-check.tsx'
import { ScanPage } from '../../../views/scan.tsx'
import { PURPOSES } from '../../passes/purposes.ts'
import { APP_ICONS, webManifest } from '../../../views/app/manifest.ts'
import { asset, PUBLIC_DIR } from '../../../views/assets.ts'

const SERVICE_WORKER = readFileSync(join(PUBLIC_DIR, 'sw.js'), 'utf8')
/** Read from the network first, from the cache only offline: keys rotate, the manifest follows the language. */
const NETWORK_FIRST = ['/.well-known/jwks.json', '/manifest.webmanifest']

/**
 * The installed household app (DESIGN §10.1): the Web App Manifest, the service worker at the
 * root (so its scope is the whole origin), the `/app` start screen, its offline page and the
 * printable A6 leaflet.
 */
export function installedAppRoutes() {
  const app = new Hono<AppEnv>()
  // Both depend only on the configuration: built once per app.
  let serviceWorker: string | null = null
  let leafletQr: Promise<string> | null = null

  app.get('/manifest.webmanifest', (c) => {
    c.header('Content-Type', 'application/manifest+json; charset=utf-8')
    c.header('Cache-Control', 'no-cache')
    return c.body(JSON.stringify(webManifest(c.get('t'))))
  })

  app.get('/sw.js', (c) => {
    serviceWorker ??= serviceWorkerScript(c.get('services').config.publicUrl)
    c.header('Content-Type', 'text/javascript; charset=utf-8')
    // Browsers check for a new worker on every navigation; no-cache makes that check reach us.
    c.header('Cache-Control', 'no-cache')
    return c.body(serviceWorker)
  })

  app.get('/app', (c) => c.html(<AppPage t={c.get('t')} langSwitchHref={langSwitchHref(c)} publicUrl={c.get('services').config.publicUrl} />))
  app.get('/app/offline', (c) => c.html(<OfflinePage t={c.get('t')} langSwitchHref={langSwitchHref(c)} />))
  // public/sw.js answers a scan made without a signal (/v/<token>) with this page: the offline check.
  app.get('/app/check', (c) => c.html(<OfflineCheckPage t={c.get('t')} langSwitchHref={langSwitchHref(c)} origin={c.get('services').config.publicUrl} purposeLabels={purposeLabels(c.get('t'))} />))
  app.get('/app/leaflet', async (c) => {
    const publicUrl = c.get('services').config.publicUrl
    leafletQr ??= renderQr(`${publicUrl}/app`).then(({ svg }) => svg)
    return c.html(<LeafletPage t={c.get('t')} langSwitchHref={langSwitchHref(c)} publicUrl={publicUrl} qrSvg={await leafletQr} />)
  })

  return app
}

/** Purpose codes to their labels, for the offline check to name a pass's `pur` claim without our server. */
function purposeLabels(t: Messages): Record<string, string> {
  return Object.fromEntries(Object.values(PURPOSES).map((purpose) => [purpose.code, purpose.label[t.htmlLang === 'en' ? 'en' : 'id']]))
}

/**
 * What public/sw.js caches at install: the start screen, its offline page, the scanner and the
 * offline check (DESIGN §12) with their assets. The scanner's fallback decoder (jsQR, 57 KB
 * gzipped) is among them: without it a phone with no BarcodeDetector could not scan offline.
 */
function shellUrls(): string[] {
  return [
    '/app',
    '/app/offline',
    '/app/check',
    '/scan',
    asset('app.css'),
    asset('app.js'),
    asset('report.js'),
    asset('scanner.js'),
    asset('vendor/jsQR.js'),
    asset('offline-verifier.js'),
    asset('vendor/htmx.min.js'),
    asset('icon.svg'),
    ...APP_ICONS.map((icon) => icon.src),
    ...NETWORK_FIRST,
  ]
}

/**
 * public/sw.js with its SHELL in front. The version is a hash of everything the shell holds (the
 * asset URLs carry their own content hashes, the pages are rendered in every language) and of
 * the worker itself, so any deploy that changes the shell gives the browser a new worker, which
 * replaces the old cache.
 */
function serviceWorkerScript(publicUrl: string): string {
  const urls = shellUrls()
  const hash = createHash('sha256').update(SERVICE_WORKER).update(urls.join('\n'))
  for (const { lang } of PAGE_LANGS) {
    const t = messagesFor(lang)
    hash.update((<AppPage t={t} langSwitchHref="/app" publicUrl={publicUrl} />).toString())
    hash.update((<OfflinePage t={t} langSwitchHref="/app/offline" />).toString())
    hash.update((<OfflineCheckPage t={t} langSwitchHref="/app/check" origin={publicUrl} purposeLabels={purposeLabels(t)} />).toString())
    hash.update((<ScanPage t={t} langSwitchHref="/scan" origin={publicUrl} decoderSrc={asset('vendor/jsQR.js')} />).toString())
  }
  const shell = { version: hash.digest('hex').slice(0, 12), urls, networkFirst: NETWORK_FIRST, offline: '/app/offline', check: '/app/check' }
  return `const SHELL = ${JSON.stringify(shell)}\n${SERVICE_WORKER}`
}
