// The offline check's page script: public/sw.js answers a scan (a navigation to /v/<token>) with
// the cached /app/check page when there is no network; this reads the token from the address,
// judges it with what the app kept (check.ts) and turns the page's hidden parts into the verdict.
// When the signal returns it loads the same address again, which the server checks and records.
import { checkOffline, type OfflineResult } from './check.ts'

/** Where public/sw.js keeps the server's time of its last fetch (the latest Date header it saw). */
const SERVER_TIME = '/app/server-time'
const JWKS = '/.well-known/jwks.json'
const TOKEN_PATH = /^\/v\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/
/** How often the page asks whether the signal is back, besides the browser's `online` event. */
const SIGNAL_PROBE_MS = 20_000
const WIB_CLOCK = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Jakarta', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })

async function cachedText(url: string): Promise<string | null> {
  const response = await caches.match(url, { ignoreVary: true })
  return response ? response.text() : null
}

async function lastServerTime(): Promise<number | null> {
  const text = await cachedText(SERVER_TIME)
  const at = text ? (JSON.parse(text) as { at?: unknown }).at : null
  return typeof at === 'number' ? at : null
}

async function runOfflineCheck(main: HTMLElement): Promise<void> {
  const token = TOKEN_PATH.exec(location.pathname)?.[1]
  if (!token) {
    render(main, UNKNOWN, '[data-no-token]')
    return
  }
  const started = performance.now()
  const [jwksText, serverTime] = await Promise.all([cachedText(JWKS), lastServerTime()])
  const result = await checkOffline({
    token,
    origin: main.dataset.origin ?? location.origin,
    now: Date.now(),
    jwks: jwksText ? (JSON.parse(jwksText) as Parameters<typeof checkOffline>[0]['jwks']) : null,
    statusList: cachedText,
    lastServerTime: serverTime,
  })
  render(main, result)
  // Read by the bench (`npm run bench -- weight`): how long one offline check took on this phone,
  // and when its verdict was on the page, from the start of the navigation.
  main.dataset.checkMs = (performance.now() - started).toFixed(1)
  main.dataset.shownMs = performance.now().toFixed(0)
}

function headlineKey(result: OfflineResult): string {
  if (result.face === 'red') return 'red'
  if (result.verdict === 'clock_back') return 'refused'
  if (result.verdict === 'unknown') return 'unknown'
  return result.face
}

const UNKNOWN: OfflineResult = { verdict: 'unknown', face: 'amber', kind: null, claims: null, outsideWindow: false, listIssuedAt: null, statusUri: null }

function render(main: HTMLElement, result: OfflineResult, reason = `[data-reason="${result.verdict}"]`): void {
  const banner = main.querySelector<HTMLElement>('[data-banner]')
  const headline = main.querySelector<HTMLElement>('[data-headline]')
  if (!banner || !headline) return
  main.classList.add(`face-${result.face}`)
  banner.className = `banner ${result.face}`
  banner.querySelectorAll<HTMLElement>('[data-icon]').forEach((icon) => (icon.hidden = icon.dataset.icon !== result.face))
  headline.textContent = headline.dataset[headlineKey(result)] ?? ''
  show(main, reason)
  if (result.outsideWindow && result.face !== 'red') show(main, '[data-window-warning]')
  const mark = main.querySelector<HTMLElement>('[data-offline-mark]')
  if (mark && result.listIssuedAt !== null && result.face !== 'red') {
    mark.textContent = (mark.dataset.template ?? '').replace('{time}', WIB_CLOCK.format(result.listIssuedAt).replace(':', '.'))
    mark.hidden = false
  }
  if (result.claims) {
    const facts = show(main, '[data-claims]')
    const purposeLabel = result.claims.pur ? main.querySelector(`[data-purpose-label="${CSS.escape(result.claims.pur)}"]`)?.textContent ?? result.claims.pur : null
    for (const [name, value] of Object.entries({ ...result.claims, pur: purposeLabel })) {
      const row = facts?.querySelector<HTMLElement>(`[data-claim="${name}"]`)
      const field = row?.querySelector('dd')
      if (!row || !field) continue
      row.hidden = value === null
      field.textContent = value
    }
  }
  if (result.face === 'red') show(main, '[data-red-advice]')
  show(main, '[data-no-photo]')
  // Last, so a test (or a screen reader) that waits for the verdict finds the page complete.
  main.dataset.face = result.face
  main.dataset.verdict = result.verdict
  headline.focus()
}

function show(main: HTMLElement, selector: string): HTMLElement | null {
  const element = main.querySelector<HTMLElement>(selector)
  if (element) element.hidden = false
  return element
}

/** Back online: the same address again, this time to our server, which checks and records the scan. */
function recheckWhenOnline(): void {
  let reloading = false
  const recheck = () => {
    if (reloading) return
    reloading = true
    location.reload()
  }
  window.addEventListener('online', recheck)
  window.setInterval(() => {
    fetch('/healthz', { cache: 'no-store' }).then((response) => {
      if (response.ok) recheck()
    }, () => {})
  }, SIGNAL_PROBE_MS)
}

const main = document.querySelector<HTMLElement>('[data-offline-check]')
if (main) {
  recheckWhenOnline()
  runOfflineCheck(main).catch(() => {
    // Whatever failed here proves nothing about the officer: never green.
    render(main, UNKNOWN)
  })
}
