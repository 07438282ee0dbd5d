import { promisify } from 'node:util'
import { gzip, gzipSync } from 'node:zlib'
import { createMiddleware } from 'hono/factory'
import { COMPRESSIBLE_CONTENT_TYPE_REGEX } from 'hono/utils/compress'
import type { AppEnv } from './env.ts'
import { withDefaultHeaders } from './middleware.ts'

const NO_TRANSFORM = /(?:^|,)\s*no-transform\s*(?:,|$)/i
const VARIES_ON_ENCODING = /(?:^|,)\s*(?:accept-encoding|\*)\s*(?:,|$)/i
/** Any response may come gzipped to another client, so every response says it varies by encoding. */
const VARY_DEFAULT = [['Vary', 'Accept-Encoding']] as const
/** Our pages and JSON answers are built whole as one string, so they are compressed whole too. */
const BUILT_WHOLE = /^(?:text\/html|application\/json)\b/i
/** A body up to this size is compressed on the spot (zlib takes about 0.15 ms for a verdict page); larger ones off the event loop. */
const MAX_INLINE_GZIP_BYTES = 256 * 1024
const gzipOffLoop = promisify(gzip)

/**
 * gzip for text responses when the client accepts it (households pay for every byte on weak
 * mobile data); bodies under `threshold` bytes are left as they are.
 *
 * A page or JSON answer is compressed in one zlib call and sent with its length: through a
 * CompressionStream, the verdict page cost twice the CPU of the rest of its request. Other text
 * (assets, the CSV export) streams through one, so a large download never sits in memory. A
 * response the client cannot take gzipped is never touched, so @hono/node-server can still write
 * its body in one go. hono/compress does neither: it pipes every compressible response through a
 * CompressionStream, which is where the doubled CPU above came from.
 */
export function compressText(options: { threshold?: number } = {}) {
  const threshold = options.threshold ?? 1024
  return createMiddleware<AppEnv>(async function compressText(c, next) {
    await withDefaultHeaders(c, VARY_DEFAULT, next)
    if (c.req.method === 'HEAD' || !acceptsGzip(c.req.header('Accept-Encoding'))) return
    // BREACH: every page for a signed-in user carries the session's CSRF token (the sign-out form),
    // and admin pages also show reporters' details next to echoed search input. Compressed, the
    // response size would let a cross-site page guess those secrets byte by byte, so they go as they are.
    if (c.get('auth')) return
    const response = c.res
    const headers = response.headers
    if (response.status === 204 || response.status === 206 || response.status === 304) return
    if (headers.has('Content-Encoding') || headers.has('Transfer-Encoding')) return
    const contentType = headers.get('Content-Type') ?? ''
    if (!COMPRESSIBLE_CONTENT_TYPE_REGEX.test(contentType)) return
    if (NO_TRANSFORM.test(headers.get('Cache-Control') ?? '')) return
    const length = headers.get('Content-Length')
    if ((length && Number(length) < threshold) || !response.body) return

    let body: BodyInit
    if (BUILT_WHOLE.test(contentType)) {
      const whole = new Uint8Array(await response.arrayBuffer())
      if (whole.byteLength < threshold) {
        replaceResponse(c, new Response(whole, { status: response.status, headers }))
        return
      }
      body = new Uint8Array(whole.byteLength <= MAX_INLINE_GZIP_BYTES ? gzipSync(whole) : await gzipOffLoop(whole))
      headers.set('Content-Length', String(body.byteLength))
    } else {
      body = response.body.pipeThrough(new CompressionStream('gzip'))
      headers.delete('Content-Length')
    }
    const vary = headers.get('Vary')
    if (vary && !VARIES_ON_ENCODING.test(vary)) headers.set('Vary', `${vary}, Accept-Encoding`)
    headers.set('Content-Encoding', 'gzip')
    const etag = headers.get('ETag')
    if (etag && !etag.startsWith('W/')) headers.set('ETag', `W/${etag}`)
    replaceResponse(c, new Response(body, { status: response.status, headers }))
  })
}

/**
 * Whether an Accept-Encoding header (RFC 9110 §12.5.3) takes gzip: named (or as x-gzip) with a
 * q-value above 0, or not named while `*` is, with a q-value above 0. `gzip;q=0` refuses it.
 */
export function acceptsGzip(header: string | null | undefined): boolean {
  let gzip: number | null = null
  let any: number | null = null
  for (const part of (header ?? '').split(',')) {
    const [name = '', ...params] = part.split(';')
    const coding = name.trim().toLowerCase()
    let q = 1
    for (const param of params) {
      const [key = '', value = ''] = param.split('=')
      if (key.trim().toLowerCase() === 'q') q = /^\s*(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)\s*$/.test(value) ? Number(value) : 0
    }
    if (coding === 'gzip' || coding === 'x-gzip') gzip = Math.max(gzip ?? 0, q)
    else if (coding === '*') any = Math.max(any ?? 0, q)
  }
  return (gzip ?? any ?? 0) > 0
}

function replaceResponse(c: { res: Response | undefined }, response: Response): void {
  // Cleared first so Hono does not copy the old response's headers onto the new one a second time.
  c.res = undefined
  c.res = response
}
