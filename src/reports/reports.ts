import { eq, sql } from 'drizzle-orm'
import type { StatementBuilders, Transaction } from '../../db/client.ts'
import { REPORT_CHANNELS, REPORT_STATUSES, reportCategories, reportEvents, reports } from '../../db/schema.ts'
import { enqueueDelivery } from '../channel/outbox.ts'
import { keyedHash } from '../credentials/secrets.ts'
import type { Services } from '../services.ts'
import { networkOf, VerificationUnavailableError, type ScanContext, type VerificationResult, type Verifier } from '../verification/verify.ts'
import { listReportCategories } from './categories.ts'
import { primaryCategory, type ReportDetails } from './details.ts'
import { REPORT_CREATED, REPORT_UPDATED, reportPayload } from './payload.ts'
import { foldKeyOf } from './related.ts'
import { routedUnitOf } from './routing.ts'
import { describeSubject, storedUnverifiedClaims, type ReportSubject } from './subject.ts'
import { newTicket, newTrackingKey } from './tracking.ts'

export type Report = typeof reports.$inferSelect
export type ReportStatus = (typeof REPORT_STATUSES)[number]
export type ReportEventKind = (typeof reportEvents.$inferSelect)['kind']
export type ReportChannel = (typeof REPORT_CHANNELS)[number]

export interface NewReport {
  subject: ReportSubject | null
  /** The verdict on the subject, reached just now; 'unavailable' when it could not be checked. */
  verification: VerificationResult | 'unavailable' | null
  clientAddress: string | null
  details: ReportDetails
  /** How it reached us; 'web' when not said. */
  channel?: ReportChannel
  /** For a report filed by phone: the 123 agent's username. */
  filedBy?: string | null
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

/**
 * Checks what was reported with our own verifier (the verdict is ours, never the reporter's) and
 * files the report. When the check cannot be made the report is kept all the same, saying so:
 * the report matters more than the verdict on it.
 */
export async function verifyAndFileReport(
  services: Services,
  verifier: Verifier,
  input: { subject: ReportSubject | null; details: ReportDetails; clientAddress: string | null; via: ScanContext['via']; channel: ReportChannel; filedBy?: string },
): Promise<FiledReport> {
  const { subject, clientAddress } = input
  let verification: VerificationResult | 'unavailable' | null = null
  if (subject) {
    try {
      verification = await verifier.verify(subject.kind === 'token' ? { token: subject.value } : { code: subject.value }, { via: input.via, clientAddress })
    } catch (error) {
      if (!(error instanceof VerificationUnavailableError)) throw error
      verification = 'unavailable'
    }
  }
  return createReport(services, { subject, verification, clientAddress, details: input.details, channel: input.channel, filedBy: input.filedBy ?? null })
}

/** Writes one report; call inside a transaction (the group commit's), through its `tx`. */
export async function writeReport(services: Services, tx: Transaction, { input, at: now }: PendingReport): Promise<FiledReport> {
  const { secrets } = services
  const subject = input.subject ? { kind: input.subject.kind, ...describeSubject(input.subject) } : null
  const verification = input.verification
  const valid = verification !== null && verification !== 'unavailable' && verification.verdict === 'valid'
  const clientHash = input.clientAddress ? keyedHash(secrets.clientHashKey, networkOf(input.clientAddress)) : null
  const foldKey = foldKeyOf(subject?.hash ?? null, input.details)

  const trackingKey = newTrackingKey()
  const { categories, ...details } = input.details
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
    ...details,
    category: primaryCategory(input.details),
    channel: input.channel ?? 'web',
    filedBy: input.filedBy ?? null,
    createdAt: now,
    updatedAt: now,
  }
  const routedUnitCode = await routedUnitOf(tx, row)
  const report = await insertWithFreshTicket(tx, (ticket) => ({ ...row, routedUnitCode, ticket }))
  await tx.prepared('report-event', reportEventInsert).execute({ reportId: report.id, kind: 'created', at: now })
  // A one-tap report has none: the hot path of a viral hoax pays nothing for them.
  for (const category of categories) await tx.prepared('report-category', reportCategoryInsert).execute({ reportId: report.id, category })
  await enqueueDelivery(tx, now, { subject: report.ticket, eventType: REPORT_CREATED, payload: await reportPayload(tx, report, REPORT_CREATED) })
  return { report, trackingKey: trackingKey.key }
}

/**
 * Saves the extras the reporter added or changed and sends the updated report to the 123 channel
 * (saveReporterDetails in reporter-rights.ts calls it). Call inside a transaction. Returns the
 * updated report, or null when nothing changed.
 */
export async function applyDetails(tx: Transaction, report: Report, details: ReportDetails, now: number): Promise<Report | null> {
  const { categories, ...fields } = details
  const before = await listReportCategories(tx, report)
  const categoriesChanged = categories.length !== before.length || categories.some((category, index) => category !== before[index])
  const changed = categoriesChanged || (Object.keys(fields) as (keyof typeof fields)[]).some((field) => fields[field] !== report[field])
  if (!changed) return null
  const routedUnitCode = await routedUnitOf(tx, { ...report, ...details })
  const [updated] = await tx
    .update(reports)
    .set({ ...fields, category: primaryCategory(details), routedUnitCode, revision: sql`${reports.revision} + 1`, updatedAt: now })
    .where(eq(reports.id, report.id))
    .returning()
  if (!updated) throw new Error(`report ${report.ticket} is gone`)
  if (categoriesChanged) {
    await tx.delete(reportCategories).where(eq(reportCategories.reportId, report.id))
    if (categories.length > 0) await tx.insert(reportCategories).values(categories.map((category) => ({ reportId: report.id, category })))
  }
  await tx.insert(reportEvents).values({ reportId: report.id, kind: 'details_added', at: now })
  await enqueueDelivery(tx, now, { subject: updated.ticket, eventType: REPORT_UPDATED, payload: await reportPayload(tx, updated, REPORT_UPDATED) })
  return updated
}

/** On the rare collision of two tickets, draw again. */
async function insertWithFreshTicket(tx: Transaction, row: (ticket: string) => Omit<Report, 'id' | 'status' | 'revision' | 'closedAt' | 'restrictedAt' | 'detailsErasedAt'>): Promise<Report> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const values = row(newTicket())
    // A taken ticket inserts nothing rather than failing: a failed statement would abort the
    // whole transaction on PostgreSQL (step 14), and with it the other reports of the batch.
    // The id is read back by ticket rather than with RETURNING, which cost SQLite 23 µs of CPU
    // per insert against 4 for the plain insert (the tracking key, drawn afresh, tells ours apart).
    await tx.prepared('report', reportInsert).execute(values)
    const [stored] = await tx.prepared('report-id', reportIdByTicket).execute({ ticket: values.ticket })
    if (stored?.trackingKeyHash === values.trackingKeyHash) return { ...values, id: stored.id, status: 'new', revision: 1, closedAt: null, restrictedAt: null, detailsErasedAt: null }
  }
  throw new Error('five tickets drawn in a row were all taken')
}

/** Report creation is the hot path under a viral hoax: its statements are prepared (Transaction.prepared). */
function reportInsert(q: StatementBuilders) {
  const p = sql.placeholder
  return q
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
      routedUnitCode: p('routedUnitCode'),
      channel: p('channel'),
      filedBy: p('filedBy'),
      createdAt: p('createdAt'),
      updatedAt: p('updatedAt'),
    })
    .onConflictDoNothing({ target: reports.ticket })
    .prepare()
}

function reportIdByTicket(q: StatementBuilders) {
  return q
    .select({ id: reports.id, trackingKeyHash: reports.trackingKeyHash })
    .from(reports)
    .where(eq(reports.ticket, sql.placeholder('ticket')))
    .prepare()
}

function reportCategoryInsert(q: StatementBuilders) {
  const p = sql.placeholder
  return q.insert(reportCategories).values({ reportId: p('reportId'), category: p('category') }).prepare()
}

function reportEventInsert(q: StatementBuilders) {
  const p = sql.placeholder
  return q.insert(reportEvents).values({ reportId: p('reportId'), kind: p('kind'), at: p('at') }).prepare()
}
