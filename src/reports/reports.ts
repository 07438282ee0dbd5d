import { randomBytes, timingSafeEqual } from 'node:crypto'
import { and, asc, eq, sql, type SQL, type SQLWrapper } from 'drizzle-orm'
import { alias } from 'drizzle-orm/sqlite-core'
import { isBusy, withoutBusyWait, type Db } from '../../db/client.ts'
import { REPORT_STATUSES, reportEvents, reports } from '../../db/schema.ts'
import { enqueueDelivery, listDeliveries } from '../channel/outbox.ts'
import type { Config } from '../config.ts'
import { keyedHash, sha256 } from '../credentials/secrets.ts'
import { generateShortCode, normalizeShortCode } from '../credentials/short-code.ts'
import { findOfficer } from '../officers/officers.ts'
import type { Services } from '../services.ts'
import { decodeUnverifiedClaims, networkOf, type UnverifiedClaims, type VerificationResult } from '../verification/verify.ts'
import { hasDetails, type ReportDetails } from './details.ts'

export type Report = typeof reports.$inferSelect
export type ReportStatus = (typeof REPORT_STATUSES)[number]

/** What the household reported: the token or code of the verdict page it came from. */
export interface ReportSubject {
  kind: 'token' | 'code'
  value: string
}

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

/** Other reports of the same thing from the same network around the same time, for triage only. */
export interface RelatedReports {
  count: number
  /** The oldest few of them. */
  tickets: string[]
}

export type ReportEventKind = (typeof reportEvents.$inferSelect)['kind']

export interface TimelineEntry {
  kind: ReportEventKind | 'sent_to_123' | 'awaiting_123' | 'not_sent_123'
  status: ReportStatus | null
  at: number | null
}

/**
 * Reports of the same token or code from the same network this close in time are related: likely
 * one visit reported by several people of one household or street. They are grouped for triage
 * and each stays its own report, with its own ticket, key and details (one household's report is
 * never shown to, or changed by, another).
 */
export const RELATED_WINDOW_MS = 10 * 60 * 1000
const RELATED_TICKETS_LISTED = 10
export const REPORT_CREATED = 'report.created'
export const REPORT_UPDATED = 'report.updated'

const TICKET = /^LPR-[0-9A-HJKMNP-TV-Z]{8}$/
const UNGROUPED = 'u:'
const MAX_TOKEN_PREFIX = 2049
/** Compared against when a ticket is unknown, so a miss takes as long as a wrong key. */
const ABSENT_KEY_HASH = sha256('no such report')

/** The subject's hash (as the scan log keeps it) and, for a code, the code itself. */
export function describeSubject(subject: ReportSubject): { hash: string; shortCode: string | null } {
  if (subject.kind === 'token') return { hash: sha256(subject.value.slice(0, MAX_TOKEN_PREFIX)), shortCode: null }
  const code = normalizeShortCode(subject.value)
  return { hash: sha256(`code:${code ?? subject.value.slice(0, 64)}`), shortCode: code }
}

/**
 * Commits a scam report, its first timeline entry and its delivery to the 123 channel together,
 * and resolves only after the COMMIT: nobody sees a ticket that is not durable. Every call files
 * a report of its own, however similar to another.
 */
export function createReport(services: Services, input: NewReport): Promise<FiledReport> {
  let queue = commitQueues.get(services)
  if (!queue) {
    queue = new ReportCommitQueue(services)
    commitQueues.set(services, queue)
  }
  return queue.enqueue(input, services.clock.now())
}

interface WaitingReport {
  input: NewReport
  at: number
  resolve: (filed: FiledReport) => void
  reject: (error: unknown) => void
}

/** How long a batch may keep finding the write lock taken before it waits inside SQLite instead. */
const LOCK_RETRY_FOR_MS = 2000
const LOCK_RETRY_EVERY_MS = 1

/**
 * Group commit: reports filed during one turn of the event loop are written in one immediate
 * transaction, and each caller hears back after that COMMIT. Under a burst this turns a thousand
 * commits a second into a few dozen while every ticket shown stays durable.
 *
 * When another process (a second worker, the CLI) holds the write lock, the batch does not sleep
 * in SQLite's busy handler, which backs off in steps of up to 100 ms and stops this process
 * meanwhile: it tries again a millisecond later, gathering the reports that arrived in between.
 */
class ReportCommitQueue {
  #waiting: WaitingReport[] = []
  #scheduled = false
  #lockedSince: number | null = null

  constructor(private readonly services: Services) {}

  enqueue(input: NewReport, at: number): Promise<FiledReport> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ input, at, resolve, reject })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => this.#commit())
      }
    })
  }

  #commit(): void {
    this.#scheduled = false
    const batch = this.#waiting
    this.#waiting = []
    const { db } = this.services
    const writeAll = () => db.transaction(() => batch.map((item) => writeReport(this.services, item.input, item.at)), { behavior: 'immediate' })
    const mayRetry = this.#lockedSince === null || performance.now() - this.#lockedSince < LOCK_RETRY_FOR_MS
    let filed: FiledReport[]
    try {
      filed = mayRetry ? withoutBusyWait(db, writeAll) : writeAll()
    } catch (error) {
      if (mayRetry && isBusy(error)) {
        this.#lockedSince ??= performance.now()
        this.#waiting = batch
        this.#scheduled = true
        setTimeout(() => this.#commit(), LOCK_RETRY_EVERY_MS)
        return
      }
      this.#lockedSince = null
      // One report that cannot be written must not sink the others: retry each on its own.
      for (const item of batch) {
        try {
          item.resolve(db.transaction(() => writeReport(this.services, item.input, item.at), { behavior: 'immediate' }))
        } catch (error) {
          item.reject(error)
        }
      }
      return
    }
    this.#lockedSince = null
    batch.forEach((item, index) => item.resolve(filed[index]!))
  }
}

const commitQueues = new WeakMap<Services, ReportCommitQueue>()

/** Writes one report; call inside a transaction. */
function writeReport(services: Services, input: NewReport, now: number): FiledReport {
  const { db, secrets } = services
  const subject = input.subject ? { kind: input.subject.kind, ...describeSubject(input.subject) } : null
  const verification = input.verification
  const valid = verification !== null && verification !== 'unavailable' && verification.verdict === 'valid'
  const clientHash = input.clientAddress ? keyedHash(secrets.clientHashKey, networkOf(input.clientAddress)) : null
  const foldKey = duplicateKey(subject?.hash ?? null, input.details)

  const statements = statementsFor(db)
  const trackingKey = randomBytes(16).toString('base64url')
  const row = {
    trackingKeyHash: sha256(trackingKey),
    foldKey,
    clientHash,
    subjectKind: subject?.kind ?? null,
    subjectHash: subject?.hash ?? null,
    shortCode: subject?.shortCode ?? null,
    verdict: verification === null ? null : verification === 'unavailable' ? 'unavailable' : verification.verdict,
    credentialId: valid ? verification.credentialId : null,
    officerEmployeeNo: valid ? (verification.officer?.employeeNo ?? null) : null,
    // Decoded only here, after the verdict, and only for reports: page views never pay for it.
    unverifiedClaims: claimsOf(input.subject),
    ...input.details,
    createdAt: now,
    updatedAt: now,
  }
  const report = insertWithFreshTicket(statements, (ticket) => ({ ...row, ticket }))
  statements.insertEvent.run({ reportId: report.id, kind: 'created', at: now })
  enqueueDelivery(db, now, { subject: report.ticket, eventType: REPORT_CREATED, payload: reportPayload(services, report, REPORT_CREATED) })
  return { report, trackingKey }
}

/** The report's related reports (see RELATED_WINDOW_MS); none for a bare tap without a code or words. */
export function findRelatedReports(db: Db, report: Pick<Report, 'id' | 'foldKey' | 'clientHash' | 'createdAt'>): RelatedReports {
  if (report.foldKey.startsWith(UNGROUPED)) return { count: 0, tickets: [] }
  const { relatedCount, relatedTickets } = statementsFor(db)
  const params = { id: report.id, foldKey: report.foldKey, clientHash: report.clientHash, from: report.createdAt - RELATED_WINDOW_MS, to: report.createdAt + RELATED_WINDOW_MS }
  return { count: relatedCount.get(params)?.n ?? 0, tickets: relatedTickets.all(params).map((row) => row.ticket) }
}

/** The number of related reports of each row of `reports`, as a column for a query over that table. */
export function relatedReportCountSql(): SQL<number> {
  const other = alias(reports, 'related')
  return sql<number>`(select count(*) from ${reports} as ${sql.identifier('related')} where ${relatedTo(other, { id: reports.id, foldKey: reports.foldKey, clientHash: reports.clientHash, from: sql`${reports.createdAt} - ${RELATED_WINDOW_MS}`, to: sql`${reports.createdAt} + ${RELATED_WINDOW_MS}` })})`
}

/** The columns of `reports`, or of an alias of it, that relate two reports. */
type RelatingColumns = Record<'id' | 'foldKey' | 'clientHash' | 'createdAt', SQLWrapper>

/**
 * Rows of `table` related to the report described by `of` (columns, placeholders or expressions).
 * A bare tap's key is random, so it relates to nothing.
 */
function relatedTo(table: RelatingColumns, of: Record<'id' | 'foldKey' | 'clientHash' | 'from' | 'to', unknown>): SQL {
  return sql`${table.foldKey} = ${of.foldKey} and ${table.clientHash} is ${of.clientHash}
    and ${table.createdAt} between ${of.from} and ${of.to} and ${table.id} <> ${of.id}`
}

/** The report, only for the holder of its tracking key; null for an unknown ticket or a wrong key alike. */
export function findReportForReporter(services: Services, ticket: string, trackingKey: string | null | undefined): Report | null {
  const normalized = normalizeTicket(ticket)
  const report = normalized ? (services.db.select().from(reports).where(eq(reports.ticket, normalized)).get() ?? null) : null
  const expected = Buffer.from(report?.trackingKeyHash ?? ABSENT_KEY_HASH, 'base64url')
  const given = Buffer.from(sha256((trackingKey ?? '').slice(0, 128)), 'base64url')
  const matches = timingSafeEqual(expected, given)
  return report && matches ? report : null
}

/** Saves the extras the reporter added and sends the updated report to the 123 channel. */
export function updateReportDetails(services: Services, report: Report, details: ReportDetails): Report {
  const { db, clock } = services
  return db.transaction(() => applyDetails(services, report, details, clock.now()) ?? report, { behavior: 'immediate' })
}

/** What the reporter sees of the report's history, oldest first, ending with where the 123 channel stands. */
export function listReporterTimeline(services: Services, report: Report): TimelineEntry[] {
  const events = services.db
    .select({ kind: reportEvents.kind, status: reportEvents.status, at: reportEvents.at })
    .from(reportEvents)
    .where(and(eq(reportEvents.reportId, report.id), eq(reportEvents.visibleToReporter, true)))
    .orderBy(asc(reportEvents.at), asc(reportEvents.id))
    .all()
  const entries: TimelineEntry[] = events.map((event) => ({ kind: event.kind, status: event.status, at: event.at }))
  const first = listDeliveries(services.db, report.ticket).find((delivery) => delivery.eventType === REPORT_CREATED)
  if (first?.state === 'delivered') entries.push({ kind: 'sent_to_123', status: null, at: first.deliveredAt })
  else if (first?.state === 'dead') entries.push({ kind: 'not_sent_123', status: null, at: first.deadAt })
  else entries.push({ kind: 'awaiting_123', status: null, at: null })
  return entries.sort((a, b) => (a.at ?? Infinity) - (b.at ?? Infinity))
}

export function normalizeTicket(input: string): string | null {
  const ticket = input.trim().toUpperCase()
  return TICKET.test(ticket) ? ticket : null
}

export function trackingPath(ticket: string, trackingKey: string): string {
  return `/r/${ticket}?k=${encodeURIComponent(trackingKey)}`
}

export function trackingUrl(config: Pick<Config, 'publicUrl'>, ticket: string, trackingKey: string): string {
  return `${config.publicUrl}${trackingPath(ticket, trackingKey)}`
}

export function parseUnverifiedClaims(report: Report): UnverifiedClaims | null {
  if (!report.unverifiedClaims) return null
  try {
    return JSON.parse(report.unverifiedClaims) as UnverifiedClaims
  } catch {
    return null
  }
}

/** The JSON body sent to the 123 channel (docs/channel-123.md describes it). */
export function reportPayload(services: Services, report: Report, type: string) {
  const officer = report.officerEmployeeNo ? findOfficer(services.db, report.officerEmployeeNo) : null
  return {
    type,
    timestamp: new Date(report.updatedAt).toISOString(),
    data: {
      ticket: report.ticket,
      revision: report.revision,
      status: report.status,
      reportedAt: new Date(report.createdAt).toISOString(),
      verdict: report.verdict,
      subject: report.subjectKind ? { kind: report.subjectKind, sha256: report.subjectHash, shortCode: report.shortCode } : null,
      officer: report.officerEmployeeNo
        ? { verified: true, employeeNo: report.officerEmployeeNo, name: officer?.name ?? null, credentialId: report.credentialId }
        : null,
      unverifiedClaims: parseUnverifiedClaims(report),
      related: findRelatedReports(services.db, report),
      category: report.category,
      note: report.note,
      phone: report.phone,
      location:
        report.location || report.latitude !== null
          ? { kelurahan: report.location, latitude: report.latitude, longitude: report.longitude }
          : null,
    },
  }
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
  enqueueDelivery(db, now, { subject: updated.ticket, eventType: REPORT_UPDATED, payload: reportPayload(services, updated, REPORT_UPDATED) })
  return updated
}

/**
 * Same token or code; or, without one, the same words. Two bare taps without either say nothing
 * in common: behind a carrier NAT they may well be two households, so they are never related.
 */
function duplicateKey(subjectHash: string | null, details: ReportDetails): string {
  if (subjectHash) return `s:${subjectHash}`
  if (hasDetails(details)) return `d:${sha256(JSON.stringify(details))}`
  return `${UNGROUPED}${randomBytes(12).toString('base64url')}`
}

/** 40 random bits per ticket; on the rare collision, draw again. */
function insertWithFreshTicket(statements: ReportStatements, row: (ticket: string) => Omit<Report, 'id' | 'status' | 'revision'>): Report {
  for (let attempt = 1; ; attempt++) {
    try {
      const values = row(`LPR-${generateShortCode()}`)
      const { lastInsertRowid } = statements.insertReport.run(values)
      return { ...values, id: Number(lastInsertRowid), status: 'new', revision: 1 }
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_CONSTRAINT_UNIQUE' || attempt >= 5) throw error
    }
  }
}

/**
 * Report creation is the hot path under a viral hoax: its statements are built and prepared
 * once per database, not per report.
 */
function prepareReportStatements(db: Db) {
  const p = sql.placeholder
  const related = { id: p('id'), foldKey: p('foldKey'), clientHash: p('clientHash'), from: p('from'), to: p('to') }
  return {
    relatedCount: db
      .select({ n: sql<number>`count(*)` })
      .from(reports)
      .where(relatedTo(reports, related))
      .prepare(),
    relatedTickets: db
      .select({ ticket: reports.ticket })
      .from(reports)
      .where(relatedTo(reports, related))
      // The index's own order (reports_fold): no sort per lookup.
      .orderBy(asc(reports.createdAt))
      .limit(RELATED_TICKETS_LISTED)
      .prepare(),
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

type ReportStatements = ReturnType<typeof prepareReportStatements>
const preparedStatements = new WeakMap<Db, ReportStatements>()

function statementsFor(db: Db): ReportStatements {
  let statements = preparedStatements.get(db)
  if (!statements) {
    statements = prepareReportStatements(db)
    preparedStatements.set(db, statements)
  }
  return statements
}

function claimsOf(subject: ReportSubject | null): string | null {
  const claims = subject?.kind === 'token' ? decodeUnverifiedClaims(subject.value) : null
  return claims ? JSON.stringify(claims) : null
}
