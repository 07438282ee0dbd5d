import { asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm'
import type { Db, Queries, Transaction } from '../../db/client.ts'
import { reportEvents, reportNotes, reports } from '../../db/schema.ts'
import { appendAuditRow, type AuditEntry } from '../audit/audit.ts'
import type { AuthContext } from '../auth/sessions.ts'
import { enqueueDelivery, listDeliveries, type DeliveryRecord } from '../channel/outbox.ts'
import { DomainError } from '../errors.ts'
import { findOfficer } from '../officers/officers.ts'
import { canActForOfficer, unitCodesInScope } from '../officers/scope.ts'
import type { Services } from '../services.ts'
import { findCampaignOfReport } from './campaigns.ts'
import { CLAIMED_UNIT_SQL, type ReportScope } from './filters.ts'
import { REPORT_UPDATED, reportPayload } from './payload.ts'
import { relatedReportCountSql } from './related.ts'
import type { Report, ReportStatus } from './reports.ts'
import { parseUnverifiedClaims } from './subject.ts'
import { normalizeTicket } from './tracking.ts'

const FINAL_STATUSES: readonly ReportStatus[] = ['resolved_scam', 'resolved_genuine', 'rejected']

/**
 * The triage workflow of DESIGN §6, new → in_review → forwarded → a final state. A report may
 * skip ahead in one step (a plain scam goes from new straight to resolved_scam), never back, and
 * a final state stays final.
 */
export const STATUS_TRANSITIONS: Record<ReportStatus, readonly ReportStatus[]> = {
  new: ['in_review', 'forwarded', ...FINAL_STATUSES],
  in_review: ['forwarded', ...FINAL_STATUSES],
  forwarded: FINAL_STATUSES,
  resolved_scam: [],
  resolved_genuine: [],
  rejected: [],
}

/** Whether the workflow lets a report in status `from` move to `to` (any text, as posted). */
export function isAllowedTransition(from: ReportStatus, to: string): to is ReportStatus {
  return (STATUS_TRANSITIONS[from] as readonly string[]).includes(to)
}

/** Every status some report can be moved to: the choices of a change for many reports at once. */
export const TARGET_STATUSES: readonly ReportStatus[] = ['in_review', 'forwarded', ...FINAL_STATUSES]

export const MAX_NOTE_LENGTH = 2000

export function findReportByTicket(services: Services, ticket: string): Promise<Report | null> {
  return findReportByTicketIn(services.db, ticket)
}

/** findReportByTicket through `queries`: inside a transaction, the report as that transaction sees it. */
async function findReportByTicketIn(queries: Queries, ticket: string): Promise<Report | null> {
  const normalized = normalizeTicket(ticket)
  if (!normalized) return null
  const [report] = await queries.select().from(reports).where(eq(reports.ticket, normalized)).limit(1)
  return report ?? null
}

/**
 * Whether a supervisor may see a report: the unit it was routed to, its genuine officer, or the
 * unit its token claimed, is in their scope. Admins see every report; reports with none of these
 * are for admins only.
 */
export async function canTriageReport(services: Services, auth: AuthContext, report: Report): Promise<boolean> {
  if (auth.user.role === 'admin') return true
  if (report.routedUnitCode && (await unitCodesInScope(services.db, auth))?.has(report.routedUnitCode)) return true
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
  const { report } = input
  if (!isAllowedTransition(report.status, input.to)) {
    throw new DomainError('transition_not_allowed', `A report cannot go from ${report.status} to ${input.to}`)
  }
  const to = input.to
  return services.db.transaction(async (tx) => {
    const updated = await applyStatusChange(tx, services.clock.now(), { report, to, expectedRevision: input.expectedRevision, actor: input.actor })
    if (!updated) throw new DomainError('report_changed', 'Someone else changed this report a moment ago; reload it to see the change')
    return updated
  })
}

export interface CampaignStatusChange {
  /** The campaign's address after the change. */
  anchor: string
  to: ReportStatus
  changed: number
  /** Reports the workflow does not let go to `to` (already there, further on, or closed). */
  skipped: number
}

/**
 * Moves every report of a campaign that the user may see to `to`, in one transaction. Each report
 * the workflow lets go there changes exactly as changeReportStatus changes one (its revision,
 * timeline entry, audit row and delivery to 123); the others are skipped and counted.
 * `expectedSize` is how many reports the user saw: when the campaign has grown or shrunk since,
 * nothing changes and they are told to look again.
 */
export async function changeCampaignStatus(services: Services, input: { ticket: string; scope: ReportScope; to: string; expectedSize: number; actor: string }): Promise<CampaignStatusChange> {
  const to = TARGET_STATUSES.find((status) => status === input.to)
  if (!to) throw new DomainError('status_unknown', `There is no status ${input.to} to move reports to`)
  const { db, clock } = services
  return db.transaction(async (tx) => {
    const now = clock.now()
    // Read inside the transaction: the campaign as it is when the change commits.
    const campaign = await findCampaignOfReport(tx, { now, scope: input.scope, ticket: input.ticket })
    if (!campaign) throw new DomainError('campaign_not_found', 'There is no such campaign')
    const ids = campaign.reports.filter((report) => report.visible).map((report) => report.id)
    if (ids.length !== input.expectedSize) throw new DomainError('campaign_changed', 'The campaign changed since it was shown; look at it again')
    const members = await tx.select().from(reports).where(inArray(reports.id, ids)).orderBy(asc(reports.createdAt), asc(reports.id))
    let changed = 0
    for (const report of members) {
      if (!isAllowedTransition(report.status, to)) continue
      const updated = await applyStatusChange(tx, now, { report, to, expectedRevision: report.revision, actor: input.actor, campaign: campaign.anchor })
      if (updated) changed++
    }
    const skipped = members.length - changed
    if (changed > 0) {
      await appendAuditRow(tx, now, { actor: input.actor, action: 'campaign.status_changed', subject: `campaign:${campaign.anchor}`, details: { to, changed, skipped } })
    }
    return { anchor: campaign.anchor, to, changed, skipped }
  })
}

/**
 * One status change inside the caller's transaction; null when the report is no longer at
 * `expectedRevision`. `actor` is the admin's username, or CHANNEL123_ACTOR for PLN 123's
 * back-channel (whose `webhookId` the audit row keeps).
 */
async function applyStatusChange(
  tx: Transaction,
  now: number,
  input: { report: Report; to: ReportStatus; expectedRevision: number; actor: string; campaign?: string; webhookId?: string },
): Promise<Report | null> {
  const { report, to } = input
  const [updated] = await tx
    .update(reports)
    // closedAt starts the retention period of the report's personal details (src/privacy/retention.ts).
    .set({ status: to, revision: sql`${reports.revision} + 1`, updatedAt: now, ...(FINAL_STATUSES.includes(to) ? { closedAt: now } : {}) })
    .where(sql`${reports.id} = ${report.id} and ${reports.revision} = ${input.expectedRevision} and ${reports.status} = ${report.status}`)
    .returning()
  if (!updated) return null
  await tx.insert(reportEvents).values({ reportId: report.id, kind: 'status_changed', status: to, visibleToReporter: true, actor: input.actor, at: now })
  await enqueueDelivery(tx, now, { subject: updated.ticket, eventType: REPORT_UPDATED, payload: await reportPayload(tx, updated, REPORT_UPDATED) })
  const details: AuditEntry['details'] = {
    from: report.status,
    to,
    ...(input.campaign === undefined ? {} : { campaign: input.campaign }),
    ...(input.webhookId === undefined ? {} : { webhookId: input.webhookId }),
  }
  await appendAuditRow(tx, now, { actor: input.actor, action: 'report.status_changed', subject: `report:${updated.ticket}`, details })
  return updated
}

export async function addReportNote(services: Services, input: { report: Report; text: string; actor: string }): Promise<void> {
  const text = input.text.trim()
  if (!text) throw new DomainError('note_empty', 'Write the note first')
  if (text.length > MAX_NOTE_LENGTH) throw new DomainError('note_too_long', `A note may have at most ${MAX_NOTE_LENGTH} characters`)
  const { db, clock } = services
  await db.transaction((tx) => insertReportNote(tx, clock.now(), { report: input.report, text, actor: input.actor }))
}

/** A triage note and its audit row, inside the caller's transaction; `text` is already trimmed and checked. */
async function insertReportNote(tx: Transaction, now: number, input: { report: Report; text: string; actor: string }): Promise<void> {
  await tx.insert(reportNotes).values({ reportId: input.report.id, author: input.actor, text: input.text, at: now })
  await appendAuditRow(tx, now, { actor: input.actor, action: 'report.note_added', subject: `report:${input.report.ticket}`, details: { length: input.text.length } })
}

export type ExternalStatusChange =
  | { kind: 'not_found' }
  /** The workflow does not let the report go there from where it is now (never back, a final state stays final). */
  | { kind: 'not_allowed'; report: Report }
  /** The report is already at that status: nothing moved (a note, if any, was kept). */
  | { kind: 'unchanged'; report: Report }
  | { kind: 'applied'; report: Report }

/**
 * A status change asked for from outside the console (PLN 123's back-channel, src/channel/inbound.ts),
 * inside the caller's transaction, so the caller's own record of the request commits with it. The
 * report is read in that transaction: the workflow check and the change see the same row. An
 * applied change is exactly a console change (revision, timeline entry with `actor`, audit row,
 * report.updated to 123). `note` (trimmed, at most MAX_NOTE_LENGTH) is kept as a triage note by
 * `actor` when the status moved or stayed; a refused change keeps nothing.
 */
export async function moveReportStatus(
  tx: Transaction,
  now: number,
  input: { ticket: string; to: ReportStatus; actor: string; note: string | null; webhookId?: string },
): Promise<ExternalStatusChange> {
  const report = await findReportByTicketIn(tx, input.ticket)
  if (!report) return { kind: 'not_found' }
  let outcome: ExternalStatusChange
  if (report.status === input.to) outcome = { kind: 'unchanged', report }
  else if (!isAllowedTransition(report.status, input.to)) return { kind: 'not_allowed', report }
  else {
    const updated = await applyStatusChange(tx, now, { report, to: input.to, expectedRevision: report.revision, actor: input.actor, webhookId: input.webhookId })
    // Read in this same transaction, so nobody can have changed it in between.
    if (!updated) throw new Error(`report ${report.ticket} changed inside its own transaction`)
    outcome = { kind: 'applied', report: updated }
  }
  if (input.note) await insertReportNote(tx, now, { report, text: input.note, actor: input.actor })
  return outcome
}

export interface TriageTimelineEntry {
  at: number
  kind: 'created' | 'details_added' | 'status_changed' | 'note'
  status: ReportStatus | null
  /** A note's author; for a status change, who made it (a username, or CHANNEL123_ACTOR); null for the household's own. */
  author: string | null
  text: string | null
  visibleToReporter: boolean
}

/** Everything that happened to a report, oldest first: the household's timeline and the team's notes. */
export async function triageTimeline(services: Services, report: Report): Promise<TriageTimelineEntry[]> {
  const events = await services.db.select().from(reportEvents).where(eq(reportEvents.reportId, report.id)).orderBy(asc(reportEvents.at), asc(reportEvents.id))
  const notes = await services.db.select().from(reportNotes).where(eq(reportNotes.reportId, report.id)).orderBy(desc(reportNotes.at))
  return [
    ...events.map((event) => ({ at: event.at, kind: event.kind, status: event.status, author: event.actor, text: null, visibleToReporter: event.visibleToReporter })),
    ...notes.map((note) => ({ at: note.at, kind: 'note' as const, status: null, author: note.author, text: note.text, visibleToReporter: false })),
  ].sort((a, b) => a.at - b.at)
}

export function reportDeliveries(services: Services, report: Report): Promise<DeliveryRecord[]> {
  return listDeliveries(services.db, report.ticket)
}

export interface QueueRow {
  report: Report
  /** The unit the report was routed to, else the genuine officer's unit, else the unit the token claimed. */
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
      unitCode: sql<string | null>`coalesce(${reports.routedUnitCode}, (select unit_code from officers where employee_no = ${reports.officerEmployeeNo}), ${CLAIMED_UNIT_SQL})`,
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
