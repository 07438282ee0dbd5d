import { Hono } from 'hono'
import { acceptsGzip } from '../../http/compress.ts'
import type { AppEnv } from '../../http/env.ts'
import { STATUS_LIST_MEDIA_TYPE, STATUS_LIST_TTL_S, type StatusListPublisher } from '../../passes/status-lists.ts'
import { householdRateLimit } from './verify.tsx'

/**
 * `GET /status/<list>`: a Token Status List (DESIGN §12) for any verifier, the installed app
 * first: cacheable for its `ttl`, readable cross-origin, revalidated by ETag.
 */
export function statusListRoutes(publisher: StatusListPublisher) {
  const app = new Hono<AppEnv>()
  app.use('/status/*', householdRateLimit)

  app.get('/status/:list', async (c) => {
    c.header('Access-Control-Allow-Origin', '*')
    // A signed public document for any verifier, as the JWKS is: loadable from any origin.
    c.header('Cross-Origin-Resource-Policy', 'cross-origin')
    const list = await publisher.signedList(c.req.param('list'))
    if (!list) return c.json({ error: 'unknown_status_list' }, 404)
    c.header('Cache-Control', `public, max-age=${STATUS_LIST_TTL_S}`)
    c.header('ETag', list.etag)
    c.header('Access-Control-Expose-Headers', 'ETag')
    if (matchesEtag(c.req.header('If-None-Match'), list.etag)) return c.body(null, 304)
    c.header('Content-Type', STATUS_LIST_MEDIA_TYPE)
    // The compress middleware leaves this media type alone; the gzipped bytes were made once, with the signature.
    if (!acceptsGzip(c.req.header('Accept-Encoding'))) return c.body(list.token)
    c.header('Content-Encoding', 'gzip')
    return c.body(list.gzip)
  })

  return app
}

/** If-None-Match compares weakly (RFC 9110 §13.1.2): `W/` aside, any listed tag, or `*`. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false
  const opaque = etag.replace(/^W\//, '')
  return header.split(',').some((tag) => {
    const trimmed = tag.trim()
    return trimmed === '*' || trimmed.replace(/^W\//, '') === opaque
  })
}
