import { eq } from 'drizzle-orm'
import type { Queries } from '../../db/client.ts'
import { REPORT_CATEGORIES, reportCategories } from '../../db/schema.ts'
import type { ReportCategory } from './details.ts'
import type { Report } from './reports.ts'

/**
 * Every answer of the report to "Apa yang terjadi?", in catalog order. A report written before
 * reports had several (migration 0011) has only `reports.category`: that one.
 */
export async function listReportCategories(db: Queries, report: Pick<Report, 'id' | 'category'>): Promise<ReportCategory[]> {
  const rows = await db.select({ category: reportCategories.category }).from(reportCategories).where(eq(reportCategories.reportId, report.id))
  const stored = new Set<string>(rows.map((row) => row.category))
  if (stored.size === 0) return report.category ? [report.category] : []
  return REPORT_CATEGORIES.filter((category) => stored.has(category))
}
