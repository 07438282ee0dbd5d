import { createMiddleware } from 'hono/factory'
import { COMPRESSIBLE_CONTENT_TYPE_REGEX } from 'hono/utils/compress'
import type { AppEnv } from './env.ts'
import { withDefaultHeaders } from './middleware.ts'

const NO_TRANSFORM = /(?:^|,)\s*no-transform\s*(?:,|$)/i
const VARIES_ON_ENCODING = /(?:^|,)\s*(?:accept-encoding|\*)\s*(?:,|$)/i
const ACCEPTS_GZIP = /(?:^|,)\s*gzip\s*(?:;\s*q=(?!0(?:\.0*)?\s*(?:,|$))[\d.]+)?\s*(?:,|$)/i
/** Any response may come gzipped to another client, so every response says it varies by encoding. */
const VARY_DEFAULT = [['Vary', 'Accept-Encoding']] as const

/**
 * gzip for text responses when the client accepts it (households pay for every byte on weak
 * mobile data); bodies known to be under `threshold` bytes are left as they are.
 *
 * Unlike hono/compress, a response that is not compressed is never touched, so
 * @hono/node-server can still write a string body in one go instead of reading it back through
 * a web stream (a sixth of a verification's cost before).
 */
export function compressText(options: { threshold?: number } = {}) {
  const threshold = options.threshold ?? 1024
  return createMiddleware<AppEnv>(async function compressText(c, next) {
    await withDefaultHeaders(c, VARY_DEFAULT, next)
    if (c.req.method === 'HEAD' || !ACCEPTS_GZIP.test(c.req.header('Accept-Encoding') ?? '')) return
    const response = c.res
    const headers = response.headers
    if (response.status === 204 || response.status === 206 || response.status === 304) return
    if (headers.has('Content-Encoding') || headers.has('Transfer-Encoding')) return
    if (!COMPRESSIBLE_CONTENT_TYPE_REGEX.test(headers.get('Content-Type') ?? '')) return
    if (NO_TRANSFORM.test(headers.get('Cache-Control') ?? '')) return
    const length = headers.get('Content-Length')
    if ((length && Number(length) < threshold) || !response.body) return

    const vary = headers.get('Vary')
    if (vary && !VARIES_ON_ENCODING.test(vary)) headers.set('Vary', `${vary}, Accept-Encoding`)
    headers.delete('Content-Length')
    headers.set('Content-Encoding', 'gzip')
    const etag = headers.get('ETag')
    if (etag && !etag.startsWith('W/')) headers.set('ETag', `W/${etag}`)
    const compressed = new Response(response.body.pipeThrough(new CompressionStream('gzip')), { status: response.status, headers })
    // Cleared first so Hono does not copy the old response's headers onto the new one a second time.
    c.res = undefined
    c.res = compressed
  })
}
