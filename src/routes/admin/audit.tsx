import { Hono } from 'hono'
import { AUDIT_ACTIONS } from '../../audit/actions.ts'
import { listAuditRows, verifyAuditChain } from '../../audit/audit.ts'
import { presentAuditRow } from '../../audit/present.ts'
import type { AppEnv } from '../../http/env.ts'
import { fill, fillCount } from '../../i18n/index.ts'
import { AuditPage } from '../../../views/admin/audit.tsx'
import { adminFrame } from './context.ts'
import { pager } from './paging.ts'

const PAGE_SIZE = 100

/** /admin/audit (admins only): browse the log, newest first, and check its hash chain. */
export function adminAuditRoutes() {
  const app = new Hono<AppEnv>()

  app.get('/', async (c) => {
    const { db } = c.get('services')
    const a = c.get('t').admin.audit
    const filters = { action: (c.req.query('action') ?? '').slice(0, 60), actor: (c.req.query('actor') ?? '').slice(0, 60), subject: (c.req.query('subject') ?? '').slice(0, 80) }
    const page = Math.max(1, Math.min(100_000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1))
    const { rows, total } = await listAuditRows(db, filters, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE })
    let chain: { ok: boolean; message: string } | null = null
    if (c.req.query('verify') === '1') {
      const check = await verifyAuditChain(db)
      chain = check.ok ? { ok: true, message: fillCount(a.intact, check.rows) } : { ok: false, message: fill(a.broken, { id: String(check.brokenId), reason: check.reason }) }
    }
    const lang = c.get('lang')
    const t = c.get('t')
    const view = {
      rows: rows.map((row) => presentAuditRow(row, t, lang)),
      actions: AUDIT_ACTIONS.map((action) => ({ value: action, label: a.actions[action] })),
      filters,
      pager: pager(c, { page, pageSize: PAGE_SIZE, total }),
      chain,
    }
    return c.html(<AuditPage frame={adminFrame(c)} view={view} />)
  })

  return app
}
