import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import { renderError } from '../http/errors.tsx'
import { MAX_IMPORT_BYTES } from '../officers/csv-import.ts'
import { MAX_PHOTO_BYTES } from '../officers/photos.ts'
import { requireCsrfToken, requireRole } from '../auth/middleware.ts'
import type { AppEnv } from '../http/env.ts'
import { adminAuditRoutes } from './audit.tsx'
import { adminCampaignRoutes } from './campaigns.tsx'
import { adminExportRoutes } from './export.ts'
import { adminKeyRoutes } from './keys.tsx'
import { adminOfficerRoutes } from './officers.tsx'
import { adminStatsRoutes } from './stats.tsx'
import { adminReportRoutes } from './reports.tsx'
import { adminUserRoutes } from './users.tsx'

const limits = {
  photo: bodyLimit({ maxSize: MAX_PHOTO_BYTES + 64 * 1024, onError: tooLarge }),
  csv: bodyLimit({ maxSize: 4 * MAX_IMPORT_BYTES, onError: tooLarge }),
  form: bodyLimit({ maxSize: 16 * 1024, onError: tooLarge }),
}

function tooLarge(c: Context) {
  return renderError(c as Context<AppEnv>, 413)
}

const adminBodyLimit = createMiddleware<AppEnv>(async function adminBodyLimit(c, next) {
  const path = c.req.path
  const limit = path.endsWith('/photo') ? limits.photo : path.startsWith('/admin/officers/import') ? limits.csv : limits.form
  return limit(c, next)
})

/** The admin console under /admin: supervisors see their unit, admins everything. */
export function adminRoutes() {
  const app = new Hono<AppEnv>()
  app.use('*', requireRole('supervisor', 'admin'))
  // The size limit must run before anything reads the body (the CSRF check does).
  app.use('*', adminBodyLimit)
  app.use('*', requireCsrfToken)
  app.get('/', (c) => c.redirect('/admin/reports', 303))
  app.route('/officers', adminOfficerRoutes())
  app.route('/', adminExportRoutes())
  app.route('/reports', adminReportRoutes())
  app.route('/campaigns', adminCampaignRoutes())
  app.route('/stats', adminStatsRoutes())
  for (const path of ['/keys', '/keys/*', '/users', '/users/*', '/audit', '/audit/*']) app.use(path, requireRole('admin'))
  app.route('/keys', adminKeyRoutes())
  app.route('/users', adminUserRoutes())
  app.route('/audit', adminAuditRoutes())
  return app
}
