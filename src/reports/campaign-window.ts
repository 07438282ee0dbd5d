import { sql } from 'drizzle-orm'
import type { Queries } from '../../db/client.ts'
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

/** A report of the window as read, before its keys are worked out. */
export interface WindowRow extends Pick<CampaignReport, 'id' | 'ticket' | 'createdAt' | 'status' | 'verdict' | 'category' | 'location' | 'officerEmployeeNo'> {
  subjectHash: string | null
  credentialId: string | null
  claimedSub: string | number | null
  claimedJti: string | number | null
  excluded: number
  visible: number
}

/** The recent reports, newest first. */
export function readWindow(db: Queries, now: number, scope: ReportScope, where = sql`1 = 1`): Promise<WindowRow[]> {
  return db.rows<WindowRow>(sql`
    select ${reports.id} as id, ${reports.ticket} as ticket, ${reports.createdAt} as "createdAt", ${reports.status} as status,
      ${reports.verdict} as verdict, ${reports.category} as category,
      -- The place of a restricted report is processed no further (reporter-rights.ts): not clustered, not shown.
      -- (No quote marks in these comments: db/postgres.ts numbers the placeholders outside quotes only.)
      case when ${reports.restrictedAt} is null then ${reports.location} end as location,
      ${reports.subjectHash} as "subjectHash", ${reports.credentialId} as "credentialId", ${reports.officerEmployeeNo} as "officerEmployeeNo",
      ${reports.unverifiedClaims} ->> 'sub' as "claimedSub", ${reports.unverifiedClaims} ->> 'jti' as "claimedJti",
      exists (select 1 from ${campaignExclusions} where ${campaignExclusions.reportId} = ${reports.id}) as excluded,
      case when ${reportFilterSql(NO_REPORT_FILTERS, scope)} then 1 else 0 end as visible
    from ${reports}
    where ${reports.createdAt} >= ${now - CAMPAIGN_WINDOW_DAYS * DAY_MS} and ${where}
    order by ${reports.createdAt} desc, ${reports.id} desc
    limit ${CAMPAIGN_WINDOW_MAX_REPORTS}
  `)
}

export async function windowReport(db: Queries, options: { now: number; scope: ReportScope; ticket: string }): Promise<CampaignReport | null> {
  const [row] = await readWindow(db, options.now, options.scope, sql`${reports.ticket} = ${options.ticket}`)
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

