import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import ipaddr from 'ipaddr.js'
import proxyAddr from 'proxy-addr'
import { INLINE_STYLESHEET } from '../../views/assets.ts'
import type { HttpBindings } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context, Next } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import { dataLang, langCookieName, messagesFor, parseLang } from '../i18n/index.ts'
import type { AppEnv } from './env.ts'

const REQUEST_ID_PREFIX = randomBytes(3).toString('hex')
let requestCounter = 0

/**
 * A short id to find one request's log line from what the user saw (unique per process run), for
 * hono/request-id's generator. Its default takes a client's X-Request-Id: anyone could then put an
 * id of their choosing, another request's say, on our error log lines. Its own ids are UUIDs, 36
 * characters to read out to a desk, and without our per-process prefix (test/cluster.test.ts
 * tells worker processes apart by it).
 */
export function nextRequestId(): string {
  return `${REQUEST_ID_PREFIX}-${(++requestCounter).toString(36)}`
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  `style-src 'self' ${INLINE_STYLESHEET.cspSource}`,
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "media-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/**
 * DESIGN §7: strict CSP, no framing, no referrer (verdict URLs carry a token), and no caching
 * unless a route says otherwise. Every response carries these headers; a route may set its own
 * `Content-Security-Policy` or `Cache-Control` (photos, assets), which then wins.
 *
 * Not hono/secure-headers (4.13.19), which sets the same headers (given `overwrite: false` and
 * these values; Cache-Control it has not) on the response after the route, so @hono/node-server
 * turns the route's plain header object into a Headers and that into Node's: server CPU per HTTP
 * request +35 µs on /healthz (170 → 205), +20 µs on `/` (269 → 289), medians of 7 alternating
 * rounds of 20,000 keep-alive requests from a separate client process (Node 20.20,
 * @hono/node-server 2.1.8).
 */
export function securityHeaders(options: { production: boolean }) {
  const defaults: [string, string][] = [
    ['Content-Security-Policy', CONTENT_SECURITY_POLICY],
    ['Referrer-Policy', 'no-referrer'],
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Frame-Options', 'DENY'],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Permissions-Policy', 'camera=(self), geolocation=(self), microphone=(), payment=()'],
    ['Cache-Control', 'no-store'],
  ]
  if (options.production) defaults.push(['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'])
  return createMiddleware<AppEnv>((c, next) => withDefaultHeaders(c, defaults, next))
}

/**
 * Runs the rest of the request with `defaults` on its response, except those the route sets
 * itself. On Node they go on the underlying response before the route runs, where the route's
 * own headers override them when it is written, so a route's response is sent as it is instead
 * of being rebuilt to add them. Without Node underneath (app.request() in tests), they are added
 * to the response afterwards.
 */
export async function withDefaultHeaders(c: Context<AppEnv>, defaults: readonly (readonly [string, string])[], next: Next): Promise<void> {
  const nodeResponse = (c.env as Partial<HttpBindings> | undefined)?.outgoing
  if (nodeResponse) {
    for (const [name, value] of defaults) nodeResponse.setHeader(name, value)
    return next()
  }
  await next()
  for (const [name, value] of defaults) if (!c.res.headers.has(name)) c.res.headers.set(name, value)
}

/**
 * Bahasa Indonesia unless `?lang=en|jv|su` (remembered in a cookie) says otherwise.
 *
 * Not hono/language (4.13.19): its `caches: ['cookie']` writes the cookie again whenever a
 * language was found, from the cookie too, so once a visitor picked English every answer would
 * carry a Set-Cookie, the year-long `public, immutable` assets (a shared cache may keep it) and
 * the JSON API included (seen on /assets/app.css, /healthz and /api/v1/verify with it swapped in);
 * without `caches` it would not remember `?lang=` at all.
 */
export function chooseLanguage(c: Context<AppEnv>, options: { production: boolean }): void {
  const fromQuery = parseLang(c.req.query('lang'))
  const pageLang = fromQuery ?? parseLang(getCookie(c, langCookieName(options.production))) ?? 'id'
  if (fromQuery) {
    setCookie(c, langCookieName(options.production), fromQuery, { path: '/', maxAge: 365 * 24 * 3600, sameSite: 'Lax', httpOnly: true, secure: options.production })
  }
  // `lang` is what data labels, dates and staff screens are in; Basa Jawa and Basa Sunda are for household pages only.
  const lang = dataLang(pageLang)
  c.set('lang', lang)
  c.set('t', messagesFor(STAFF_PATH.test(c.req.path) ? lang : pageLang))
}

/** Staff screens (officer portal, console, 123 desk, sign-in) stay in Indonesian and English. */
const STAFF_PATH = /^\/(officer|admin|cso|login|logout)(\/|$)/

export type TrustProxy = (address: string, hop: number) => boolean

/** TRUSTED_PROXY compiled once; with no entries nothing is trusted and X-Forwarded-For is ignored. */
export function compileTrustedProxies(entries: readonly string[]): TrustProxy {
  if (entries.length === 0) return () => false
  return proxyAddr.compile([...entries])
}

/**
 * The client's address: the socket's peer, or, when that peer is a listed proxy, the first
 * address in X-Forwarded-For, read from the right, that is not a listed proxy. Anyone can send
 * the header, so it is believed only through proxies the operator named (proxy-addr, as Express).
 */
export function clientAddressOf(c: Context<AppEnv>, trust: TrustProxy): string | null {
  let socket: string | undefined
  try {
    socket = getConnInfo(c).remote.address
  } catch {
    // app.request() in tests has no socket.
    return null
  }
  if (!socket) return null
  const forwardedFor = c.req.header('x-forwarded-for')
  if (!forwardedFor || !trust(socket, 0)) return socket
  const chain = proxyAddr.all({ socket: { remoteAddress: socket }, headers: { 'x-forwarded-for': forwardedFor } } as unknown as IncomingMessage, trust)
  // A hop that is not an address (a proxy passing on junk) is not believed: its sender counts as the last proxy that spoke.
  for (let i = chain.length - 1; i >= 0; i--) if (ipaddr.isValid(chain[i]!)) return chain[i]!
  return socket
}

/** The same page in the other language, always on our own site; after a POST, the home page. */
export function langSwitchHref(c: Context<AppEnv>): string {
  const other = c.get('lang') === 'id' ? 'en' : 'id'
  if (c.req.method !== 'GET') return `/?lang=${other}`
  // "//host/x" or "/\\host/x" would leave our origin: the link is always one "/" and a path below it.
  const path = `/${new URL(c.req.url).pathname.replace(/^[/\\]+/, '')}`
  return `${path}?lang=${other}`
}

/**
 * The counter key of a client: an IPv4 address (also when written IPv4-mapped), or the /64 of
 * an IPv6 address, since one subscriber is handed a whole /64 and can pick any address in it.
 */
export function rateLimitKey(c: Context<AppEnv>): string {
  return clientGroupOf(c.get('clientAddress'))
}

export function clientGroupOf(address: string | null): string {
  if (!address || !ipaddr.isValid(address)) return address?.slice(0, 64) || 'unknown'
  const parsed = ipaddr.process(address)
  if (parsed.kind() === 'ipv4') return parsed.toString()
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16))
  return `${parts.join(':')}::/64`
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * A state-changing request that a browser sent from another origin, to be refused. Our pages
 * send no referrer, and with `Referrer-Policy: no-referrer` browsers send `Origin: null` on form
 * posts, so a null Origin defers to Sec-Fetch-Site. Clients that send neither header (old
 * browsers, machines) still meet the session's CSRF token or the login form's double-submit token.
 *
 * Not hono/csrf (4.13.19): it refuses a form post that carries neither Origin nor Sec-Fetch-Site
 * (its checks are never asked about a missing header) where we leave it to the token; swapped in,
 * the 6 tests of test/body-limits.test.ts that post a large body without either header got its
 * 403 instead of our 413. It also answers with its own plain "Forbidden" rather than our page.
 */
export function isCrossOriginWrite(c: Context<AppEnv>, publicUrl: string): boolean {
  if (SAFE_METHODS.has(c.req.method)) return false
  const origin = c.req.header('origin')
  if (origin && origin !== 'null') return origin !== publicUrl && origin !== new URL(c.req.url).origin
  const fetchSite = c.req.header('sec-fetch-site')
  return fetchSite ? fetchSite !== 'same-origin' : false
}

/** A path fit for logs: tokens and codes in it are replaced, never written out. */
export function redactPath(path: string): string {
  return path.replace(/^\/(v|c|api\/v1\/verify)\/.*/, '/$1/<redacted>').slice(0, 120)
}
