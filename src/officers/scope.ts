import { eq, sql } from 'drizzle-orm'
import { officers } from '../../db/schema.ts'
import type { Db } from '../../db/client.ts'
import type { AuthContext } from '../auth/sessions.ts'

/**
 * The unit codes a supervisor is responsible for: their unit and every unit below it.
 * `null` means "all" (admins); officers have none.
 */
export function unitCodesInScope(db: Db, auth: AuthContext): Set<string> | null {
  if (auth.user.role === 'admin') return null
  if (auth.user.role !== 'supervisor' || !auth.officer?.unitCode) return new Set()
  const rows = db.all<{ code: string }>(sql`
    with recursive scope(code) as (
      select ${auth.officer.unitCode}
      union select units.code from units join scope on units.parent_code = scope.code
    )
    select code from scope
  `)
  return new Set(rows.map((row) => row.code))
}

/**
 * Which officers a signed-in user may act for: admins all, supervisors those of their unit and
 * the units below it, officers only themselves. `null` means "all".
 */
export function officerIdsInScope(db: Db, auth: AuthContext): Set<number> | null {
  if (auth.user.role === 'admin') return null
  if (!auth.officer) return new Set()
  if (auth.user.role === 'officer' || !auth.officer.unitCode) return new Set([auth.officer.id])
  const units = [...(unitCodesInScope(db, auth) ?? [])]
  const rows = db.all<{ id: number }>(sql`select id from officers where unit_code in (${sql.join(units.map((code) => sql`${code}`), sql`, `)})`)
  return new Set([auth.officer.id, ...rows.map((row) => row.id)])
}

/** Whether the user may act for one officer; cheaper than building the whole scope. */
export function canActForOfficer(db: Db, auth: AuthContext, officerId: number): boolean {
  if (auth.user.role === 'admin' || auth.officer?.id === officerId) return true
  if (auth.user.role !== 'supervisor') return false
  const officer = db.select({ unitCode: officers.unitCode }).from(officers).where(eq(officers.id, officerId)).get()
  return officer?.unitCode != null && (unitCodesInScope(db, auth)?.has(officer.unitCode) ?? false)
}
