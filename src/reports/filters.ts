import { sql, type SQL } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { REPORT_CATEGORIES, REPORT_STATUSES, reportCategories, reports } from '../../db/schema.ts'
import type { AuthContext } from '../auth/sessions.ts'
import { DAY_MS, wibDayStart } from '../i18n/time.ts'
import { unitCodesInScope } from '../officers/scope.ts'
import { VERDICTS } from '../verification/verify.ts'
import type { ReportCategory } from './details.ts'
import type { ReportStatus } from './reports.ts'
import { normalizeTicket } from './tracking.ts'

/** 'unavailable': the check failed when the report was made; 'none': a report without a token or code. */
export const REPORT_VERDICT_FILTERS = [...VERDICTS, 'unavailable', 'none'] as const
export type ReportVerdictFilter = (typeof REPORT_VERDICT_FILTERS)[number]

/** The filters of the report queue and of its CSV export; null means "any". */
export interface ReportFilters {
  status: ReportStatus | null
  verdict: ReportVerdictFilter | null
  category: ReportCategory | null
  /** A unit code: the unit the report was routed to, the genuine officer's unit, or the unit the token claimed (`unt`). */
  unit: string | null
  /** First and last day, inclusive, as yyyy-mm-dd in Jakarta time (WIB). */
  from: string | null
  to: string | null
  /** Free text: part of the ticket, the household's note or the location; a whole ticket finds that report. */
  q: string | null
}

/**
 * Which reports a user may see: null for admins (all); for a supervisor, the reports routed to
 * their unit or below, or whose genuine officer, or whose claimed unit, is theirs or below (as
 * canTriageReport decides).
 */
export type ReportScope = { unitCodes: string[]; officerEmployeeNo: string | null } | null

export const NO_REPORT_FILTERS: ReportFilters = { status: null, verdict: null, category: null, unit: null, from: null, to: null, q: null }

const MAX_QUERY_LENGTH = 80
const UNIT_CODE = /^[A-Za-z0-9_.-]{1,32}$/
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/

/**
 * Reads the filters from a query string; anything unknown or malformed is ignored (treated as
 * "any") rather than refused, so a stale bookmark still opens the queue.
 */
export function parseReportFilters(query: Record<string, string | undefined>): ReportFilters {
  const pick = <T extends string>(value: string | undefined, allowed: readonly T[]): T | null =>
    value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : null
  const unit = query.unit?.trim() ?? ''
  const q = (query.q ?? '').trim().slice(0, MAX_QUERY_LENGTH)
  let from = parseWibDay(query.from)
  let to = parseWibDay(query.to)
  if (from !== null && to !== null && from > to) [from, to] = [to, from]
  return {
    status: pick(query.status, REPORT_STATUSES),
    verdict: pick(query.verdict, REPORT_VERDICT_FILTERS),
    category: pick(query.category, REPORT_CATEGORIES),
    unit: UNIT_CODE.test(unit) ? unit : null,
    from,
    to,
    q: q === '' ? null : q,
  }
}

/** The filters as query parameters (only those set), e.g. for the export link or the pager. */
export function reportFilterParams(filters: ReportFilters): URLSearchParams {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(filters)) if (value !== null) params.set(name, value)
  return params
}

/** The user's scope for reportFilterSql. */
export async function reportScopeFor(db: Db, auth: AuthContext): Promise<ReportScope> {
  const units = await unitCodesInScope(db, auth)
  if (units === null) return null
  return { unitCodes: [...units], officerEmployeeNo: auth.user.role === 'supervisor' ? (auth.officer?.employeeNo ?? null) : null }
}

/**
 * The unit the reported token claimed (`unt`), as json_extract would read it. Written with `->>`
 * to match the expression index `reports_claimed_unit` exactly, or SQLite would not use it.
 */
export const CLAIMED_UNIT_SQL = sql`${reports.unverifiedClaims} ->> 'unt'`

/**
 * A WHERE condition on `reports` for the filters within the scope. Each filter uses an index
 * of its own (see the campaigns section of db/schema.ts), so any single one stays fast.
 */
export function reportFilterSql(filters: ReportFilters, scope: ReportScope): SQL {
  const conditions: SQL[] = []
  if (scope !== null) conditions.push(scopeSql(scope))
  if (filters.status) conditions.push(sql`${reports.status} = ${filters.status}`)
  if (filters.verdict === 'none') conditions.push(sql`${reports.verdict} is null`)
  else if (filters.verdict) conditions.push(sql`${reports.verdict} = ${filters.verdict}`)
  if (filters.category) {
    // Any of the report's answers (index report_categories_category); reports.category alone for
    // the rows written before reports had several (migration 0011).
    conditions.push(
      sql`(${reports.id} in (select ${reportCategories.reportId} from ${reportCategories} where ${reportCategories.category} = ${filters.category}) or ${reports.category} = ${filters.category})`,
    )
  }
  if (filters.unit) {
    conditions.push(
      sql`(${reports.routedUnitCode} = ${filters.unit} or ${reports.officerEmployeeNo} in (select employee_no from officers where unit_code = ${filters.unit}) or ${CLAIMED_UNIT_SQL} = ${filters.unit})`,
    )
  }
  if (filters.from) conditions.push(sql`${reports.createdAt} >= ${wibDayStart(filters.from)}`)
  if (filters.to) conditions.push(sql`${reports.createdAt} < ${wibDayStart(filters.to) + DAY_MS}`)
  const ticket = filters.q ? normalizeTicket(filters.q) : null
  if (ticket) {
    // A whole ticket, as read out over the phone: the unique index answers at once.
    conditions.push(sql`${reports.ticket} = ${ticket}`)
  } else if (filters.q) {
    const pattern = `%${escapeLike(filters.q)}%`
    conditions.push(
      // A restricted report's words are not searched: a match would reveal them (reporter-rights.ts).
      // lower() on both sides: SQLite's like ignores ASCII case, PostgreSQL's does not.
      sql`(lower(${reports.ticket}) like lower(${pattern}) escape '\\' or (${reports.restrictedAt} is null and (lower(${reports.note}) like lower(${pattern}) escape '\\' or lower(${reports.location}) like lower(${pattern}) escape '\\')))`,
    )
  }
  return conditions.length === 0 ? sql`1 = 1` : sql.join(conditions, sql` and `)
}

function scopeSql(scope: NonNullable<ReportScope>): SQL {
  const units = scope.unitCodes.length > 0 ? sql.join(scope.unitCodes.map((code) => sql`${code}`), sql`, `) : null
  const ownOfficer = scope.officerEmployeeNo === null ? sql`1 = 0` : sql`${reports.officerEmployeeNo} = ${scope.officerEmployeeNo}`
  if (units === null) return sql`(${ownOfficer})`
  // routed_unit_code decides for reports routed when filed; the older conditions keep showing
  // the rows filed before routing existed (routed_unit_code null).
  return sql`(${ownOfficer} or ${reports.routedUnitCode} in (${units}) or ${reports.officerEmployeeNo} in (select employee_no from officers where unit_code in (${units})) or ${CLAIMED_UNIT_SQL} in (${units}))`
}

function parseWibDay(value: string | undefined): string | null {
  const match = DAY.exec(value?.trim() ?? '')
  if (!match) return null
  const [, y, m, d] = match.map(Number) as [number, number, number, number]
  const date = new Date(Date.UTC(y, m - 1, d))
  return y >= 2000 && y <= 2100 && date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? match[0] : null
}

/** LIKE treats % and _ as wildcards: a search for "50%" means the text "50%". */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`)
}
