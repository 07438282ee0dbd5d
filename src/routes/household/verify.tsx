import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import { z } from 'zod'
import { normalizeShortCode } from '../../credentials/short-code.ts'
import { findOfficerPhoto } from '../../officers/officers.ts'
import { verdictJson } from '../../verification/json.ts'
import { asset } from '../../../views/assets.ts'
import type { AppEnv } from '../../http/env.ts'
import { renderError } from '../../http/errors.tsx'
import { formText, optionalFormText, validForm } from '../../http/validate.ts'
import { langSwitchHref, rateLimitKey } from '../../http/middleware.ts'
import { fillCount, type Messages } from '../../i18n/index.ts'
import { HomePage } from '../../../views/home.tsx'
import { ScanPage } from '../../../views/scan.tsx'
import { VerdictPage } from '../../../views/verdict.tsx'
import { customerHasVisitPassword } from '../../households/visit-passwords.ts'
import { countCustomerMismatch, customerCheckBlockedFor, isSentToCustomer, normalizeCustomerId } from '../../verification/customer-check.ts'
import { presentUnavailable, presentVerdict, type CustomerAnswer, type VerdictContext } from '../../verification/present.ts'
import { VerificationUnavailableError, type CredentialInput, type ScanContext, type VerificationResult } from '../../verification/verify.ts'

/** The credential asked about is the token when one was sent, else the short code. */
const CustomerCheckForm = z.object({ token: optionalFormText, code: formText, customerId: formText })

/** The household side: home, verdict pages, the customer check, the JSON verdict API. */
export function householdRoutes() {
  const app = new Hono<AppEnv>()
  // Scoped paths: a sub-app's '*' middleware would apply to every route of the parent app.
  for (const path of ['/', '/scan', '/c', '/c/*', '/v', '/v/*', '/check-customer', '/api/v1/verify', '/api/v1/verify/*']) app.use(path, householdRateLimit)

  app.get('/', (c) => renderHome(c, null, ''))

  app.get('/scan', (c) => renderScan(c, null, ''))

  // A code that cannot be one is answered where it was typed, beside the field; a code of the
  // right shape goes to its verdict, which for an unknown code offers to retype it.
  app.get('/c', (c) => {
    const typed = (c.req.query('code') ?? '').slice(0, 32)
    const code = normalizeShortCode(typed)
    if (code) return c.redirect(`/c/${code}`, 303)
    const error = codeProblem(c.get('t'), typed)
    return c.req.query('from') === 'scan' ? renderScan(c, error, typed, 400) : renderHome(c, error, typed, 400)
  })

  app.get('/c/:code', (c) => {
    const rateLimits = c.get('rateLimits')
    return respondWithVerdict(c, { code: c.req.param('code') }, 'page', async (result) => {
      // Only a code that names nothing is a failure. Past its address's limit such a code gets
      // 429 while an existing one is still answered, so a household behind a busy carrier NAT
      // always sees its officer. That tells an over-limit guesser which codes exist, as the
      // verdict does below the limit; it buys him nothing: a code has 40 random bits, so with
      // even 10^5 live codes a guess hits about once in 10^7, and the flood limit keeps one
      // address under 600 guesses a minute (a /64 for IPv6, so a subscriber cannot hop).
      if (!rateLimits.enabled || result.credentialId !== null) return null
      return rateLimits.badCodesPerClient.consume(rateLimitKey(c), c.get('services').clock.now())
    })
  })

  app.get('/v', (c) => respondWithVerdict(c, { token: '' }, 'page'))
  app.get('/v/*', (c) => respondWithVerdict(c, { token: tokenFromPath(c, '/v/') }, 'page'))

  const limitCheckBody = bodyLimit({ maxSize: 8 * 1024, onError: (c) => renderError(c as Context<AppEnv>, 413) })
  app.post('/check-customer', limitCheckBody, validForm(CustomerCheckForm), async (c) => {
    const form = c.req.valid('form')
    const field = form.token !== null ? 'token' : 'code'
    const value = form.token ?? form.code
    const { customerId } = form
    const input: CredentialInput = field === 'token' ? { token: value } : { code: value }
    const t = c.get('t')
    const rateLimits = c.get('rateLimits')
    const now = c.get('services').clock.now()

    let result: VerificationResult
    try {
      result = await c.get('verifier').verify(input, scanContext(c, 'page'))
    } catch (error) {
      return renderUnavailable(c, error)
    }
    let answer: CustomerAnswer | null = null
    let retryAfter: number | null = null
    if (result.verdict === 'valid' && result.credentialId) {
      const limiters = rateLimits.enabled
        ? { perClientAndCredential: rateLimits.customerMismatchesPerClientAndCredential, perCredential: rateLimits.customerMismatchesPerCredential }
        : null
      const limits = { limiters, client: rateLimitKey(c), credentialId: result.credentialId, now }
      const normalized = normalizeCustomerId(customerId)
      retryAfter = await customerCheckBlockedFor(limits)
      if (retryAfter) answer = { matches: false, problem: 'too_many', text: fillCount(t.verdict.customerTooMany, Math.ceil(retryAfter / 60)) }
      else if (!normalized) answer = { matches: false, problem: 'invalid', text: t.verdict.customerInvalid }
      else {
        const matches = await isSentToCustomer(c.get('services'), result.credentialId, normalized)
        if (!matches) await countCustomerMismatch(limits)
        const yes = result.kind === 'badge' ? t.verdict.badgeAssigned : t.verdict.customerMatch
        const no = result.kind === 'badge' ? t.verdict.badgeNotAssigned : t.verdict.customerMismatch
        answer = { matches, text: matches ? yes : no }
        if (matches && (await customerHasVisitPassword(c.get('services'), normalized))) {
          answer.visitPasswordAsk = { text: t.visitPassword.householdAsk, hint: t.visitPassword.householdHint }
        }
      }
    }
    // Refused questions still show the verdict: the household keeps seeing who the officer is.
    const status = retryAfter ? 429 : 200
    if (retryAfter) c.header('Retry-After', String(retryAfter))
    const view = presentVerdict(result, t, c.get('lang'), { field, value }, verdictContext(c), answer)
    return c.html(<VerdictPage t={t} langSwitchHref={langSwitchHref(c)} view={view} />, status)
  })

  app.get('/api/v1/verify', (c) => c.json({ error: 'A token is required: GET /api/v1/verify/<token>' }, 400))
  app.get('/api/v1/verify/*', async (c) => {
    const token = tokenFromPath(c, '/api/v1/verify/')
    let result: VerificationResult
    try {
      result = await c.get('verifier').verify({ token }, scanContext(c, 'api'))
    } catch (error) {
      logUnavailable(c, error)
      return c.json({ error: 'unavailable', message: 'The verdict cannot be checked right now; do not treat this visitor as genuine.' }, 503)
    }
    return c.json(verdictJson(result, c.get('lang')))
  })

  app.get('/photos/:id', async (c) => {
    const photo = await findOfficerPhoto(c.get('services').db, c.req.param('id'))
    if (!photo) return renderError(c, 404)
    c.header('Content-Type', photo.contentType)
    c.header('Cache-Control', 'public, max-age=31536000, immutable')
    // An uploaded file must never run as a document on our origin.
    c.header('Content-Security-Policy', "default-src 'none'; sandbox")
    return c.body(new Uint8Array(photo.bytes))
  })

  return app
}

/** The flood bound of every household request, per client address. */
export const householdRateLimit = createMiddleware<AppEnv>(async function householdRateLimit(c, next) {
  const rateLimits = c.get('rateLimits')
  if (rateLimits.enabled) {
    const retryAfter = await rateLimits.householdPerClient.consume(rateLimitKey(c), c.get('services').clock.now())
    if (retryAfter) return renderError(c, 429, { retryAfter })
  }
  return next()
})

/** What is wrong with a typed code that cannot be one, in the page's language. */
function codeProblem(t: Messages, typed: string): string {
  const cleaned = typed.replace(/[\s-]/g, '')
  if (!cleaned) return t.home.codeEmpty
  if (cleaned.length !== 8) return fillCount(t.home.codeWrongLength, cleaned.length)
  return t.home.codeInvalid
}

function verdictContext(c: Context<AppEnv>): VerdictContext {
  const services = c.get('services')
  return { now: services.clock.now(), publicUrl: services.config.publicUrl }
}

function renderScan(c: Context<AppEnv>, codeError: string | null, codeValue: string, status: 200 | 400 = 200) {
  return c.html(
    <ScanPage
      t={c.get('t')}
      langSwitchHref={langSwitchHref(c)}
      origin={c.get('services').config.publicUrl}
      decoderSrc={asset('vendor/jsQR.js')}
      codeError={codeError}
      codeValue={codeValue}
    />,
    status,
  )
}

function renderHome(c: Context<AppEnv>, codeError: string | null, codeValue: string, status: 200 | 400 = 200) {
  const t = c.get('t')
  return c.html(
    <HomePage t={t} langSwitchHref={langSwitchHref(c)} publicUrl={c.get('services').config.publicUrl} codeError={codeError} codeValue={codeValue} />,
    status,
  )
}

async function respondWithVerdict(
  c: Context<AppEnv>,
  input: CredentialInput,
  via: ScanContext['via'],
  /** Seconds the client must wait instead of seeing this verdict, or null to show it. */
  retryAfterFor?: (result: VerificationResult) => Promise<number | null>,
) {
  let result: VerificationResult
  try {
    result = await c.get('verifier').verify(input, scanContext(c, 'code' in input ? 'code' : via))
  } catch (error) {
    return renderUnavailable(c, error)
  }
  const retryAfter = (await retryAfterFor?.(result)) ?? null
  if (retryAfter) return renderError(c, 429, { retryAfter })
  const t = c.get('t')
  const field = 'token' in input ? 'token' : 'code'
  const value = 'token' in input ? input.token : input.code
  const view = presentVerdict(result, t, c.get('lang'), { field, value }, verdictContext(c))
  return c.html(<VerdictPage t={t} langSwitchHref={langSwitchHref(c)} view={view} />)
}

function renderUnavailable(c: Context<AppEnv>, error: unknown) {
  logUnavailable(c, error)
  const t = c.get('t')
  const view = presentUnavailable(t, c.get('lang'), verdictContext(c))
  return c.html(<VerdictPage t={t} langSwitchHref={langSwitchHref(c)} view={view} />, 503)
}

function logUnavailable(c: Context<AppEnv>, error: unknown) {
  if (!(error instanceof VerificationUnavailableError)) throw error
  // The cause with its stack: this is the one place such a fault is logged. For a failed
  // statement that is the driver's own error; drizzle's wrapper around it adds the statement.
  const prefix = `[${c.get('requestId')}] verification unavailable:`
  const cause = error.cause ?? error
  if (cause instanceof Error && cause.cause instanceof Error) console.error(prefix, cause.cause, `\nin ${cause.message}`)
  else console.error(prefix, cause)
}

function scanContext(c: Context<AppEnv>, via: ScanContext['via']): ScanContext {
  return { via, clientAddress: c.get('clientAddress') }
}

/** The raw remainder of the path, percent-decoded once; anything odd fails the shape check later. */
function tokenFromPath(c: Context<AppEnv>, prefix: string): string {
  const raw = c.req.path.slice(prefix.length)
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}
