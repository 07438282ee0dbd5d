import type { Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import type { MiddlewareHandler } from 'hono/types'
import type { AppEnv } from './env.ts'
import { renderError } from './errors.tsx'

/** Every form and JSON body of the app fits: a token (≤ 2 KB) and a note of 1,000 characters, escaped. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024

export interface LargerBodyRoute {
  /** Matched against the request path. */
  path: RegExp
  maxSize: number
}

/**
 * Bounds every request body before anything reads it (hono/body-limit): a Content-Length over
 * the limit is refused unread; a chunked body is counted as it streams and refused once past the
 * limit, so at most the limit is ever held in memory. Routes that take files get a larger limit,
 * and only for a signed-in user, so an anonymous sender never gets past the default.
 */
export function limitRequestBodies(largerRoutes: readonly LargerBodyRoute[]) {
  const tooLarge = (c: Context) => renderError(c as Context<AppEnv>, 413)
  const byDefault = bodyLimit({ maxSize: DEFAULT_MAX_BODY_BYTES, onError: tooLarge })
  const larger = largerRoutes.map((route) => ({ path: route.path, limit: bodyLimit({ maxSize: route.maxSize, onError: tooLarge }) }))
  return createMiddleware<AppEnv>(async function limitRequestBodies(c, next) {
    // No route reads the body of a GET or HEAD. Asking for it anyway (bodyLimit reads
    // `c.req.raw.body`) makes @hono/node-server build a whole Request, which cost the verify
    // path about 100 µs of CPU per request (`npm run bench -- verify`, 493 → 606 µs).
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    const route = c.get('auth') ? larger.find((candidate) => candidate.path.test(c.req.path)) : undefined
    const limit: MiddlewareHandler = route?.limit ?? byDefault
    return limit(c, next)
  })
}
