import { createHash } from 'node:crypto'
import { and, asc, count, desc, eq, gt, type SQL } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { auditLog } from '../../db/schema.ts'
import type { Clock } from '../config.ts'

export type AuditRow = typeof auditLog.$inferSelect

export interface AuditEntry {
  actor: string
  action: string
  subject: string
  details?: Record<string, string | number | boolean | null>
}

/** A Drizzle transaction or the database itself: what an action writes through. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db

export const GENESIS_HASH = '0'.repeat(64)

/**
 * Runs `action` and appends its audit row in one IMMEDIATE transaction: the action and its
 * record commit together or not at all, and appenders (server, CLI) take turns on the chain.
 */
export function audited<T>(db: Db, clock: Clock, action: (tx: Tx) => { result: T; audit: AuditEntry }): T {
  return db.transaction(
    (tx) => {
      const { result, audit } = action(tx)
      appendAuditRow(tx, clock.now(), audit)
      return result
    },
    { behavior: 'immediate' },
  )
}

/** Records an event that changes nothing else (a login, a failed login). */
export function recordAudit(db: Db, clock: Clock, entry: AuditEntry): void {
  audited(db, clock, () => ({ result: null, audit: entry }))
}

/** Appends one row; call inside an immediate transaction (audited() does). */
export function appendAuditRow(tx: Tx, at: number, entry: AuditEntry): void {
  const last = tx.select({ id: auditLog.id, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.id)).limit(1).get()
  const row = {
    id: (last?.id ?? 0) + 1,
    at,
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    details: JSON.stringify(entry.details ?? {}),
    prevHash: last?.hash ?? GENESIS_HASH,
  }
  tx.insert(auditLog)
    .values({ ...row, hash: hashAuditRow(row) })
    .run()
}

export function hashAuditRow(row: Omit<AuditRow, 'hash'>): string {
  const canonical = JSON.stringify([row.id, row.at, row.actor, row.action, row.subject, row.details, row.prevHash])
  return createHash('sha256').update(canonical).digest('hex')
}

export type ChainCheck = { ok: true; rows: number } | { ok: false; rows: number; brokenId: number; reason: string }

/** Recomputes the chain from the first row; names the first row that does not fit. */
export function verifyAuditChain(db: Db): ChainCheck {
  let previous = { id: 0, hash: GENESIS_HASH }
  let rows = 0
  const pageSize = 5000
  for (;;) {
    const page = db.select().from(auditLog).where(gt(auditLog.id, previous.id)).orderBy(asc(auditLog.id)).limit(pageSize).all()
    for (const row of page) {
      rows++
      if (row.id !== previous.id + 1) return { ok: false, rows, brokenId: row.id, reason: `row ${previous.id + 1} is missing` }
      if (row.prevHash !== previous.hash) return { ok: false, rows, brokenId: row.id, reason: 'its prev_hash does not match the row before it' }
      if (hashAuditRow(row) !== row.hash) return { ok: false, rows, brokenId: row.id, reason: 'its contents do not match its hash (edited)' }
      previous = { id: row.id, hash: row.hash }
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
export function listAuditRows(db: Db, filters: AuditFilters, page: { limit: number; offset: number }): { rows: AuditRow[]; total: number } {
  const conditions: SQL[] = []
  if (filters.action) conditions.push(eq(auditLog.action, filters.action))
  if (filters.actor) conditions.push(eq(auditLog.actor, filters.actor))
  if (filters.subject) conditions.push(eq(auditLog.subject, filters.subject))
  const where = conditions.length > 0 ? and(...conditions) : undefined
  const total = db.select({ n: count() }).from(auditLog).where(where).get()?.n ?? 0
  const rows = db.select().from(auditLog).where(where).orderBy(desc(auditLog.id)).limit(page.limit).offset(page.offset).all()
  return { rows, total }
}
