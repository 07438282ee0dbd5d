import { asc, eq } from 'drizzle-orm'
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
  for (const row of rows) {
    const edited = { ...row, actor: row.id === id ? actor : row.actor, prevHash: prevHash ?? row.prevHash }
    const hash = hashAuditRow(edited)
    await db.update(auditLog).set({ actor: edited.actor, prevHash: edited.prevHash, hash }).where(eq(auditLog.id, row.id))
    prevHash = hash
  }
}
