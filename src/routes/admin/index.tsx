import { Hono } from 'hono'
import { requireCsrfToken, requireRole } from '../../http/access.ts'
import type { AppEnv } from '../../http/env.ts'
import { adminApiKeyRoutes } from './api-keys.tsx'
import { adminAuditRoutes } from './audit.tsx'
import { adminCampaignRoutes } from './campaigns.tsx'
import { adminDeskLookupRoutes } from './desk-lookups.tsx'
import { adminExportRoutes } from './export.ts'
import { adminKeyRoutes } from './keys.tsx'
import { adminOfficerImportRoutes } from './officer-import.tsx'
import { adminOfficerRoutes } from './officers.tsx'
import { adminStatsRoutes } from './stats.tsx'
import { adminReportRoutes } from './reports.tsx'
import { adminUserRoutes } from './users.tsx'

/** The admin console under /admin: supervisors see their unit, admins everything. */
export function adminRoutes() {
  const app = new Hono<AppEnv>()
  app.use('*', requireRole('supervisor', 'admin'))
  app.use('*', requireCsrfToken)
  app.get('/', (c) => c.redirect('/admin/reports', 303))
  app.route('/officers', adminOfficerImportRoutes())
  app.route('/officers', adminOfficerRoutes())
  app.route('/', adminExportRoutes())
  app.route('/reports', adminReportRoutes())
  app.route('/campaigns', adminCampaignRoutes())
  app.route('/stats', adminStatsRoutes())
  app.route('/desk', adminDeskLookupRoutes())
  for (const path of ['/keys', '/keys/*', '/users', '/users/*', '/audit', '/audit/*', '/api-keys', '/api-keys/*']) app.use(path, requireRole('admin'))
  app.route('/keys', adminKeyRoutes())
  app.route('/users', adminUserRoutes())
  app.route('/audit', adminAuditRoutes())
  app.route('/api-keys', adminApiKeyRoutes())
  return app
}
