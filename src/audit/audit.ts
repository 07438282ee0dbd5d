import { createHash } from 'node:crypto'
import { and, asc, count, desc, eq, gt, type SQL } from 'drizzle-orm'
import type { Db, Queries, Transaction } from '../../db/client.ts'
import { auditLog } from '../../db/schema.ts'
import type { Clock } from '../config.ts'

export type AuditRow = typeof auditLog.$inferSelect

export interface AuditEntry {
  actor: string
  action: string
  subject: string
  details?: Record<string, string | number | boolean | null>
}

/** What an action writes through: a transaction (`audited` opens one) or one the caller is in. */
export type Tx = Queries

export const GENESIS_HASH = '0'.repeat(64)

/**
 * Runs `action` and appends its audit row in one IMMEDIATE transaction: the action and its
 * record commit together or not at all, and appenders (server, CLI) take turns on the chain.
 */
export function audited<T>(db: Db, clock: Clock, action: (tx: Transaction) => Promise<{ result: T; audit: AuditEntry }>): Promise<T> {
  return db.transaction(async (tx) => {
    const { result, audit } = await action(tx)
    await appendAuditRow(tx, clock.now(), audit)
    return result
  })
}

/** Records an event that changes nothing else (a login, a failed login). */
export async function recordAudit(db: Db, clock: Clock, entry: AuditEntry): Promise<void> {
  await audited(db, clock, async () => ({ result: null, audit: entry }))
}

/** Appends one row; call inside an immediate transaction (audited() does). */
export async function appendAuditRow(tx: Transaction, at: number, entry: AuditEntry): Promise<void> {
  const [last] = await tx.select({ id: auditLog.id, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.id)).limit(1)
  const row = {
    id: (last?.id ?? 0) + 1,
    at,
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    details: JSON.stringify(entry.details ?? {}),
    prevHash: last?.hash ?? GENESIS_HASH,
  }
  await tx.insert(auditLog).values({ ...row, hash: hashAuditRow(row) })
}

export function hashAuditRow(row: Omit<AuditRow, 'hash'>): string {
  const canonical = JSON.stringify([row.id, row.at, row.actor, row.action, row.subject, row.details, row.prevHash])
  return createHash('sha256').update(canonical).digest('hex')
}

export type ChainCheck = { ok: true; rows: number } | { ok: false; rows: number; brokenId: number; reason: string }

/**
 * Recomputes the chain from the first row; names the first row that does not fit. `visit` sees
 * each row that fits, in order (the Merkle tree is built from them, src/audit/checkpoints.ts).
 */
export async function verifyAuditChain(db: Db, visit?: (row: AuditRow) => void): Promise<ChainCheck> {
  let previous = { id: 0, hash: GENESIS_HASH }
  let rows = 0
  const pageSize = 5000
  for (;;) {
    const page = await db.select().from(auditLog).where(gt(auditLog.id, previous.id)).orderBy(asc(auditLog.id)).limit(pageSize)
    for (const row of page) {
      rows++
      if (row.id !== previous.id + 1) return { ok: false, rows, brokenId: row.id, reason: `row ${previous.id + 1} is missing` }
      if (row.prevHash !== previous.hash) return { ok: false, rows, brokenId: row.id, reason: 'its prev_hash does not match the row before it' }
      if (hashAuditRow(row) !== row.hash) return { ok: false, rows, brokenId: row.id, reason: 'its contents do not match its hash (edited)' }
      previous = { id: row.id, hash: row.hash }
      visit?.(row)
    }
    if (page.length < pageSize) return { ok: true, rows }
  }
}

export interface AuditFilters {
  action?: string
  actor?: string
  subject?: string
}

/** One page of the log, newest first, and how many rows match the filters in all. */
export async function listAuditRows(db: Db, filters: AuditFilters, page: { limit: number; offset: number }): Promise<{ rows: AuditRow[]; total: number }> {
  const conditions: SQL[] = []
  if (filters.action) conditions.push(eq(auditLog.action, filters.action))
  if (filters.actor) conditions.push(eq(auditLog.actor, filters.actor))
  if (filters.subject) conditions.push(eq(auditLog.subject, filters.subject))
  const where = conditions.length > 0 ? and(...conditions) : undefined
  const [counted] = await db.select({ n: count() }).from(auditLog).where(where)
  const rows = await db.select().from(auditLog).where(where).orderBy(desc(auditLog.id)).limit(page.limit).offset(page.offset)
  const total = counted?.n ?? 0
  return { rows, total }
}

/** The id of the newest row, 0 for an empty log. */
export async function lastAuditId(db: Queries): Promise<number> {
  const [last] = await db.select({ id: auditLog.id }).from(auditLog).orderBy(desc(auditLog.id)).limit(1)
  return last?.id ?? 0
}

/**
 * Up to `limit` rows appended after `afterId`, oldest first: for readers that follow the log as
 * the record of every change (the status lists learn from it which entries to look at again).
 */
export function auditRowsAfter(db: Queries, afterId: number, limit: number): Promise<Pick<AuditRow, 'id' | 'action' | 'subject' | 'details'>[]> {
  return db
    .select({ id: auditLog.id, action: auditLog.action, subject: auditLog.subject, details: auditLog.details })
    .from(auditLog)
    .where(gt(auditLog.id, afterId))
    .orderBy(asc(auditLog.id))
    .limit(limit)
}
