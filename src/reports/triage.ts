import { asc, desc, eq, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { reportEvents, reportNotes, reports } from '../../db/schema.ts'
import { appendAuditRow } from '../audit/audit.ts'
import type { AuthContext } from '../auth/sessions.ts'
import { enqueueDelivery, listDeliveries, type DeliveryRecord } from '../channel/outbox.ts'
import { DomainError } from '../errors.ts'
import { findOfficer } from '../officers/officers.ts'
import { canActForOfficer, unitCodesInScope } from '../officers/scope.ts'
import type { Services } from '../services.ts'
import { CLAIMED_UNIT_SQL } from './filters.ts'
import { REPORT_UPDATED, reportPayload } from './payload.ts'
import { relatedReportCountSql } from './related.ts'
import type { Report, ReportStatus } from './reports.ts'
import { parseUnverifiedClaims } from './subject.ts'
import { normalizeTicket } from './tracking.ts'

/** The triage workflow of DESIGN §6, new → in_review → forwarded → a final state; any other move is refused. */
export const STATUS_TRANSITIONS: Record<ReportStatus, readonly ReportStatus[]> = {
  new: ['in_review'],
  in_review: ['forwarded'],
  forwarded: ['resolved_scam', 'resolved_genuine', 'rejected'],
  resolved_scam: [],
  resolved_genuine: [],
  rejected: [],
}

export const MAX_NOTE_LENGTH = 2000

export async function findReportByTicket(services: Services, ticket: string): Promise<Report | null> {
  const normalized = normalizeTicket(ticket)
  if (!normalized) return null
  const [report] = await services.db.select().from(reports).where(eq(reports.ticket, normalized)).limit(1)
  return report ?? null
}

/**
 * Whether a supervisor may see a report: its genuine officer, or the unit its token claimed, is
 * in their scope. Admins see every report; reports with neither are for admins only.
 */
export async function canTriageReport(services: Services, auth: AuthContext, report: Report): Promise<boolean> {
  if (auth.user.role === 'admin') return true
  if (report.officerEmployeeNo) {
    const officer = await findOfficer(services.db, report.officerEmployeeNo)
    if (officer && (await canActForOfficer(services.db, auth, officer.id))) return true
  }
  const claimedUnit = parseUnverifiedClaims(report)?.unt
  return typeof claimedUnit === 'string' && ((await unitCodesInScope(services.db, auth))?.has(claimedUnit) ?? true)
}

/**
 * Moves a report along the workflow. `expectedRevision` is the revision the admin saw: when two
 * people change one report at once, the second finds it changed and is told so (optimistic
 * check). The change, its timeline entry, its audit row and its delivery to 123 commit together.
 */
export async function changeReportStatus(services: Services, input: { report: Report; to: string; expectedRevision: number; actor: string }): Promise<Report> {
  const { db, clock } = services
  const { report } = input
  const allowed = STATUS_TRANSITIONS[report.status]
  if (!(allowed as readonly string[]).includes(input.to)) {
    throw new DomainError('transition_not_allowed', `A report cannot go from ${report.status} to ${input.to}`)
  }
  const to = input.to as ReportStatus
  return db.transaction(async (tx) => {
    const now = clock.now()
    const [updated] = await tx
      .update(reports)
      .set({ status: to, revision: sql`${reports.revision} + 1`, updatedAt: now })
      .where(sql`${reports.id} = ${report.id} and ${reports.revision} = ${input.expectedRevision} and ${reports.status} = ${report.status}`)
      .returning()
    if (!updated) throw new DomainError('report_changed', 'Someone else changed this report a moment ago; reload it to see the change')
    await tx.insert(reportEvents).values({ reportId: report.id, kind: 'status_changed', status: to, visibleToReporter: true, at: now })
    await enqueueDelivery(tx, now, { subject: updated.ticket, eventType: REPORT_UPDATED, payload: await reportPayload(tx, updated, REPORT_UPDATED) })
    await appendAuditRow(tx, now, { actor: input.actor, action: 'report.status_changed', subject: `report:${updated.ticket}`, details: { from: report.status, to } })
    return updated
  })
}

export async function addReportNote(services: Services, input: { report: Report; text: string; actor: string }): Promise<void> {
  const text = input.text.trim()
  if (!text) throw new DomainError('note_empty', 'Write the note first')
  if (text.length > MAX_NOTE_LENGTH) throw new DomainError('note_too_long', `A note may have at most ${MAX_NOTE_LENGTH} characters`)
  const { db, clock } = services
  await db.transaction(async (tx) => {
    const now = clock.now()
    await tx.insert(reportNotes).values({ reportId: input.report.id, author: input.actor, text, at: now })
    await appendAuditRow(tx, now, { actor: input.actor, action: 'report.note_added', subject: `report:${input.report.ticket}`, details: { length: text.length } })
  })
}

export interface TriageTimelineEntry {
  at: number
  kind: 'created' | 'details_added' | 'status_changed' | 'note'
  status: ReportStatus | null
  author: string | null
  text: string | null
  visibleToReporter: boolean
}

/** Everything that happened to a report, oldest first: the household's timeline and the team's notes. */
export async function triageTimeline(services: Services, report: Report): Promise<TriageTimelineEntry[]> {
  const events = await services.db.select().from(reportEvents).where(eq(reportEvents.reportId, report.id)).orderBy(asc(reportEvents.at), asc(reportEvents.id))
  const notes = await services.db.select().from(reportNotes).where(eq(reportNotes.reportId, report.id)).orderBy(desc(reportNotes.at))
  return [
    ...events.map((event) => ({ at: event.at, kind: event.kind, status: event.status, author: null, text: null, visibleToReporter: event.visibleToReporter })),
    ...notes.map((note) => ({ at: note.at, kind: 'note' as const, status: null, author: note.author, text: note.text, visibleToReporter: false })),
  ].sort((a, b) => a.at - b.at)
}

export function reportDeliveries(services: Services, report: Report): Promise<DeliveryRecord[]> {
  return listDeliveries(services.db, report.ticket)
}

export interface QueueRow {
  report: Report
  /** The genuine officer's unit, else the unit the token claimed. */
  unitCode: string | null
  /** Reports of the same code or token from the same network around then (each its own report). */
  related: number
}

/** One page of the report queue for a WHERE condition from reportFilterSql. */
export async function listReportQueue(db: Db, options: { where: SQL; sort: 'newest' | 'oldest' | 'status'; limit: number; offset: number }): Promise<{ rows: QueueRow[]; total: number }> {
  const order = options.sort === 'oldest' ? [asc(reports.createdAt)] : options.sort === 'status' ? [asc(reports.status), desc(reports.createdAt)] : [desc(reports.createdAt)]
  const rows = await db
    .select({
      report: reports,
      unitCode: sql<string | null>`coalesce((select unit_code from officers where employee_no = ${reports.officerEmployeeNo}), ${CLAIMED_UNIT_SQL})`,
      related: relatedReportCountSql(),
    })
    .from(reports)
    .where(options.where)
    .orderBy(...order)
    .limit(options.limit)
    .offset(options.offset)
  const [counted] = await db.select({ n: sql<number>`count(*)` }).from(reports).where(options.where)
  return { rows, total: counted?.n ?? 0 }
}
