import { eq, sql, type SQL } from 'drizzle-orm'
import { officers } from '../../db/schema.ts'
import type { Db } from '../../db/client.ts'
import type { AuthContext } from '../auth/sessions.ts'

/**
 * The unit tree is walked here and nowhere else. PLN's tree has three levels (Unit Induk → UP3 →
 * ULP); a walk up stops at four so that a parent cycle typed in by hand cannot loop.
 */
const MAX_UNIT_DEPTH = 4

/**
 * A subquery of the codes of a unit and of every unit below it, for `code in (${unitsUnderSql(code)})`.
 * The unit's own code is included even when no such unit exists.
 */
export function unitsUnderSql(unitCode: string): SQL {
  // `union`, not `union all`: a unit reached twice is kept once, so even a cycle ends.
  return sql`with recursive scope(code) as (
      select ${unitCode}
      union select units.code from units join scope on units.parent_code = scope.code
    )
    select code from scope`
}

/** The codes of a unit and of every unit below it. */
export function unitCodesUnder(db: Db, unitCode: string): Set<string> {
  return new Set(db.all<{ code: string }>(unitsUnderSql(unitCode)).map((row) => row.code))
}

/** A unit with the names of the units above it, from the Unit Induk down ("UID Jakarta Raya", "UP3 Menteng", "ULP Cikini"). */
export interface UnitLineage {
  code: string
  name: string
  timeZone: string
  chain: string[]
}

const LINEAGE_SQL = `
  with recursive up(code, name, parent_code, time_zone, depth) as (
    select code, name, parent_code, time_zone, 1 from units where code = ?
    union all
    select units.code, units.name, units.parent_code, units.time_zone, up.depth + 1 from units join up on units.code = up.parent_code where up.depth < ${MAX_UNIT_DEPTH}
  )
  select code, name, time_zone as timeZone from up order by depth desc`

/** Prepares the lineage query once, for callers on a hot path (the verifier). */
export function prepareUnitLineage(db: Db): (unitCode: string | null) => UnitLineage | null {
  const statement = db.$client.prepare<[string], { code: string; name: string; timeZone: string }>(LINEAGE_SQL)
  return (unitCode) => {
    if (!unitCode) return null
    const rows = statement.all(unitCode)
    const unit = rows.at(-1)
    return unit ? { code: unit.code, name: unit.name, timeZone: unit.timeZone, chain: rows.map((row) => row.name) } : null
  }
}

/** The unit's names from the Unit Induk down and its time zone (Jakarta when it has none). */
export function describeUnit(db: Db, unitCode: string | null): { chain: string[]; timeZone: string } {
  const unit = prepareUnitLineage(db)(unitCode)
  return { chain: unit?.chain ?? [], timeZone: unit?.timeZone ?? 'Asia/Jakarta' }
}

/**
 * The unit codes a supervisor is responsible for: their unit and every unit below it.
 * `null` means "all" (admins); officers have none.
 */
export function unitCodesInScope(db: Db, auth: AuthContext): Set<string> | null {
  if (auth.user.role === 'admin') return null
  if (auth.user.role !== 'supervisor' || !auth.officer?.unitCode) return new Set()
  return unitCodesUnder(db, auth.officer.unitCode)
}

/**
 * Which officers a signed-in user may act for: admins all, supervisors those of their unit and
 * the units below it, officers only themselves. `null` means "all".
 */
export function officerIdsInScope(db: Db, auth: AuthContext): Set<number> | null {
  if (auth.user.role === 'admin') return null
  if (!auth.officer) return new Set()
  if (auth.user.role === 'officer' || !auth.officer.unitCode) return new Set([auth.officer.id])
  const rows = db.all<{ id: number }>(sql`select id from officers where unit_code in (${unitsUnderSql(auth.officer.unitCode)})`)
  return new Set([auth.officer.id, ...rows.map((row) => row.id)])
}

/** Whether the user may act for one officer; cheaper than building the whole scope. */
export function canActForOfficer(db: Db, auth: AuthContext, officerId: number): boolean {
  if (auth.user.role === 'admin' || auth.officer?.id === officerId) return true
  if (auth.user.role !== 'supervisor') return false
  const officer = db.select({ unitCode: officers.unitCode }).from(officers).where(eq(officers.id, officerId)).get()
  return officer?.unitCode != null && (unitCodesInScope(db, auth)?.has(officer.unitCode) ?? false)
}
