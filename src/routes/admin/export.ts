import { Hono, type Context } from 'hono'
import { recordAudit } from '../../audit/audit.ts'
import type { AppEnv } from '../../http/env.ts'
import { renderError } from '../../http/errors.tsx'
import { formTextFields, validForm } from '../../http/validate.ts'
import { streamReportCsv, reportCsvFilename } from '../../reports/export.ts'
import { parseReportFilters, reportScopeFor } from '../../reports/filters.ts'
import { adminAuth } from './context.ts'

/**
 * The filtered reports, streamed as CSV. The queue's export button posts its filters with the
 * session's CSRF token (`POST /admin/reports.csv`); the older `GET /admin/reports.csv?<filters>`
 * still works from our own pages and bookmarks, but not when another site started it.
 */
export function adminExportRoutes() {
  const app = new Hono<AppEnv>()

  app.get('/reports.csv', async (c) => {
    // An export writes an audit row under the admin's name: a link or image on another site must not.
    if (startedByAnotherSite(c)) return renderError(c, 403)
    return exportReports(c, c.req.query())
  })

  // requireCsrfToken (adminRoutes) has checked the token before this runs.
  app.post('/reports.csv', validForm(formTextFields), (c) => exportReports(c, c.req.valid('form')))

  return app
}

async function exportReports(c: Context<AppEnv>, query: Record<string, string>) {
  const { db, clock } = c.get('services')
  const auth = adminAuth(c)
  const filters = parseReportFilters(query)
  // A bulk copy of what households wrote leaves the system: who took it, and which part, is recorded.
  await recordAudit(db, clock, { actor: auth.user.username, action: 'reports.exported', subject: 'reports', details: { ...filters } })
  const body = streamReportCsv(db, { filters, scope: await reportScopeFor(db, auth), headings: c.get('t').adminInsights.csv, withheld: c.get('t').reporterRights.staff })
  return c.body(body, 200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${reportCsvFilename(clock.now())}"`,
    // no-transform keeps the app's gzip off this response: CompressionStream reads ahead and holds
    // back output, which delayed the first byte by seconds and undid the streaming (bench/admin.ts).
    'Cache-Control': 'no-store, no-transform',
  })
}

/**
 * Fetch metadata says where a request came from; our own links send `same-origin`, a typed URL or
 * bookmark `none`. Browsers without it may still send an Origin or Referer of another site.
 * A client that sends none of these (scripts, old browsers) is not a cross-site page.
 */
function startedByAnotherSite(c: Context<AppEnv>): boolean {
  const site = c.req.header('sec-fetch-site')
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true
  const ours = [c.get('services').config.publicUrl, new URL(c.req.url).origin]
  for (const name of ['origin', 'referer']) {
    const value = c.req.header(name)
    if (value === undefined || value === '') continue
    if (!URL.canParse(value) || !ours.includes(new URL(value).origin)) return true
  }
  return false
}
