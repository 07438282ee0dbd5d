import { randomBytes } from 'node:crypto'
import { asc, sql, type SQL, type SQLWrapper } from 'drizzle-orm'
import { alias } from 'drizzle-orm/sqlite-core'
import type { Queries, StatementBuilders } from '../../db/client.ts'
import { reports } from '../../db/schema.ts'
import { sha256 } from '../credentials/secrets.ts'
import { hasDetails, type ReportDetails } from './details.ts'
import type { Report } from './reports.ts'

/** Other reports of the same thing from the same network around the same time, for triage only. */
export interface RelatedReports {
  count: number
  /** The oldest few of them. */
  tickets: string[]
}

/**
 * Reports of the same token or code from the same network this close in time are related: likely
 * one visit reported by several people of one household or street. They are grouped for triage
 * and each stays its own report, with its own ticket, key and details (one household's report is
 * never shown to, or changed by, another).
 */
export const RELATED_WINDOW_MS = 10 * 60 * 1000
const RELATED_TICKETS_LISTED = 10
const UNGROUPED = 'u:'

/**
 * Same token or code; or, without one, the same words. Two bare taps without either say nothing
 * in common: behind a carrier NAT they may well be two households, so they are never related.
 */
export function foldKeyOf(subjectHash: string | null, details: ReportDetails): string {
  if (subjectHash) return `s:${subjectHash}`
  if (hasDetails(details)) return `d:${sha256(JSON.stringify(details))}`
  return `${UNGROUPED}${randomBytes(12).toString('base64url')}`
}

/** The report's related reports (see RELATED_WINDOW_MS); none for a bare tap without a code or words. */
export async function findRelatedReports(db: Queries, report: Pick<Report, 'id' | 'foldKey' | 'clientHash' | 'createdAt'>): Promise<RelatedReports> {
  if (report.foldKey.startsWith(UNGROUPED)) return { count: 0, tickets: [] }
  // Every new report's webhook payload lists them, inside the report's transaction: prepared there.
  const statements = 'prepared' in db ? db.prepared('related-reports', relatedReportStatements) : relatedReportStatements(db)
  const values = { id: report.id, foldKey: report.foldKey, clientHash: report.clientHash, from: report.createdAt - RELATED_WINDOW_MS, to: report.createdAt + RELATED_WINDOW_MS }
  const [counted] = await statements.count.execute(values)
  const tickets = await statements.tickets.execute(values)
  return { count: counted?.n ?? 0, tickets: tickets.map((row) => row.ticket) }
}

function relatedReportStatements(q: StatementBuilders) {
  const p = sql.placeholder
  const related = relatedTo(reports, { id: p('id'), foldKey: p('foldKey'), clientHash: p('clientHash'), from: p('from'), to: p('to') })
  return {
    count: q.select({ n: sql<number>`count(*)` }).from(reports).where(related).prepare(),
    tickets: q
      .select({ ticket: reports.ticket })
      .from(reports)
      .where(related)
      // The index's own order (reports_fold): no sort per lookup.
      .orderBy(asc(reports.createdAt))
      .limit(RELATED_TICKETS_LISTED)
      .prepare(),
  }
}

/** The number of related reports of each row of `reports`, as a column for a query over that table. */
export function relatedReportCountSql(): SQL<number> {
  const other = alias(reports, 'related')
  return sql<number>`(select count(*) from ${reports} as ${sql.identifier('related')} where ${relatedTo(other, { id: reports.id, foldKey: reports.foldKey, clientHash: reports.clientHash, from: sql`${reports.createdAt} - ${RELATED_WINDOW_MS}`, to: sql`${reports.createdAt} + ${RELATED_WINDOW_MS}` })})`
}

/** The columns of `reports`, or of an alias of it, that relate two reports. */
type RelatingColumns = Record<'id' | 'foldKey' | 'clientHash' | 'createdAt', SQLWrapper>

/**
 * Rows of `table` related to the report described by `of` (columns, values or expressions).
 * A bare tap's key is random, so it relates to nothing.
 */
function relatedTo(table: RelatingColumns, of: Record<'id' | 'foldKey' | 'clientHash' | 'from' | 'to', unknown>): SQL {
  // Null-safe equality that both engines read (SQLite since 3.39); SQLite's own `is` is not PostgreSQL's.
  return sql`${table.foldKey} = ${of.foldKey} and ${table.clientHash} is not distinct from ${of.clientHash}
    and ${table.createdAt} between ${of.from} and ${of.to} and ${table.id} <> ${of.id}`
}
