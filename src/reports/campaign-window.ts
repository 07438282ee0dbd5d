import { sql } from 'drizzle-orm'
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core'
import type { Db } from '../../db/client.ts'
import { campaignExclusions, REPORT_STATUSES, reports } from '../../db/schema.ts'
import { DAY_MS } from '../i18n/time.ts'
import type { ReportCategory } from './details.ts'
import { NO_REPORT_FILTERS, reportFilterSql, type ReportScope } from './filters.ts'
import type { ReportStatus } from './reports.ts'

/**
 * Campaigns are computed, not stored: the reports of a recent window are joined (union-find)
 * whenever they share a key, and the people's merges and splits are applied on top. Bounding
 * the window keeps this a few milliseconds however long the service has run.
 */
export const CAMPAIGN_WINDOW_DAYS = 60
export const CAMPAIGN_WINDOW_MAX_REPORTS = 10_000

export interface CampaignReport {
  id: number
  ticket: string
  createdAt: number
  status: ReportStatus
  verdict: string | null
  category: ReportCategory | null
  location: string | null
  /** The genuine officer (valid reports) or, failing that, the employee number the token claimed. */
  officerEmployeeNo: string | null
  claimed: boolean
  /** Whether the user may see this report (supervisors see their units' only). */
  visible: boolean
}

export interface WindowRow {
  id: number
  ticket: string
  createdAt: number
  status: ReportStatus
  verdict: string | null
  category: ReportCategory | null
  location: string | null
  subjectHash: string | null
  credentialId: string | null
  officerEmployeeNo: string | null
  claimedSub: string | number | null
  claimedJti: string | number | null
  excluded: number
  visible: number
}

type WindowTuple = [
  id: number,
  ticket: string,
  createdAt: number,
  status: ReportStatus,
  verdict: string | null,
  category: ReportCategory | null,
  location: string | null,
  subjectHash: string | null,
  credentialId: string | null,
  officerEmployeeNo: string | null,
  claimedSub: string | number | null,
  claimedJti: string | number | null,
  excluded: number,
  visible: number,
]

/**
 * The recent reports, newest first. Read as arrays (better-sqlite3 `raw`): building ten thousand
 * row objects in the driver costs more than the query itself.
 */
export function readWindow(db: Db, now: number, scope: ReportScope, where = sql`1 = 1`): WindowRow[] {
  const query = dialect.sqlToQuery(sql`
    select ${reports.id}, ${reports.ticket}, ${reports.createdAt}, ${reports.status}, ${reports.verdict}, ${reports.category}, ${reports.location},
      ${reports.subjectHash}, ${reports.credentialId}, ${reports.officerEmployeeNo},
      ${reports.unverifiedClaims} ->> '$.sub', ${reports.unverifiedClaims} ->> '$.jti',
      exists (select 1 from ${campaignExclusions} where ${campaignExclusions.reportId} = ${reports.id}),
      case when ${reportFilterSql(NO_REPORT_FILTERS, scope)} then 1 else 0 end
    from ${reports}
    where ${reports.createdAt} >= ${now - CAMPAIGN_WINDOW_DAYS * DAY_MS} and ${where}
    order by ${reports.createdAt} desc, ${reports.id} desc
    limit ${CAMPAIGN_WINDOW_MAX_REPORTS}
  `)
  const tuples = db.$client.prepare(query.sql).raw(true).all(...(query.params as unknown[])) as WindowTuple[]
  return tuples.map(([id, ticket, createdAt, status, verdict, category, location, subjectHash, credentialId, officerEmployeeNo, claimedSub, claimedJti, excluded, visible]) => ({
    id,
    ticket,
    createdAt,
    status,
    verdict,
    category,
    location,
    subjectHash,
    credentialId,
    officerEmployeeNo,
    claimedSub,
    claimedJti,
    excluded,
    visible,
  }))
}

const dialect = new SQLiteSyncDialect()

export function windowReport(db: Db, options: { now: number; scope: ReportScope; ticket: string }): CampaignReport | null {
  const row = readWindow(db, options.now, options.scope, sql`${reports.ticket} = ${options.ticket}`)[0]
  return row ? toCampaignReport(row) : null
}

export function toCampaignReport(row: WindowRow): CampaignReport {
  const claimed = row.officerEmployeeNo === null && row.claimedSub !== null
  return {
    id: row.id,
    ticket: row.ticket,
    createdAt: row.createdAt,
    status: REPORT_STATUSES.includes(row.status) ? row.status : 'new',
    verdict: row.verdict,
    category: row.category,
    location: row.location,
    officerEmployeeNo: row.officerEmployeeNo ?? (row.claimedSub === null ? null : String(row.claimedSub)),
    claimed,
    visible: row.visible === 1,
  }
}

