import { randomBytes } from 'node:crypto'
import { INLINE_STYLESHEET } from './assets.ts'
import { renderError } from './errors.tsx'
import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import { LANG_COOKIE, messagesFor, parseLang } from '../i18n/index.ts'
import type { AppEnv } from './env.ts'

const REQUEST_ID_PREFIX = randomBytes(3).toString('hex')
let requestCounter = 0

/** A short id to find one request's log line from what the user saw (unique per process run). */
export const requestId = createMiddleware<AppEnv>(async function requestId(c, next) {
  c.set('requestId', `${REQUEST_ID_PREFIX}-${(++requestCounter).toString(36)}`)
  await next()
})

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

/** DESIGN §7: strict CSP, no framing, no referrer (verdict URLs carry a token). */
export function securityHeaders(options: { production: boolean }) {
  return createMiddleware<AppEnv>(async function securityHeaders(c, next) {
    await next()
    const headers = c.res.headers
    if (!headers.has('Content-Security-Policy')) headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY)
    headers.set('Referrer-Policy', 'no-referrer')
    headers.set('X-Content-Type-Options', 'nosniff')
    headers.set('X-Frame-Options', 'DENY')
    headers.set('Cross-Origin-Opener-Policy', 'same-origin')
    headers.set('Cross-Origin-Resource-Policy', 'same-origin')
    headers.set('Permissions-Policy', 'camera=(self), geolocation=(self), microphone=(), payment=()')
    if (options.production) headers.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains')
    if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store')
  })
}

/** Bahasa Indonesia unless `?lang=en` (remembered in a cookie) says otherwise. */
export function language(options: { production: boolean }) {
  return createMiddleware<AppEnv>(async function language(c, next) {
    const fromQuery = parseLang(c.req.query('lang'))
    const lang = fromQuery ?? parseLang(getCookie(c, LANG_COOKIE)) ?? 'id'
    if (fromQuery) {
      setCookie(c, LANG_COOKIE, fromQuery, { path: '/', maxAge: 365 * 24 * 3600, sameSite: 'Lax', httpOnly: true, secure: options.production })
    }
    c.set('lang', lang)
    c.set('t', messagesFor(lang))
    await next()
  })
}

/** The socket's address. Forwarded headers are not trusted: anyone can send them. */
export const clientAddress = createMiddleware<AppEnv>(async function clientAddress(c, next) {
  let address: string | null = null
  try {
    address = getConnInfo(c).remote.address ?? null
  } catch {
    // app.request() in tests has no socket.
  }
  c.set('clientAddress', address)
  await next()
})

/** The same page in the other language; after a POST, the home page. */
export function langSwitchHref(c: Context<AppEnv>): string {
  const other = c.get('lang') === 'id' ? 'en' : 'id'
  const path = c.req.method === 'GET' ? c.req.path : '/'
  return `${path}?lang=${other}`
}

export function rateLimitKey(c: Context<AppEnv>): string {
  return c.get('clientAddress') ?? 'unknown'
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Refuses state-changing requests that a browser sent from another origin. Our pages send no
 * referrer, and with `Referrer-Policy: no-referrer` browsers send `Origin: null` on form posts,
 * so a null Origin defers to Sec-Fetch-Site. Clients that send neither header (old browsers,
 * machines) still meet the session's CSRF token or the login form's double-submit token.
 */
export function sameOriginWrites(options: { publicUrl: string }) {
  return createMiddleware<AppEnv>(async function sameOriginWrites(c, next) {
    if (SAFE_METHODS.has(c.req.method)) return next()
    const origin = c.req.header('origin')
    const fetchSite = c.req.header('sec-fetch-site')
    let ok: boolean
    if (origin && origin !== 'null') ok = origin === options.publicUrl || origin === new URL(c.req.url).origin
    else if (fetchSite) ok = fetchSite === 'same-origin'
    else ok = true
    if (!ok) return renderError(c, 403)
    return next()
  })
}

/** A path fit for logs: tokens and codes in it are replaced, never written out. */
export function redactPath(path: string): string {
  return path.replace(/^\/(v|c|api\/v1\/verify)\/.*/, '/$1/<redacted>').slice(0, 120)
}
