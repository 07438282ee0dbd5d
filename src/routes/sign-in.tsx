import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import { recordAudit, type AuditEntry } from '../audit/audit.ts'
import { fillCount } from '../i18n/index.ts'
import type { AppEnv } from '../http/env.ts'
import { renderError } from '../http/errors.tsx'
import { formText, optionalFormText, validForm } from '../http/validate.ts'
import { langSwitchHref, rateLimitKey } from '../http/middleware.ts'
import { LoginPage } from '../../views/login.tsx'
import { keyedHash } from '../credentials/secrets.ts'
import { cookieSecurity, hostCookieName, requireCsrfToken, safeEqual, sessionCookieName } from '../http/access.ts'
import { verifyAgainstDummy, verifyPassword } from '../auth/passwords.ts'
import { createSession, invalidateSession, invalidateSessionOfToken } from '../auth/sessions.ts'
import { findUserByUsername, normalizeUsername, type Role } from '../auth/users.ts'
import { randomBytes } from 'node:crypto'
import { z } from 'zod'

/**
 * Where a sign-in may return to: a page of the portal or the console on this site (the door check
 * sends an officer here with its code). Anything else — another site, a scheme, a backslash — is
 * ignored and the user lands on their home page.
 */
const RETURN_PATH = /^\/(?:officer|admin|cso)(?:\/[A-Za-z0-9_-]+)*(?:\?[A-Za-z0-9_=&-]{0,200})?$/
const returnPath = (value: string | null | undefined): string | null => (value && RETURN_PATH.test(value) ? value : null)

const LoginForm = z.object({
  username: formText.transform((value) => normalizeUsername(value).slice(0, 64)),
  password: formText,
  _form: optionalFormText,
  next: optionalFormText.transform(returnPath),
})

const LOGIN_FORM_COOKIE = 'cp_login_form'
const DEVICE_COOKIE = 'cp_device'
const PORTAL_HOME = '/officer'
const ADMIN_HOME = '/admin'
const DESK_HOME = '/cso'

/** Where a role lands after signing in: officers on their portal, 123 agents at the desk, supervisors and admins on the console. */
const HOME_OF: Record<Role, string> = { officer: PORTAL_HOME, cso: DESK_HOME, supervisor: ADMIN_HOME, admin: ADMIN_HOME }

/** A checked return path is followed only into an area the role may enter (officers never reach the console, agents only the desk). */
function landingOf(role: Role, next: string | null): string {
  if (!next) return HOME_OF[role]
  if (role === 'officer') return next.startsWith(PORTAL_HOME) ? next : PORTAL_HOME
  if (role === 'cso') return next.startsWith(DESK_HOME) ? next : DESK_HOME
  return next
}

/** /login and /logout. */
export function authRoutes() {
  const app = new Hono<AppEnv>()

  app.get('/login', (c) => {
    const auth = c.get('auth')
    if (auth) return c.redirect(HOME_OF[auth.user.role], 303)
    return renderLogin(c, { username: '', error: null, notice: c.req.query('out') === '1' ? c.get('t').login.loggedOut : null, next: returnPath(c.req.query('next')) })
  })

  app.post('/login', bodyLimit({ maxSize: 8 * 1024, onError: (c) => renderError(c as Context<AppEnv>, 413) }), validForm(LoginForm), async (c) => {
    const t = c.get('t')
    const { db, clock, config } = c.get('services')
    const { username, password, next, ...form } = c.req.valid('form')
    // Double-submit token: a login form posted from elsewhere cannot know the cookie.
    const formToken = getCookie(c, hostCookieName(LOGIN_FORM_COOKIE, config.production))
    if (!formToken || form._form === null || !safeEqual(formToken, form._form)) {
      return renderLogin(c, { username, error: t.login.expired, notice: null, next }, 403)
    }
    const throttle = c.get('loginThrottle')
    const deviceCookie = getCookie(c, hostCookieName(DEVICE_COOKIE, config.production)) ?? null
    const now = clock.now()
    const wait = await throttle.blockedFor({ clientKey: rateLimitKey(c), username, deviceCookie }, now)
    if (wait) {
      c.header('Retry-After', String(wait))
      return renderLogin(c, { username, error: fillCount(t.login.throttled, Math.ceil(wait / 60)), notice: null, next }, 429)
    }
    const user = username ? await findUserByUsername(db, username) : null
    const ok = user && user.disabledAt === null ? await verifyPassword(user.passwordHash, password, { userId: user.id }) : await verifyAgainstDummy(password)
    if (!ok || !user) {
      await throttle.recordFailure({ username, deviceCookie }, now)
      await recordAudit(db, clock, failedLoginEntry(user?.username ?? null, username, c.get('services').secrets.usernameHashKey))
      return renderLogin(c, { username, error: t.login.failed, notice: null, next }, 401)
    }
    // A fresh session id at every login: a session planted or left before it ends on the server too.
    const oldToken = getCookie(c, sessionCookieName(config.production))
    if (oldToken) await invalidateSessionOfToken(db, oldToken)
    const session = await createSession(db, clock, user.id)
    await recordAudit(db, clock, { actor: user.username, action: 'login.succeeded', subject: `user:${user.username}` })
    setCookie(c, sessionCookieName(config.production), session.token, cookieSecurity(config.production))
    setCookie(c, hostCookieName(DEVICE_COOKIE, config.production), throttle.issueDeviceCookie(user.username), { ...cookieSecurity(config.production), maxAge: 365 * 24 * 3600 })
    deleteCookie(c, hostCookieName(LOGIN_FORM_COOKIE, config.production), cookieSecurity(config.production))
    return c.redirect(landingOf(user.role, next), 303)
  })

  app.post('/logout', endedSessionLogout, requireCsrfToken, async (c) => {
    const auth = c.get('auth')
    const { db, config } = c.get('services')
    if (auth) {
      await invalidateSession(db, auth.sessionIdHash)
      await recordAudit(db, c.get('services').clock, { actor: auth.user.username, action: 'logout', subject: `user:${auth.user.username}` })
    }
    deleteCookie(c, sessionCookieName(config.production), cookieSecurity(config.production))
    return c.redirect('/login?out=1', 303)
  })

  return app
}

/**
 * A tab whose session already ended (idle, expired, signed out elsewhere) has nothing left to
 * protect: its logout clears the cookie and goes to the login page instead of failing the CSRF check.
 */
const endedSessionLogout = createMiddleware<AppEnv>(async function endedSessionLogout(c, next) {
  if (c.get('auth')) return next()
  const { config } = c.get('services')
  deleteCookie(c, sessionCookieName(config.production), cookieSecurity(config.production))
  return c.redirect('/login', 303)
})

/**
 * The audit entry of a failed login. A typed name that is no user may be a password typed into
 * the wrong box, so it is kept only as a keyed hash: repeated guesses still show as one pattern.
 */
function failedLoginEntry(knownUsername: string | null, typed: string, hashKey: Buffer): AuditEntry {
  if (knownUsername) return { actor: knownUsername, action: 'login.failed', subject: `user:${knownUsername}`, details: { known: true } }
  return { actor: 'unknown user', action: 'login.failed', subject: 'user:(unknown)', details: { known: false, usernameHmac: typed ? keyedHash(hashKey, typed) : null } }
}

function renderLogin(c: Context<AppEnv>, props: { username: string; error: string | null; notice: string | null; next?: string | null }, status: 200 | 401 | 403 | 429 = 200) {
  const { config } = c.get('services')
  const formToken = randomBytes(18).toString('base64url')
  setCookie(c, hostCookieName(LOGIN_FORM_COOKIE, config.production), formToken, { ...cookieSecurity(config.production), maxAge: 3600 })
  return c.html(<LoginPage t={c.get('t')} langSwitchHref={langSwitchHref(c)} formToken={formToken} {...props} next={props.next ?? null} />, status)
}
