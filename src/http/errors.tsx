import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ErrorPage } from '../../views/error.tsx'
import type { AppEnv } from './env.ts'
import { langSwitchHref } from './middleware.ts'

type ErrorStatus = 403 | 404 | 413 | 429 | 500 | 503

/** A calm error page in the user's language, or a JSON error for /api. */
export function renderError(c: Context<AppEnv>, status: ErrorStatus, options: { retryAfter?: number | null } = {}) {
  const t = c.get('t')
  const [title, text] = (
    {
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
