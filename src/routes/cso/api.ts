import { Hono, type Context } from 'hono'
import { authenticateApiKey, type ApiKeySummary } from '../../desk/api-keys.ts'
import { deskAnswerJson } from '../../desk/json.ts'
import { lookUp, MAX_QUERY_LENGTH, type DeskAgent, type DeskOutcome } from '../../desk/lookup.ts'
import type { AppEnv } from '../../http/env.ts'
import { VerificationUnavailableError } from '../../verification/verify.ts'

type Problem = 'unauthorized' | 'missing_query' | 'query_too_long' | 'rate_limited' | 'unavailable'

const BEARER = /^Bearer +(\S{1,200})$/i

/**
 * GET /api/v1/cso/lookup?q=…: the CRM's screen-pop (DESIGN §11, docs/channel-123.md). Only an
 * API key in `Authorization: Bearer` opens it: a staff session cookie does not (a CRM page open
 * in an agent's browser must not ride on the console's session), and no CORS header is sent, so
 * no other origin's script can read an answer. Each key is limited and audited as `apikey:<id>`.
 */
export function csoApiRoutes() {
  const app = new Hono<AppEnv>()

  app.get('/api/v1/cso/lookup', async (c) => {
    c.header('Cache-Control', 'no-store')
    const key = await bearerKey(c)
    if (!key) {
      c.header('WWW-Authenticate', 'Bearer realm="cek-petugas"')
      return refuse(c, 'unauthorized', 401)
    }
    const q = c.req.query('q') ?? ''
    if (q.trim() === '') return refuse(c, 'missing_query', 400)
    if (q.length > MAX_QUERY_LENGTH) return refuse(c, 'query_too_long', 400)
    let outcome: DeskOutcome
    try {
      outcome = await lookUp(c.get('services'), c.get('verifier'), apiKeyAgent(c, key), q)
    } catch (error) {
      if (!(error instanceof VerificationUnavailableError)) throw error
      console.error(`[${c.get('requestId')}] desk lookup unavailable:`, error.cause ?? error)
      return refuse(c, 'unavailable', 503)
    }
    if (!outcome.ok) {
      c.header('Retry-After', String(outcome.retryAfterSeconds))
      return c.json({ error: 'rate_limited', message: c.get('t').deskApi.problems.rate_limited, retryAfter: outcome.retryAfterSeconds }, 429)
    }
    return c.json(deskAnswerJson(outcome.answer, c.get('lang')))
  })

  return app
}

async function bearerKey(c: Context<AppEnv>): Promise<ApiKeySummary | null> {
  const bearer = BEARER.exec(c.req.header('authorization') ?? '')?.[1]
  if (!bearer) return null
  const { db, clock } = c.get('services')
  const key = await authenticateApiKey(db, clock, bearer)
  return key?.scope === 'cso' ? key : null
}

/** A key serves a whole contact centre: its own, higher limits (src/http/rate-limit.ts). */
function apiKeyAgent(c: Context<AppEnv>, key: ApiKeySummary): DeskAgent {
  const rateLimits = c.get('rateLimits')
  return {
    actor: `apikey:${key.id}`,
    limits: rateLimits.enabled ? { lookups: [rateLimits.deskLookupsPerApiKey], customerLookups: [rateLimits.deskCustomerLookupsPerApiKey] } : null,
  }
}

function refuse(c: Context<AppEnv>, problem: Problem, status: 400 | 401 | 503) {
  return c.json({ error: problem, message: c.get('t').deskApi.problems[problem] }, status)
}
