import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { recordAudit } from '../audit/audit.ts'
import { fill } from '../i18n/index.ts'
import type { AppEnv } from '../http/env.ts'
import { renderError } from '../http/errors.tsx'
import { langSwitchHref, rateLimitKey } from '../http/middleware.ts'
import { LoginPage } from '../../views/login.tsx'
import { cookieSecurity, requireCsrfToken, safeEqual, sessionCookieName } from './middleware.ts'
import { verifyAgainstDummy, verifyPassword } from './passwords.ts'
import { createSession, invalidateSession } from './sessions.ts'
import { findUserByUsername, normalizeUsername } from './users.ts'
import { secureRandomBytes } from '../credentials/random.ts'

const LOGIN_FORM_COOKIE = 'cp_login_form'
const DEVICE_COOKIE = 'cp_device'
const PORTAL_HOME = '/officer'
const ADMIN_HOME = '/admin'

/** /login and /logout. */
export function authRoutes() {
  const app = new Hono<AppEnv>()

  app.get('/login', (c) => {
    const auth = c.get('auth')
    if (auth) return c.redirect(auth.user.role === 'admin' ? ADMIN_HOME : PORTAL_HOME, 303)
    return renderLogin(c, { username: '', error: null, notice: c.req.query('out') === '1' ? c.get('t').login.loggedOut : null })
  })

  app.post('/login', bodyLimit({ maxSize: 8 * 1024, onError: (c) => renderError(c as Context<AppEnv>, 413) }), async (c) => {
    const t = c.get('t')
    const { db, clock, config } = c.get('services')
    const form = await c.req.parseBody()
    const username = normalizeUsername(typeof form.username === 'string' ? form.username : '').slice(0, 64)
    const password = typeof form.password === 'string' ? form.password : ''
    // Double-submit token: a login form posted from elsewhere cannot know the cookie.
    const formToken = getCookie(c, LOGIN_FORM_COOKIE)
    if (!formToken || typeof form._form !== 'string' || !safeEqual(formToken, form._form)) {
      return renderLogin(c, { username, error: t.login.expired, notice: null }, 403)
    }
    const throttle = c.get('loginThrottle')
    const deviceCookie = getCookie(c, DEVICE_COOKIE) ?? null
    const now = clock.now()
    const wait = throttle.blockedFor({ clientKey: rateLimitKey(c), username, deviceCookie }, now)
    if (wait) {
      c.header('Retry-After', String(wait))
      return renderLogin(c, { username, error: fill(t.login.throttled, { minutes: String(Math.ceil(wait / 60)) }), notice: null }, 429)
    }
    const user = username ? findUserByUsername(db, username) : null
    const ok = user && user.disabledAt === null ? await verifyPassword(user.passwordHash, password) : await verifyAgainstDummy(password)
    if (!ok || !user) {
      throttle.recordFailure({ username, deviceCookie }, now)
      recordAudit(db, clock, { actor: username || '(empty)', action: 'login.failed', subject: `user:${username}`, details: { known: user !== null } })
      return renderLogin(c, { username, error: t.login.failed, notice: null }, 401)
    }
    // A fresh session id at every login: a cookie planted before login is worthless after it.
    const oldToken = getCookie(c, sessionCookieName(config.production))
    if (oldToken) deleteCookie(c, sessionCookieName(config.production), cookieSecurity(config.production))
    const session = createSession(db, clock, user.id)
    recordAudit(db, clock, { actor: user.username, action: 'login.succeeded', subject: `user:${user.username}` })
    setCookie(c, sessionCookieName(config.production), session.token, cookieSecurity(config.production))
    setCookie(c, DEVICE_COOKIE, throttle.issueDeviceCookie(user.username), { ...cookieSecurity(config.production), maxAge: 365 * 24 * 3600 })
    deleteCookie(c, LOGIN_FORM_COOKIE, cookieSecurity(config.production))
    return c.redirect(user.role === 'admin' ? ADMIN_HOME : PORTAL_HOME, 303)
  })

  app.post('/logout', requireCsrfToken, (c) => {
    const auth = c.get('auth')
    const { db, config } = c.get('services')
    if (auth) {
      invalidateSession(db, auth.sessionIdHash)
      recordAudit(db, c.get('services').clock, { actor: auth.user.username, action: 'logout', subject: `user:${auth.user.username}` })
    }
    deleteCookie(c, sessionCookieName(config.production), cookieSecurity(config.production))
    return c.redirect('/login?out=1', 303)
  })

  return app
}

function renderLogin(c: Context<AppEnv>, props: { username: string; error: string | null; notice: string | null }, status: 200 | 401 | 403 | 429 = 200) {
  const { config } = c.get('services')
  const formToken = secureRandomBytes(18).toString('base64url')
  setCookie(c, LOGIN_FORM_COOKIE, formToken, { ...cookieSecurity(config.production), maxAge: 3600 })
  return c.html(<LoginPage t={c.get('t')} langSwitchHref={langSwitchHref(c)} formToken={formToken} {...props} />, status)
}
