// Retention (UU PDP Art. 43–44: end processing and delete once the retention period is over).
// This module owns one rule that cuts across domains — "how old is too old" — so its statements
// reach into the tables of scans, door checks, reports, the outbox and sessions; each kind is one
// bounded statement here rather than a purge function in every domain, so the periods, the batch
// size and the audit row live in one place.
import { and, count, eq, inArray, isNotNull, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm'
import type { Queries, Transaction } from '../../db/client.ts'
import { doorChecks, outboxDeliveries, reportEvents, reports, scans, sessions } from '../../db/schema.ts'
import { appendAuditRow } from '../audit/audit.ts'
import { SESSION_IDLE_MS } from '../auth/sessions.ts'
import type { RetentionDays } from '../config.ts'
import { DAY_MS } from '../i18n/time.ts'
import type { Services } from '../services.ts'

/** Rows per transaction: each batch holds the write lock for a few milliseconds, so requests keep being answered between them. */
export const PURGE_BATCH = 1000
/** The server's schedule: once shortly after start, then every hour. */
export const PURGE_FIRST_DELAY_MS = 60_000
export const PURGE_EVERY_MS = 60 * 60 * 1000

export const PURGE_KINDS = ['scans', 'doorChecks', 'reportDetails', 'outboxPayloads', 'sessions'] as const
export type PurgeKind = (typeof PURGE_KINDS)[number]
export type PurgeCounts = Record<PurgeKind, number>

export interface PurgeResult {
  dryRun: boolean
  /** The time the periods were counted back from (ISO 8601). */
  at: string
  counts: PurgeCounts
}

type PurgedTable = typeof scans | typeof doorChecks | typeof reports | typeof outboxDeliveries | typeof sessions

const FINAL_STATUSES = ['resolved_scam', 'resolved_genuine', 'rejected'] as const

/** What each kind removes: how many rows are due, and how one batch of them is removed. */
interface PurgeStep {
  count(db: Queries): Promise<number>
  /** Removes at most PURGE_BATCH due rows; how many it removed. */
  batch(tx: Transaction): Promise<number>
}

function purgeSteps(now: number, days: RetentionDays): Record<PurgeKind, PurgeStep> {
  const scansDue = lt(scans.scannedAt, now - days.scans * DAY_MS)
  const doorChecksDue = lt(doorChecks.createdAt, now - days.scans * DAY_MS)
  // A report closed before reports.closedAt was kept counts from its final status change.
  const closedAt = sql`coalesce(${reports.closedAt}, (select max(${reportEvents.at}) from ${reportEvents} where ${reportEvents.reportId} = ${reports.id} and ${reportEvents.kind} = 'status_changed'))`
  const reportDetailsDue = and(
    inArray(reports.status, FINAL_STATUSES),
    isNull(reports.detailsErasedAt),
    or(isNotNull(reports.phone), isNotNull(reports.note), isNotNull(reports.location), isNotNull(reports.latitude), isNotNull(reports.longitude)),
    sql`${closedAt} < ${now - days.reportDetails * DAY_MS}`,
  )
  const outboxCutoff = now - days.outbox * DAY_MS
  const outboxDue = and(
    isNull(outboxDeliveries.payloadPurgedAt),
    or(and(eq(outboxDeliveries.state, 'delivered'), lt(outboxDeliveries.deliveredAt, outboxCutoff)), and(eq(outboxDeliveries.state, 'dead'), lt(outboxDeliveries.deadAt, outboxCutoff))),
  )
  // Ended exactly as validateSession ends them: past the absolute lifetime or idle too long.
  const sessionsDue = or(lte(sessions.expiresAt, now), lte(sessions.lastSeenAt, now - SESSION_IDLE_MS))

  const counted = (table: PurgedTable, due: SQL | undefined) => async (db: Queries) => {
    const [row] = await db.select({ n: count() }).from(table).where(due)
    return row?.n ?? 0
  }
  return {
    scans: {
      count: counted(scans, scansDue),
      batch: async (tx) => (await tx.delete(scans).where(inArray(scans.id, tx.select({ id: scans.id }).from(scans).where(scansDue).limit(PURGE_BATCH))).returning({ id: scans.id })).length,
    },
    doorChecks: {
      count: counted(doorChecks, doorChecksDue),
      batch: async (tx) =>
        (await tx.delete(doorChecks).where(inArray(doorChecks.id, tx.select({ id: doorChecks.id }).from(doorChecks).where(doorChecksDue).limit(PURGE_BATCH))).returning({ id: doorChecks.id }))
          .length,
    },
    reportDetails: {
      count: counted(reports, reportDetailsDue),
      // The row, its status, category and verdict stay for statistics; only what identifies the reporter goes.
      batch: async (tx) =>
        (
          await tx
            .update(reports)
            .set({ phone: null, note: null, location: null, latitude: null, longitude: null, detailsErasedAt: now })
            .where(inArray(reports.id, tx.select({ id: reports.id }).from(reports).where(reportDetailsDue).limit(PURGE_BATCH)))
            .returning({ id: reports.id })
        ).length,
    },
    outboxPayloads: {
      count: counted(outboxDeliveries, outboxDue),
      // payload is NOT NULL: an empty object stays valid JSON for every reader of the column.
      batch: async (tx) =>
        (
          await tx
            .update(outboxDeliveries)
            .set({ payload: '{}', payloadPurgedAt: now })
            .where(inArray(outboxDeliveries.id, tx.select({ id: outboxDeliveries.id }).from(outboxDeliveries).where(outboxDue).limit(PURGE_BATCH)))
            .returning({ id: outboxDeliveries.id })
        ).length,
    },
    sessions: {
      count: counted(sessions, sessionsDue),
      batch: async (tx) =>
        (await tx.delete(sessions).where(inArray(sessions.idHash, tx.select({ id: sessions.idHash }).from(sessions).where(sessionsDue).limit(PURGE_BATCH))).returning({ id: sessions.idHash }))
          .length,
    },
  }
}

/**
 * Deletes (or, with `dryRun`, only counts) everything past its retention period, PURGE_BATCH rows
 * per transaction. A run that removed anything writes one `privacy.purged` audit row with the
 * counts per kind. Login-throttle windows are not here: the counter store deletes each window as
 * it closes (src/counters/store.ts).
 */
export async function purgeExpiredData(services: Services, options: { dryRun?: boolean; actor?: string } = {}): Promise<PurgeResult> {
  const { db, clock, config } = services
  const now = clock.now()
  const steps = purgeSteps(now, config.retention)
  const counts = Object.fromEntries(PURGE_KINDS.map((kind) => [kind, 0])) as PurgeCounts
  const dryRun = options.dryRun === true
  for (const kind of PURGE_KINDS) {
    const step = steps[kind]
    if (dryRun) {
      counts[kind] = await step.count(db)
      continue
    }
    for (;;) {
      const removed = await db.transaction((tx) => step.batch(tx))
      counts[kind] += removed
      if (removed < PURGE_BATCH) break
    }
  }
  const removedAny = PURGE_KINDS.some((kind) => counts[kind] > 0)
  if (!dryRun && removedAny) {
    await db.transaction((tx) =>
      appendAuditRow(tx, clock.now(), {
        actor: options.actor ?? 'system',
        action: 'privacy.purged',
        subject: 'retention',
        details: { ...counts, scanDays: config.retention.scans, reportDetailDays: config.retention.reportDetails, outboxDays: config.retention.outbox },
      }),
    )
  }
  return { dryRun, at: new Date(now).toISOString(), counts }
}

export interface PurgeJob {
  stop(): Promise<void>
}

/** The server's purge: once after PURGE_FIRST_DELAY_MS, then every PURGE_EVERY_MS; a failed run is logged and tried again next time. */
export function startPurgeJob(services: Services, timing: { firstDelayMs?: number; everyMs?: number } = {}): PurgeJob {
  let running: Promise<unknown> | null = null
  let stopped = false
  const run = () => {
    if (stopped || running) return
    running = purgeExpiredData(services)
      .then((result) => {
        const removed = PURGE_KINDS.filter((kind) => result.counts[kind] > 0).map((kind) => `${kind} ${result.counts[kind]}`)
        if (removed.length > 0) console.log(`Retention purge: ${removed.join(', ')}.`)
      })
      .catch((error: unknown) => console.error('Retention purge failed; it runs again within the hour:', error))
      .finally(() => {
        running = null
      })
  }
  const first = setTimeout(run, timing.firstDelayMs ?? PURGE_FIRST_DELAY_MS)
  const every = setInterval(run, timing.everyMs ?? PURGE_EVERY_MS)
  first.unref()
  every.unref()
  return {
    stop: async () => {
      stopped = true
      clearTimeout(first)
      clearInterval(every)
      await running
    },
  }
}
