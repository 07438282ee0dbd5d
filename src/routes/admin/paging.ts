import type { Context } from 'hono'
import type { AppEnv } from '../../http/env.ts'
import type { Pager } from '../../../views/admin/parts.tsx'

/** Links to the previous and next page that keep every other query parameter. */
export function pager(c: Context<AppEnv>, options: { page: number; pageSize: number; total: number }): Pager {
  const { page, pageSize, total } = options
  const pages = Math.max(1, Math.ceil(total / pageSize))
  const href = (target: number) => {
    const url = new URL(c.req.url)
    url.searchParams.set('page', String(target))
    return `${url.pathname}?${url.searchParams.toString()}`
  }
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1
  const last = Math.min(total, page * pageSize)
  return {
    summary: `${first}–${last} / ${total}`,
    previousHref: page > 1 ? href(page - 1) : null,
    nextHref: page < pages ? href(page + 1) : null,
  }
}
