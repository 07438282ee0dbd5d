import { eq, sql, type SQL } from 'drizzle-orm'
import { officers } from '../../db/schema.ts'
import type { Queries } from '../../db/client.ts'
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
export async function unitCodesUnder(db: Queries, unitCode: string): Promise<Set<string>> {
  return new Set((await db.rows<{ code: string }>(unitsUnderSql(unitCode))).map((row) => row.code))
}

/** A unit with the names of the units above it, from the Unit Induk down ("UID Jakarta Raya", "UP3 Menteng", "ULP Cikini"). */
export interface UnitLineage {
  code: string
  name: string
  timeZone: string
  chain: string[]
  /** The telephone area code ("021") of the unit, or of the nearest unit above it that has one. */
  areaCode: string | null
}

/** A unit and the units above it, the Unit Induk first; null without a unit or for an unknown code. */
export async function findUnitLineage(db: Queries, unitCode: string | null): Promise<UnitLineage | null> {
  if (!unitCode) return null
  // The alias is quoted so that every engine keeps its case.
  const rows = await db.rows<{ code: string; name: string; timeZone: string; areaCode: string | null }>(sql`
    with recursive up(code, name, parent_code, time_zone, area_code, depth) as (
      select code, name, parent_code, time_zone, area_code, 1 from units where code = ${unitCode}
      union all
      select units.code, units.name, units.parent_code, units.time_zone, units.area_code, up.depth + 1 from units join up on units.code = up.parent_code where up.depth < ${sql.raw(String(MAX_UNIT_DEPTH))}
    )
    select code, name, time_zone as "timeZone", area_code as "areaCode" from up order by depth desc`)
  const unit = rows.at(-1)
  // Rows run from the Unit Induk down: the nearest area code is the last one set.
  const areaCode = rows.findLast((row) => row.areaCode)?.areaCode ?? null
  return unit ? { code: unit.code, name: unit.name, timeZone: unit.timeZone, chain: rows.map((row) => row.name), areaCode } : null
}

/** The lineage lookup bound to one database, in the shape the verifier's state queries take. */
export function unitLineageLookup(db: Queries): (unitCode: string | null) => Promise<UnitLineage | null> {
  return (unitCode) => findUnitLineage(db, unitCode)
}

/** The unit's names from the Unit Induk down and its time zone (Jakarta when it has none). */
export async function describeUnit(db: Queries, unitCode: string | null): Promise<{ chain: string[]; timeZone: string }> {
  const unit = await findUnitLineage(db, unitCode)
  return { chain: unit?.chain ?? [], timeZone: unit?.timeZone ?? 'Asia/Jakarta' }
}

/**
 * The unit codes a supervisor is responsible for: their unit and every unit below it.
 * `null` means "all" (admins); officers have none.
 */
export async function unitCodesInScope(db: Queries, auth: AuthContext): Promise<Set<string> | null> {
  if (auth.user.role === 'admin') return null
  if (auth.user.role !== 'supervisor' || !auth.officer?.unitCode) return new Set()
  return unitCodesUnder(db, auth.officer.unitCode)
}

/**
 * Which officers a signed-in user may act for: admins all, supervisors those of their unit and
 * the units below it, officers only themselves. `null` means "all".
 */
export async function officerIdsInScope(db: Queries, auth: AuthContext): Promise<Set<number> | null> {
  if (auth.user.role === 'admin') return null
  if (!auth.officer) return new Set()
  if (auth.user.role === 'officer' || !auth.officer.unitCode) return new Set([auth.officer.id])
  const rows = await db.rows<{ id: number }>(sql`select id from officers where unit_code in (${unitsUnderSql(auth.officer.unitCode)})`)
  return new Set([auth.officer.id, ...rows.map((row) => row.id)])
}

/** Whether the user may act for one officer; cheaper than building the whole scope. */
export async function canActForOfficer(db: Queries, auth: AuthContext, officerId: number): Promise<boolean> {
  if (auth.user.role === 'admin' || auth.officer?.id === officerId) return true
  if (auth.user.role !== 'supervisor') return false
  const [officer] = await db.select({ unitCode: officers.unitCode }).from(officers).where(eq(officers.id, officerId)).limit(1)
  return officer?.unitCode != null && ((await unitCodesInScope(db, auth))?.has(officer.unitCode) ?? false)
}
