import { and, count, desc, eq, type SQL } from 'drizzle-orm'
import { Hono } from 'hono'
import { auditLog } from '../../db/schema.ts'
import { verifyAuditChain } from '../audit/audit.ts'
import type { AppEnv } from '../http/env.ts'
import { fill, fillCount } from '../i18n/index.ts'
import { AuditPage } from '../../views/admin/system.tsx'
import { adminFrame } from './context.ts'
import { pager } from './paging.ts'
import { formatAdminTime } from './time.ts'

const PAGE_SIZE = 100

/** /admin/audit (admins only): browse the log, newest first, and check its hash chain. */
export function adminAuditRoutes() {
  const app = new Hono<AppEnv>()

  app.get('/', (c) => {
    const { db } = c.get('services')
    const a = c.get('t').admin.audit
    const filters = { action: (c.req.query('action') ?? '').slice(0, 60), actor: (c.req.query('actor') ?? '').slice(0, 60), subject: (c.req.query('subject') ?? '').slice(0, 80) }
    const conditions: SQL[] = []
    if (filters.action) conditions.push(eq(auditLog.action, filters.action))
    if (filters.actor) conditions.push(eq(auditLog.actor, filters.actor))
    if (filters.subject) conditions.push(eq(auditLog.subject, filters.subject))
    const where = conditions.length > 0 ? and(...conditions) : undefined
    const page = Math.max(1, Math.min(100_000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1))
    const total = db.select({ n: count() }).from(auditLog).where(where).get()?.n ?? 0
    const rows = db.select().from(auditLog).where(where).orderBy(desc(auditLog.id)).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE).all()
    let chain: { ok: boolean; message: string } | null = null
    if (c.req.query('verify') === '1') {
      const check = verifyAuditChain(db)
      chain = check.ok ? { ok: true, message: fillCount(a.intact, check.rows) } : { ok: false, message: fill(a.broken, { id: String(check.brokenId), reason: check.reason }) }
    }
    const lang = c.get('lang')
    const view = {
      rows: rows.map((row) => ({ id: row.id, at: formatAdminTime(row.at, lang), actor: row.actor, action: row.action, subject: row.subject, details: row.details === '{}' ? '' : row.details })),
      filters,
      pager: pager(c, { page, pageSize: PAGE_SIZE, total }),
      chain,
    }
    return c.html(<AuditPage frame={adminFrame(c)} view={view} />)
  })

  return app
}
