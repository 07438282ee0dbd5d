import { Hono } from 'hono'
import { recordAudit } from '../audit/audit.ts'
import type { AppEnv } from '../http/env.ts'
import { streamReportCsv, reportCsvFilename } from '../reports/export.ts'
import { parseReportFilters, reportScopeFor } from '../reports/filters.ts'
import { adminAuth } from './context.ts'

/** GET /admin/reports.csv?<the queue's filters>: the filtered reports, streamed as CSV. */
export function adminExportRoutes() {
  const app = new Hono<AppEnv>()

  app.get('/reports.csv', (c) => {
    const { db, clock } = c.get('services')
    const auth = adminAuth(c)
    const filters = parseReportFilters(c.req.query())
    // A bulk copy of what households wrote leaves the system: who took it, and which part, is recorded.
    recordAudit(db, clock, { actor: auth.user.username, action: 'reports.exported', subject: 'reports', details: { ...filters } })
    const body = streamReportCsv(db, { filters, scope: reportScopeFor(db, auth), headings: c.get('t').adminInsights.csv })
    return c.body(body, 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${reportCsvFilename(clock.now())}"`,
      // no-transform keeps the app's gzip off this response: CompressionStream reads ahead and holds
      // back output, which delayed the first byte by seconds and undid the streaming (bench/admin.ts).
      'Cache-Control': 'no-store, no-transform',
    })
  })

  return app
}
