import { timingSafeEqual } from 'node:crypto'
import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from './env.ts'
import { renderError } from './errors.tsx'
import { validateSession, type AuthContext } from '../auth/sessions.ts'
import type { Role } from '../auth/users.ts'

/** `__Host-` pins a cookie to our origin over HTTPS; plain HTTP in development cannot use it. */
export function hostCookieName(name: string, production: boolean): string {
  return production ? `__Host-${name}` : name
}

export function sessionCookieName(production: boolean): string {
  return hostCookieName('cp_session', production)
}

export function cookieSecurity(production: boolean) {
  return { path: '/', httpOnly: true, sameSite: 'Lax' as const, secure: production }
}

/** The signed-in user of the session cookie, or null (households). */
export async function sessionOf(c: Context<AppEnv>): Promise<AuthContext | null> {
  const { db, clock, config } = c.get('services')
  const token = getCookie(c, sessionCookieName(config.production))
  return token ? validateSession(db, clock, token) : null
}

/** Only these roles pass; anyone signed out is sent to /login. */
export function requireRole(...roles: Role[]) {
  return createMiddleware<AppEnv>(async function requireRole(c, next) {
    const auth = c.get('auth')
    if (!auth) {
      if (c.req.header('hx-request') === 'true') {
        c.header('HX-Redirect', '/login')
        return c.body(null, 401)
      }
      return c.redirect('/login', 303)
    }
    if (!roles.includes(auth.user.role)) return renderError(c, 403)
    return next()
  })
}

/**
 * Every state change by a signed-in user carries the session's CSRF token, as the form field
 * `_csrf` or the `X-CSRF-Token` header; the Origin check runs before this for all writes.
 */
export const requireCsrfToken = createMiddleware<AppEnv>(async function requireCsrfToken(c, next) {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
  const auth = c.get('auth')
  const given = c.req.header('x-csrf-token') ?? (await formField(c, '_csrf'))
  if (!auth || !given || !safeEqual(given, auth.csrfToken)) return renderError(c, 403)
  return next()
})

async function formField(c: Context<AppEnv>, name: string): Promise<string | null> {
  const type = c.req.header('content-type') ?? ''
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) return null
  const body = await c.req.parseBody()
  const value = body[name]
  return typeof value === 'string' ? value : null
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}
