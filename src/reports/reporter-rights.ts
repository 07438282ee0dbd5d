import { and, eq, isNull, sql } from 'drizzle-orm'
import type { Transaction } from '../../db/client.ts'
import { reports } from '../../db/schema.ts'
import { appendAuditRow } from '../audit/audit.ts'
import { enqueueDelivery } from '../channel/outbox.ts'
import type { Services } from '../services.ts'
import type { ReportDetails } from './details.ts'
import { REPORT_UPDATED, reportPayload } from './payload.ts'
import { applyDetails, type Report } from './reports.ts'

/**
 * The reporter's rights over the details they gave (UU PDP 27/2022: correction, erasure,
 * restriction), exercised from the tracking page by the holder of the tracking key. Each change,
 * its audit row and its `report.updated` to the 123 channel commit together.
 */

/** The audit actor of what the holder of a tracking key did: never a name, we have none. */
export const REPORTER_ACTOR = 'reporter'

/** The details a reporter may correct; a change to one that was given is audited as a correction. */
const CORRECTABLE = ['note', 'phone', 'location', 'latitude', 'longitude'] as const

export type SaveOutcome = { kind: 'saved'; report: Report } | { kind: 'erased' }

/**
 * Saves the details form of the tracking page: new extras, or corrections of those given (an
 * emptied field removes that one). Once the details were erased nothing is taken any more: the
 * erasure was asked for, and a form from an older tab must not bring them back.
 */
export function saveReporterDetails(services: Services, report: Report, details: ReportDetails): Promise<SaveOutcome> {
  const { db, clock } = services
  return db.transaction(async (tx) => {
    const current = await reportInTransaction(tx, report.id)
    if (current.detailsErasedAt !== null) return { kind: 'erased' }
    const now = clock.now()
    const updated = await applyDetails(tx, current, details, now)
    if (!updated) return { kind: 'saved', report: current }
    const corrected = CORRECTABLE.filter((field) => current[field] !== null && current[field] !== updated[field])
    if (corrected.length > 0) {
      // Which fields, never their values: the audit log outlives the details.
      await appendAuditRow(tx, now, { actor: REPORTER_ACTOR, action: 'report.details_corrected', subject: current.ticket, details: { fields: corrected.join(','), revision: updated.revision } })
    }
    return { kind: 'saved', report: updated }
  })
}

/**
 * Erases the phone, note, place and coordinates; the report itself stays (ticket, status,
 * categories: the statistics). A second erasure changes nothing and tells nobody: `changed` false.
 */
export function eraseReportDetails(services: Services, report: Report): Promise<{ report: Report; changed: boolean }> {
  return changeOnce(services, report, {
    set: { note: null, phone: null, location: null, latitude: null, longitude: null },
    stamp: 'detailsErasedAt',
    action: 'report.details_erased',
  })
}

/**
 * Restricts processing at once: the details stay stored but every staff view, export and payload
 * withholds them (reportDetailsShown). The law allows 3×24 h; ours takes effect in this commit.
 * Lifting it is not offered to the reporter (the page says so).
 */
export function restrictReportProcessing(services: Services, report: Report): Promise<{ report: Report; changed: boolean }> {
  return changeOnce(services, report, { set: {}, stamp: 'restrictedAt', action: 'report.restricted' })
}

async function changeOnce(
  services: Services,
  report: Report,
  change: { set: Partial<Report>; stamp: 'detailsErasedAt' | 'restrictedAt'; action: 'report.details_erased' | 'report.restricted' },
): Promise<{ report: Report; changed: boolean }> {
  const { db, clock } = services
  return db.transaction(async (tx) => {
    const now = clock.now()
    // The condition makes a repeat (a double tap, a second tab) a no-op inside the transaction.
    const [updated] = await tx
      .update(reports)
      .set({ ...change.set, [change.stamp]: now, revision: sql`${reports.revision} + 1`, updatedAt: now })
      .where(and(eq(reports.id, report.id), isNull(reports[change.stamp])))
      .returning()
    if (!updated) return { report: await reportInTransaction(tx, report.id), changed: false }
    await appendAuditRow(tx, now, { actor: REPORTER_ACTOR, action: change.action, subject: updated.ticket, details: { revision: updated.revision } })
    await enqueueDelivery(tx, now, { subject: updated.ticket, eventType: REPORT_UPDATED, payload: await reportPayload(tx, updated, REPORT_UPDATED) })
    return { report: updated, changed: true }
  })
}

async function reportInTransaction(tx: Transaction, id: number): Promise<Report> {
  const [row] = await tx.select().from(reports).where(eq(reports.id, id)).limit(1)
  if (!row) throw new Error(`report ${id} is gone`)
  return row
}
