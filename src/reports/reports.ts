import { eq, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { REPORT_STATUSES, reportEvents, reports } from '../../db/schema.ts'
import { enqueueDelivery } from '../channel/outbox.ts'
import { keyedHash } from '../credentials/secrets.ts'
import type { Services } from '../services.ts'
import { networkOf, type VerificationResult } from '../verification/verify.ts'
import type { ReportDetails } from './details.ts'
import { REPORT_CREATED, REPORT_UPDATED, reportPayload } from './payload.ts'
import { foldKeyOf } from './related.ts'
import { describeSubject, storedUnverifiedClaims, type ReportSubject } from './subject.ts'
import { newTicket, newTrackingKey } from './tracking.ts'

export type Report = typeof reports.$inferSelect
export type ReportStatus = (typeof REPORT_STATUSES)[number]
export type ReportEventKind = (typeof reportEvents.$inferSelect)['kind']

export interface NewReport {
  subject: ReportSubject | null
  /** The verdict on the subject, reached just now; 'unavailable' when it could not be checked. */
  verification: VerificationResult | 'unavailable' | null
  clientAddress: string | null
  details: ReportDetails
}

export interface FiledReport {
  report: Report
  trackingKey: string
}

/** A report waiting in the group commit (Services.reportCommits), with the time it was filed. */
export interface PendingReport {
  input: NewReport
  at: number
}

/**
 * Commits a scam report, its first timeline entry and its delivery to the 123 channel together,
 * and resolves only after the COMMIT: nobody sees a ticket that is not durable. Every call files
 * a report of its own, however similar to another.
 */
export function createReport(services: Services, input: NewReport): Promise<FiledReport> {
  return services.reportCommits.enqueue({ input, at: services.clock.now() })
}

/** Writes one report; call inside a transaction (the group commit's). */
export function writeReport(services: Services, { input, at: now }: PendingReport): FiledReport {
  const { secrets } = services
  const subject = input.subject ? { kind: input.subject.kind, ...describeSubject(input.subject) } : null
  const verification = input.verification
  const valid = verification !== null && verification !== 'unavailable' && verification.verdict === 'valid'
  const clientHash = input.clientAddress ? keyedHash(secrets.clientHashKey, networkOf(input.clientAddress)) : null
  const foldKey = foldKeyOf(subject?.hash ?? null, input.details)

  const statements = services.reportInserts.statements
  const trackingKey = newTrackingKey()
  const row = {
    trackingKeyHash: trackingKey.hash,
    foldKey,
    clientHash,
    subjectKind: subject?.kind ?? null,
    subjectHash: subject?.hash ?? null,
    shortCode: subject?.shortCode ?? null,
    verdict: verification === null ? null : verification === 'unavailable' ? 'unavailable' : verification.verdict,
    credentialId: valid ? verification.credentialId : null,
    officerEmployeeNo: valid ? (verification.officer?.employeeNo ?? null) : null,
    // Decoded only here, after the verdict, and only for reports: page views never pay for it.
    unverifiedClaims: storedUnverifiedClaims(input.subject),
    ...input.details,
    createdAt: now,
    updatedAt: now,
  }
  const report = insertWithFreshTicket(statements, (ticket) => ({ ...row, ticket }))
  statements.insertEvent.run({ reportId: report.id, kind: 'created', at: now })
  enqueueDelivery(services, now, { subject: report.ticket, eventType: REPORT_CREATED, payload: reportPayload(services, report, REPORT_CREATED) })
  return { report, trackingKey: trackingKey.key }
}

/** Saves the extras the reporter added and sends the updated report to the 123 channel. */
export function updateReportDetails(services: Services, report: Report, details: ReportDetails): Report {
  const { db, clock } = services
  return db.transaction(() => applyDetails(services, report, details, clock.now()) ?? report, { behavior: 'immediate' })
}

/** Call inside a transaction. Returns the updated report, or null when nothing changed. */
function applyDetails(services: Services, report: Report, details: ReportDetails, now: number): Report | null {
  const changed = (Object.keys(details) as (keyof ReportDetails)[]).some((field) => details[field] !== report[field])
  if (!changed) return null
  const { db } = services
  const updated = db
    .update(reports)
    .set({ ...details, revision: sql`${reports.revision} + 1`, updatedAt: now })
    .where(eq(reports.id, report.id))
    .returning()
    .get()
  db.insert(reportEvents).values({ reportId: report.id, kind: 'details_added', at: now }).run()
  enqueueDelivery(services, now, { subject: updated.ticket, eventType: REPORT_UPDATED, payload: reportPayload(services, updated, REPORT_UPDATED) })
  return updated
}

/** On the rare collision of two tickets, draw again. */
function insertWithFreshTicket(statements: ReportInsertStatements, row: (ticket: string) => Omit<Report, 'id' | 'status' | 'revision'>): Report {
  for (let attempt = 1; ; attempt++) {
    try {
      const values = row(newTicket())
      const { lastInsertRowid } = statements.insertReport.run(values)
      return { ...values, id: Number(lastInsertRowid), status: 'new', revision: 1 }
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_CONSTRAINT_UNIQUE' || attempt >= 5) throw error
    }
  }
}

type ReportInsertStatements = ReturnType<typeof prepareReportInserts>

/** Report creation is the hot path under a viral hoax: its statements are prepared once. */
export function prepareReportInserts(db: Db) {
  const p = sql.placeholder
  return {
    insertReport: db
      .insert(reports)
      .values({
        ticket: p('ticket'),
        trackingKeyHash: p('trackingKeyHash'),
        foldKey: p('foldKey'),
        clientHash: p('clientHash'),
        subjectKind: p('subjectKind'),
        subjectHash: p('subjectHash'),
        shortCode: p('shortCode'),
        verdict: p('verdict'),
        credentialId: p('credentialId'),
        officerEmployeeNo: p('officerEmployeeNo'),
        unverifiedClaims: p('unverifiedClaims'),
        category: p('category'),
        note: p('note'),
        phone: p('phone'),
        location: p('location'),
        latitude: p('latitude'),
        longitude: p('longitude'),
        createdAt: p('createdAt'),
        updatedAt: p('updatedAt'),
      })
      .prepare(),
    insertEvent: db.insert(reportEvents).values({ reportId: p('reportId'), kind: p('kind'), at: p('at') }).prepare(),
  }
}
