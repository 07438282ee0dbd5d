import { sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { officers, reportEvents, reportNotes, reports, units } from '../../db/schema.ts'
import { DAY_MS, WIB_OFFSET_MS } from '../i18n/time.ts'
import { normalizeArea } from './campaign-keys.ts'
import { CLAIMED_UNIT_SQL, reportFilterSql, type ReportFilters, type ReportScope } from './filters.ts'

/** Written into the SQL as integer literals: bound parameters are REAL and would make the division fractional. */
const DAY_SQL = { offset: sql.raw(String(WIB_OFFSET_MS)), length: sql.raw(String(DAY_MS)) }

export interface DailyCategoryCount {
  day: string
  /** null: the household chose no category. */
  category: string | null
  count: number
}

export interface RankedCount {
  key: string
  label: string
  count: number
}

export interface FirstActionFigures {
  /** Median of (first status change or note) − report time, over reports that had one; null when none had. */
  medianMs: number | null
  acted: number
  waiting: number
}

/** Reports per WIB day and category, among the reports the filters select. */
export async function countReportsByDayAndCategory(db: Db, filters: ReportFilters, scope: ReportScope): Promise<DailyCategoryCount[]> {
  const rows = await db.rows<{ dayNumber: number; category: string | null; count: number }>(sql`
    select (${reports.createdAt} + ${DAY_SQL.offset}) / ${DAY_SQL.length} as "dayNumber", ${reports.category} as category, count(*) as count
    from ${reports} where ${reportFilterSql(filters, scope)}
    group by "dayNumber", category
  `)
  return rows.map((row) => ({ day: new Date(row.dayNumber * DAY_MS).toISOString().slice(0, 10), category: row.category, count: row.count }))
}

/** The places reported most, with spellings of one place ("Kel. Cikini", "cikini") counted together. */
export async function rankReportAreas(db: Db, filters: ReportFilters, scope: ReportScope, limit: number): Promise<RankedCount[]> {
  const rows = await db.rows<{ location: string; count: number }>(sql`
    select ${reports.location} as location, count(*) as count
    from ${reports} where ${reportFilterSql(filters, scope)} and ${reports.location} is not null and ${reports.restrictedAt} is null
    group by ${reports.location}
  `)
  const areas = new Map<string, { count: number; label: string; labelCount: number }>()
  for (const row of rows) {
    const key = normalizeArea(row.location)
    if (!key) continue
    const area = areas.get(key) ?? { count: 0, label: row.location, labelCount: 0 }
    area.count += row.count
    // Show the spelling most reports used.
    if (row.count > area.labelCount) Object.assign(area, { label: row.location.trim(), labelCount: row.count })
    areas.set(key, area)
  }
  return [...areas]
    .map(([key, area]) => ({ key, label: area.label, count: area.count }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label))
    .slice(0, limit)
}

/** The units reported most: the genuine officer's unit, else the unit the token claimed. */
export async function rankReportUnits(db: Db, filters: ReportFilters, scope: ReportScope, limit: number): Promise<RankedCount[]> {
  const rows = await db.rows<{ code: string; name: string | null; count: number }>(sql`
    select ranked.code as code, ${units.name} as name, ranked.count as count from (
      select coalesce((select ${officers.unitCode} from ${officers} where ${officers.employeeNo} = ${reports.officerEmployeeNo}), ${CLAIMED_UNIT_SQL}) as code, count(*) as count
      from ${reports} where ${reportFilterSql(filters, scope)}
      group by code
    ) as ranked
    left join ${units} on ${units.code} = ranked.code
    where ranked.code is not null
    order by ranked.count desc, ranked.code
    limit ${limit}
  `)
  return rows.map((row) => ({ key: String(row.code), label: row.name ? `${row.name} (${row.code})` : String(row.code), count: row.count }))
}

/**
 * How long reports waited for someone to act: the first status change (the workflow's first
 * step) or the first internal note, whichever came first.
 */
export async function measureFirstAction(db: Db, filters: ReportFilters, scope: ReportScope): Promise<FirstActionFigures> {
  const rows = await db.rows<{ createdAt: number; firstStatus: number | null; firstNote: number | null }>(sql`
    select ${reports.createdAt} as "createdAt",
      (select min(${reportEvents.at}) from ${reportEvents} where ${reportEvents.reportId} = ${reports.id} and ${reportEvents.kind} = 'status_changed') as "firstStatus",
      (select min(${reportNotes.at}) from ${reportNotes} where ${reportNotes.reportId} = ${reports.id}) as "firstNote"
    from ${reports} where ${reportFilterSql(filters, scope)}
  `)
  const waits: number[] = []
  for (const row of rows) {
    const first = Math.min(row.firstStatus ?? Infinity, row.firstNote ?? Infinity)
    if (Number.isFinite(first)) waits.push(Math.max(0, first - row.createdAt))
  }
  waits.sort((a, b) => a - b)
  const middle = waits.length >> 1
  const medianMs = waits.length === 0 ? null : waits.length % 2 === 1 ? waits[middle]! : (waits[middle - 1]! + waits[middle]!) / 2
  return { medianMs, acted: waits.length, waiting: rows.length - waits.length }
}
