import { and, asc, desc, eq, gt, inArray, lt, lte, notExists, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/sqlite-core'
import type { Db, Queries, StatementBuilders, Transaction } from '../../db/client.ts'
import { outboxDeliveries } from '../../db/schema.ts'
import { newWebhookId, type DeliveryOutcome } from './webhook.ts'
import { randomBytes } from 'node:crypto'

export type DeliveryState = (typeof outboxDeliveries.$inferSelect)['state']

export interface NewDelivery {
  /** Deliveries of one subject (e.g. a ticket) are sent in the order they were enqueued. */
  subject: string
  eventType: string
  payload: unknown
}

export interface ClaimedDelivery {
  id: number
  webhookId: string
  subject: string
  eventType: string
  payload: string
  attempts: number
  firstAttemptAt: number
  claimToken: string
}

export interface ClaimOptions {
  now: number
  /** How long the claim holds: longer than one send can take, so nobody else sends it meanwhile. */
  leaseMs: number
  limit: number
  /** Claim pending rows even before their next attempt is due (`outbox drain --now`). */
  includeNotDue?: boolean
  /** Only rows after this id, so one drain tries each row at most once. */
  afterId?: number
}

export interface RetryPolicy {
  now: number
  retryBaseMs: number
  giveUpMs: number
  random: () => number
}

export type RecordedOutcome = 'delivered' | 'failed' | 'dead_lettered' | 'released' | 'lost_claim'

/** However long the give-up time, a pending delivery is tried at least this often. */
const MAX_RETRY_DELAY_MS = 30 * 60 * 1000

/**
 * Writes a delivery into the outbox. Call it inside the transaction that makes the change it
 * announces: the change and its delivery are committed together or not at all.
 */
export async function enqueueDelivery(tx: Transaction, now: number, delivery: NewDelivery): Promise<string> {
  const webhookId = newWebhookId()
  await tx.prepared('outbox-delivery', deliveryInsert).execute({ webhookId, subject: delivery.subject, eventType: delivery.eventType, payload: JSON.stringify(delivery.payload), now })
  return webhookId
}

/**
 * For a stream where only the newest message matters (a log's checkpoints): when the subject's
 * last delivery of this type has not been tried yet, it carries `delivery` instead, under its
 * webhook id; otherwise a new one is enqueued, due no sooner than `minIntervalMs` after the
 * previous one was first tried. The receiver gets the newest, at most once per interval.
 */
export async function enqueueLatestDelivery(tx: Transaction, now: number, delivery: NewDelivery, minIntervalMs: number): Promise<string> {
  // Per state, so each look-up is one step down the (subject, state, id) index however long the history.
  const latest = (state: DeliveryState) =>
    tx
      .select()
      .from(outboxDeliveries)
      .where(and(eq(outboxDeliveries.subject, delivery.subject), eq(outboxDeliveries.state, state), eq(outboxDeliveries.eventType, delivery.eventType)))
      .orderBy(desc(outboxDeliveries.id))
      .limit(1)
  const payload = JSON.stringify(delivery.payload)
  const [pending] = await latest('pending')
  // Untried and unclaimed: nobody is sending it, so its body may still change.
  if (pending && pending.attempts === 0 && pending.claimedUntil < now) {
    await tx.update(outboxDeliveries).set({ payload }).where(eq(outboxDeliveries.id, pending.id))
    return pending.webhookId
  }
  const previous = pending ?? (await latest('delivered'))[0]
  const due = previous ? Math.max(now, (previous.firstAttemptAt ?? previous.createdAt) + minIntervalMs) : now
  const webhookId = newWebhookId()
  await tx.insert(outboxDeliveries).values({ webhookId, subject: delivery.subject, eventType: delivery.eventType, payload, nextAttemptAt: due, createdAt: now })
  return webhookId
}

/** Every report and report change enqueues one: prepared (Transaction.prepared). */
function deliveryInsert(q: StatementBuilders) {
  const p = sql.placeholder
  return q
    .insert(outboxDeliveries)
    .values({ webhookId: p('webhookId'), subject: p('subject'), eventType: p('eventType'), payload: p('payload'), nextAttemptAt: p('now'), createdAt: p('now') })
    .prepare()
}

/**
 * Claims due deliveries with a lease, in one transaction: servers' workers (on every node) and a
 * CLI drain running at once never claim the same row, so nothing is sent twice by us. A row whose
 * claimant died is claimable again once its lease has run out.
 */
export async function claimDueDeliveries(db: Db, options: ClaimOptions): Promise<ClaimedDelivery[]> {
  const { now, leaseMs, limit, includeNotDue = false, afterId = 0 } = options
  const claimToken = randomBytes(9).toString('base64url')
  const earlier = alias(outboxDeliveries, 'earlier')
  const rows = await db.transaction(
    async (tx) => {
      const due = tx
        .select({ id: outboxDeliveries.id })
        .from(outboxDeliveries)
        .where(
          and(
            eq(outboxDeliveries.state, 'pending'),
            lt(outboxDeliveries.claimedUntil, now),
            gt(outboxDeliveries.id, afterId),
            includeNotDue ? undefined : lte(outboxDeliveries.nextAttemptAt, now),
            // Keep each subject in order: never overtake an earlier delivery that is still pending.
            notExists(
              tx
                .select({ one: sql`1` })
                .from(earlier)
                .where(and(eq(earlier.subject, outboxDeliveries.subject), eq(earlier.state, 'pending'), lt(earlier.id, outboxDeliveries.id))),
            ),
          ),
        )
        .orderBy(asc(outboxDeliveries.id))
        .limit(limit)
      // On PostgreSQL several nodes claim at once: each locks the rows it takes and skips those
      // another node holds. (SQLite has one writer at a time; its transaction is the lock.)
      const ids = (await tx.rows<{ id: number }>(db.engine === 'postgres' ? sql`${due.getSQL()} for update of ${outboxDeliveries} skip locked` : due.getSQL())).map((row) => row.id)
      if (ids.length === 0) return []
      return tx
        .update(outboxDeliveries)
        .set({
          claimedUntil: now + leaseMs,
          claimToken,
          attempts: sql`${outboxDeliveries.attempts} + 1`,
          firstAttemptAt: sql`coalesce(${outboxDeliveries.firstAttemptAt}, ${now})`,
          lastAttemptAt: now,
        })
        .where(inArray(outboxDeliveries.id, ids))
        .returning()
    },
    { takesTurns: false },
  )
  return rows
    .map((row) => ({
      id: row.id,
      webhookId: row.webhookId,
      subject: row.subject,
      eventType: row.eventType,
      payload: row.payload,
      attempts: row.attempts,
      firstAttemptAt: row.firstAttemptAt ?? now,
      claimToken,
    }))
    .sort((a, b) => a.id - b.id)
}

/**
 * Stores what one attempt achieved, but only while we still hold the claim. Retries back off
 * exponentially with jitter; past the give-up time, or on a refusal, the row is dead-lettered
 * with its last error.
 */
export async function recordDeliveryOutcome(tx: Transaction, delivery: ClaimedDelivery, outcome: DeliveryOutcome, policy: RetryPolicy): Promise<RecordedOutcome> {
  const { now } = policy
  const ours = and(eq(outboxDeliveries.id, delivery.id), eq(outboxDeliveries.claimToken, delivery.claimToken), eq(outboxDeliveries.state, 'pending'))
  const update = async (values: Partial<typeof outboxDeliveries.$inferInsert>) =>
    (await tx.update(outboxDeliveries).set({ claimedUntil: 0, claimToken: null, ...values }).where(ours).returning({ id: outboxDeliveries.id })).length > 0

  let recorded: RecordedOutcome
  let changed: boolean
  switch (outcome.kind) {
    case 'delivered':
      recorded = 'delivered'
      changed = await update({ state: 'delivered', deliveredAt: now, lastError: null })
      break
    case 'reject':
      recorded = 'dead_lettered'
      changed = await update({ state: 'dead', deadAt: now, lastError: `refused by the receiver: ${outcome.error}` })
      break
    case 'released':
      recorded = 'released'
      changed = await update({ nextAttemptAt: now, lastError: outcome.error })
      break
    case 'retry': {
      const deadline = delivery.firstAttemptAt + policy.giveUpMs
      if (now >= deadline) {
        recorded = 'dead_lettered'
        const error = `gave up after ${delivery.attempts} attempts over ${formatDuration(now - delivery.firstAttemptAt)}: ${outcome.error}`
        changed = await update({ state: 'dead', deadAt: now, lastError: error })
        break
      }
      recorded = 'failed'
      const delay = Math.max(retryDelayMs(delivery.attempts, policy.retryBaseMs, policy.random), outcome.retryAfterMs ?? 0)
      // The last try happens at the give-up time itself rather than never.
      changed = await update({ nextAttemptAt: Math.min(now + delay, deadline), lastError: outcome.error })
      break
    }
  }
  return changed ? recorded : 'lost_claim'
}

/**
 * Exponential backoff with "equal jitter": the n-th retry waits between half and all of
 * base·2^(n-1), so a crowd of failed deliveries does not return all at once.
 */
export function retryDelayMs(attempts: number, baseMs: number, random: () => number): number {
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}

export interface DeliveryRecord {
  webhookId: string
  eventType: string
  state: DeliveryState
  attempts: number
  createdAt: number
  deliveredAt: number | null
  deadAt: number | null
  lastError: string | null
}

/** Every delivery of one subject, oldest first. */
export function listDeliveries(db: Queries, subject: string): Promise<DeliveryRecord[]> {
  return db
    .select({
      webhookId: outboxDeliveries.webhookId,
      eventType: outboxDeliveries.eventType,
      state: outboxDeliveries.state,
      attempts: outboxDeliveries.attempts,
      createdAt: outboxDeliveries.createdAt,
      deliveredAt: outboxDeliveries.deliveredAt,
      deadAt: outboxDeliveries.deadAt,
      lastError: outboxDeliveries.lastError,
    })
    .from(outboxDeliveries)
    .where(eq(outboxDeliveries.subject, subject))
    .orderBy(asc(outboxDeliveries.id))
}

export async function countPendingDeliveries(db: Db): Promise<number> {
  const [counted] = await db.select({ n: sql<number>`count(*)` }).from(outboxDeliveries).where(eq(outboxDeliveries.state, 'pending'))
  return counted?.n ?? 0
}

function formatDuration(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`
  return `${(ms / 3_600_000).toFixed(1)} h`
}
