import { asc } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { auditLog } from '../../db/schema.ts'
import { hashAuditRow } from '../../src/audit/audit.ts'

/**
 * What anyone who can write the database can do: change one row's actor and recompute its hash
 * and every later row's with the public formula, so the hash chain alone finds nothing wrong.
 */
export async function rewriteAuditRow(db: Db, id: number, actor: string): Promise<void> {
  const rows = await db.select().from(auditLog).orderBy(asc(auditLog.id))
  let prevHash: string | null = null
  const update = db.$client.prepare('update audit_log set actor = ?, prev_hash = ?, hash = ? where id = ?')
  for (const row of rows) {
    const edited = { ...row, actor: row.id === id ? actor : row.actor, prevHash: prevHash ?? row.prevHash }
    const hash = hashAuditRow(edited)
    update.run(edited.actor, edited.prevHash, hash, row.id)
    prevHash = hash
  }
}
