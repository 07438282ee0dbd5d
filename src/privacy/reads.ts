// Who read what (issue 17): a staff member opening a report's personal details, or the audit log
// itself, leaves an audit row as every change already does.
import { and, eq, gt } from 'drizzle-orm'
import { auditLog } from '../../db/schema.ts'
import { appendAuditRow, type AuditEntry } from '../audit/audit.ts'
import { reportDetailsShown } from '../reports/details-shown.ts'
import type { Report } from '../reports/reports.ts'
import type { Services } from '../services.ts'

/**
 * The same person reading the same page again within this window writes no new row. A report's
 * page is shown again after every status change and note (post/redirect/get), and each opening
 * of the audit log would otherwise add a row to the very log being read, so a triage session
 * would bury the changes among its own reads. The first read of each window stays on record:
 * who saw which details, and when, is still answered to the minute.
 */
export const REREAD_WINDOW_MS = 60_000

/**
 * Appends a read's audit row unless the same actor wrote the same action, subject and details
 * within REREAD_WINDOW_MS; true when it wrote one. Looked up and written in one transaction, so
 * two tabs opened at once still write one row.
 */
export async function recordRead(services: Services, entry: AuditEntry & { action: 'report.details_viewed' | 'audit.viewed' }): Promise<boolean> {
  const { db, clock } = services
  const details = JSON.stringify(entry.details ?? {})
  return db.transaction(async (tx) => {
    const now = clock.now()
    // audit_log_actor_action (actor, action, at) answers this from the index.
    const [recent] = await tx
      .select({ id: auditLog.id })
      .from(auditLog)
      .where(and(eq(auditLog.actor, entry.actor), eq(auditLog.action, entry.action), gt(auditLog.at, now - REREAD_WINDOW_MS), eq(auditLog.subject, entry.subject), eq(auditLog.details, details)))
      .limit(1)
    if (recent) return false
    await appendAuditRow(tx, now, entry)
    return true
  })
}

/** What each staff page shows of the reporter's details: the desk's page has no phone number. */
const FIELDS_SHOWN = { console: ['phone', 'note', 'location', 'latitude'], desk: ['note', 'location'] } as const

/** `report.details_viewed` when the page shows the reporter's phone, note or place (not when they are restricted or erased). */
export async function recordReportDetailsViewed(services: Services, input: { report: Report; actor: string; page: keyof typeof FIELDS_SHOWN }): Promise<void> {
  const shown = reportDetailsShown(input.report)
  const fields = [...new Set(FIELDS_SHOWN[input.page].filter((field) => shown[field] !== null).map((field) => (field === 'latitude' ? 'location' : field)))]
  if (fields.length === 0) return
  await recordRead(services, { actor: input.actor, action: 'report.details_viewed', subject: `report:${input.report.ticket}`, details: { page: input.page, fields: fields.join(',') } })
}
