import { sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import type { AuthContext } from '../auth/sessions.ts'

/**
 * Which officers a signed-in user may act for: admins all, supervisors those of their unit and
 * the units below it, officers only themselves. `null` means "all".
 */
export function officerIdsInScope(db: Db, auth: AuthContext): Set<number> | null {
  if (auth.user.role === 'admin') return null
  if (!auth.officer) return new Set()
  if (auth.user.role === 'officer' || !auth.officer.unitCode) return new Set([auth.officer.id])
  const rows = db.all<{ id: number }>(sql`
    with recursive scope(code) as (
      select ${auth.officer.unitCode}
      union select units.code from units join scope on units.parent_code = scope.code
    )
    select officers.id as id from officers where officers.unit_code in (select code from scope)
  `)
  return new Set([auth.officer.id, ...rows.map((row) => row.id)])
}

export function canActForOfficer(db: Db, auth: AuthContext, officerId: number): boolean {
  const scope = officerIdsInScope(db, auth)
  return scope === null || scope.has(officerId)
}
