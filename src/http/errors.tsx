import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ErrorPage } from '../../views/error.tsx'
import type { AppEnv } from './env.ts'
import { langSwitchHref } from './middleware.ts'

type ErrorStatus = 400 | 403 | 404 | 413 | 429 | 500 | 503

/** A calm error page in the user's language, or a JSON error for /api. */
export function renderError(c: Context<AppEnv>, status: ErrorStatus, options: { retryAfter?: number | null } = {}) {
  const t = c.get('t')
  const [title, text] = (
    {
    400: [t.errors.badRequestTitle, t.errors.badRequestText],
    403: [t.errors.forbiddenTitle, t.errors.forbiddenText],
    404: [t.errors.notFoundTitle, t.errors.notFoundText],
    413: [t.errors.tooLargeTitle, t.errors.tooLargeText],
    429: [t.errors.tooManyTitle, t.errors.tooManyText],
    500: [t.errors.serverTitle, t.errors.serverText],
    503: [t.errors.serverTitle, t.errors.serverText],
    } satisfies Record<ErrorStatus, [string, string]>
  )[status]
  if (options.retryAfter) c.header('Retry-After', String(options.retryAfter))
  if (c.req.path.startsWith('/api/')) return c.json({ error: title, message: text, requestId: c.get('requestId') }, status as ContentfulStatusCode)
  const requestId = status >= 500 ? c.get('requestId') : null
  return c.html(<ErrorPage t={t} langSwitchHref={langSwitchHref(c)} title={title} text={text} requestId={requestId} />, status as ContentfulStatusCode)
}

const FORM_MEDIA_TYPES = new Set(['multipart/form-data', 'application/x-www-form-urlencoded'])

/**
 * A form body the runtime could not parse (a multipart body without its boundary, cut short,
 * or not multipart at all) makes `c.req.parseBody()` throw a TypeError. That is the sender's
 * fault, so every form route answers 400 instead of a 500.
 */
export function isMalformedFormBody(c: Context<AppEnv>, error: unknown): boolean {
  const mediaType = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase() ?? ''
  return error instanceof TypeError && FORM_MEDIA_TYPES.has(mediaType) && /parse body as FormData/i.test(error.message)
}
