import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import { requestId } from 'hono/request-id'
import { sql } from 'drizzle-orm'
import { driverError, type Db } from '../db/client.ts'
import type { Clock, Config } from './config.ts'
import { MemoryCounters } from './counters/memory.ts'
import type { CounterStore } from './counters/store.ts'
import { compressText } from './http/compress.ts'
import { PUBLIC_DIR } from '../views/assets.ts'
import type { AppEnv } from './http/env.ts'
import { isMalformedFormBody, renderError } from './http/errors.tsx'
import { limitRequestBodies } from './http/body-limit.ts'
import { chooseLanguage, clientAddressOf, compileTrustedProxies, isCrossOriginWrite, nextRequestId, redactPath, securityHeaders } from './http/middleware.ts'
import { MAX_IMPORT_BYTES } from './officers/csv-import.ts'
import { MAX_PHOTO_BYTES } from './officers/photos.ts'
import { createRateLimits } from './http/rate-limit.ts'
import { adminRoutes } from './routes/admin/index.tsx'
import { deskRoutes } from './routes/cso/desk.tsx'
import { authRoutes } from './routes/sign-in.tsx'
import { auditRoutes } from './routes/audit.ts'
import { sessionOf } from './http/access.ts'
import { LoginThrottle } from './auth/throttle.ts'
import { createServices, type Services } from './services.ts'
import { LiveQrCache } from './passes/live-qr.ts'
import { officerPortalRoutes } from './routes/officer/portal.tsx'
import { officerDoorRoutes } from './routes/officer/door.tsx'
import { householdDoorRoutes } from './routes/household/door.tsx'
import { reportRoutes } from './routes/household/reports.tsx'
import { householdRoutes } from './routes/household/verify.tsx'
import { installedAppRoutes } from './routes/household/app.tsx'
import { privacyRoutes } from './routes/household/privacy.tsx'
import { statusListRoutes } from './routes/household/status.ts'
import { StatusListPublisher } from './passes/status-lists.ts'
import { channel123EventRoutes } from './routes/cso/events.ts'
import { csoApiRoutes } from './routes/cso/api.ts'
import { Verifier } from './verification/verify.ts'

export interface AppDeps {
  db: Db
  config: Config
  clock: Clock
  /** Rate limits and recent places; shared by the server's worker processes. In memory if absent. */
  counters?: CounterStore
}

/** Builds the whole web app from injected parts; src/server.ts is the only place that listens. */
export function createApp(deps: AppDeps): { app: Hono<AppEnv>; services: Services; verifier: Verifier } {
  const services = createServices(deps)
  const counters = deps.counters ?? new MemoryCounters()
  const verifier = new Verifier(services, counters)
  const rateLimits = createRateLimits(deps.config.rateLimit, counters)
  const loginThrottle = new LoginThrottle(services.secrets.deviceCookieKey, deps.config.rateLimit, counters)
  const trustedProxies = compileTrustedProxies(deps.config.trustedProxies)
  const app = new Hono<AppEnv>()

  app.use('*', securityHeaders({ production: deps.config.production }))
  app.use('*', compressText())
  // No header name: an X-Request-Id sent by the client is never taken, nor one sent back (see nextRequestId).
  app.use('*', requestId({ headerName: '', generator: nextRequestId }))
  app.use('*', async function requestContext(c, next) {
    c.set('services', services)
    c.set('verifier', verifier)
    c.set('rateLimits', rateLimits)
    c.set('loginThrottle', loginThrottle)
    c.set('clientAddress', clientAddressOf(c, trustedProxies))
    chooseLanguage(c, { production: deps.config.production })
    // Refused before the session is even looked at.
    if (isCrossOriginWrite(c, deps.config.publicUrl)) return renderError(c, 403)
    c.set('auth', await sessionOf(c))
    return next()
  })
  // Before any route, so nothing reads a body (a form, the CSRF field) that has not been bounded.
  app.use(
    '*',
    limitRequestBodies([
      { path: /^\/admin\/officers\/[^/]+\/photo$/, maxSize: MAX_PHOTO_BYTES + 64 * 1024 },
      { path: /^\/admin\/officers\/import/, maxSize: 4 * MAX_IMPORT_BYTES },
    ]),
  )

  app.use('/assets/*', async (c, next) => {
    await next()
    // Asset URLs carry a content hash (see asset()), so they never change under a browser.
    if (c.res.status === 200) c.res.headers.set('Cache-Control', 'public, max-age=31536000, immutable')
  })
  app.use('/assets/*', serveStatic({ root: PUBLIC_DIR, rewriteRequestPath: (path) => path.replace(/^\/assets/, '') }))

  app.get('/healthz', async (c) => {
    try {
      await services.db.rows(sql`select 1`)
      return c.json({ ok: true })
    } catch {
      return c.json({ ok: false }, 503)
    }
  })

  app.get('/.well-known/jwks.json', async (c) => {
    c.header('Cache-Control', 'no-cache')
    c.header('Access-Control-Allow-Origin', '*')
    return c.json(await services.keys.publicKeySet())
  })

  app.route('/', householdRoutes())
  app.route('/', reportRoutes())
  app.route('/', householdDoorRoutes())
  app.route('/', installedAppRoutes())
  app.route('/', privacyRoutes())
  app.route('/', statusListRoutes(new StatusListPublisher(services)))
  app.route('/', auditRoutes())
  app.route('/', authRoutes())
  app.route('/', channel123EventRoutes())
  app.route('/', csoApiRoutes())
  // Before the portal, whose guard on /officer/* would send a signed-out officer to /login without the door code.
  app.route('/officer', officerDoorRoutes())
  app.route('/officer', officerPortalRoutes(new LiveQrCache(services)))
  app.route('/admin', adminRoutes())
  app.route('/cso', deskRoutes())

  app.notFound((c) => renderError(c, 404))
  app.onError((error, c) => {
    if (isMalformedFormBody(c, error)) return renderError(c, 400)
    // A failed statement's wrapper carries the statement's parameters, which may be a household's words.
    console.error(`[${c.get('requestId')}] ${c.req.method} ${redactPath(c.req.path)}:`, driverError(error))
    return renderError(c, 500)
  })

  return { app, services, verifier }
}
