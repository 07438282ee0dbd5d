import { sql } from 'drizzle-orm'
import type { Db, Engine } from '../../db/client.ts'
import { commaList } from '../../db/portable-sql.ts'
import { officers, REPORT_CATEGORIES, reportCategories, reports } from '../../db/schema.ts'
import { WIB_OFFSET_MS, wibDay } from '../i18n/time.ts'
import { reportDetailsShown, withheldDetailsText } from './details-shown.ts'
import { CLAIMED_UNIT_SQL, reportFilterSql, type ReportFilters, type ReportScope } from './filters.ts'

/** The columns of the CSV export, in order; their headings come from the dictionary. */
export const REPORT_CSV_COLUMNS = ['ticket', 'created', 'status', 'verdict', 'category', 'unit', 'officer', 'claimedOfficer', 'location', 'note'] as const
export type ReportCsvColumn = (typeof REPORT_CSV_COLUMNS)[number]

/** Rows read per step: enough to keep the database busy, few enough that memory stays flat. */
export const CSV_BATCH_ROWS = 1000
/** Excel reads a UTF-8 file as UTF-8 only when it starts with the byte order mark. */
const BOM = '\uFEFF'
/**
 * A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection"):
 * such a cell gets a leading apostrophe, which shows as text and runs nothing.
 */
const FORMULA_START = /^[=+\-@\t\r]/

interface ExportRow {
  id: number
  ticket: string
  createdAt: number
  status: string
  verdict: string | null
  category: string | null
  unit: string | null
  officer: string | null
  claimedOfficer: string | number | null
  location: string | null
  note: string | null
  restrictedAt: number | null
  detailsErasedAt: number | null
}

/** One CSV field: always quoted (so commas, quotes, CR and LF inside stay inside), never a formula. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '""'
  const text = String(value)
  const inert = FORMULA_START.test(text) ? `'${text}` : text
  return `"${inert.replace(/"/g, '""')}"`
}

export function csvLine(cells: (string | number | null)[]): string {
  // RFC 4180 ends records with CRLF.
  return `${cells.map(csvCell).join(',')}\r\n`
}

export function reportCsvFilename(now: number): string {
  return `laporan-${wibDay(now)}.csv`
}

/**
 * The filtered reports as a CSV byte stream, newest first. It is pulled: each read takes the
 * next batch with a keyset query (created_at, id below the last row sent). No statement stays
 * open between reads, because an open cursor would keep every other request on the SQLite
 * connection from writing while a slow client downloads.
 */
export function streamReportCsv(db: Db, options: ReportCsvOptions): ReadableStream<Uint8Array> {
  const lines = reportCsvChunks(db, options)
  const encoder = new TextEncoder()
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await lines.next()
        if (next.done) controller.close()
        else controller.enqueue(encoder.encode(next.value))
      },
      async cancel() {
        await lines.return(undefined)
      },
    },
    // Nothing is read ahead of the client: one batch at a time, when it is asked for.
    { highWaterMark: 0 },
  )
}

/** The CSV text in chunks: the heading line, then one chunk per batch of rows. */
export interface ReportCsvOptions {
  filters: ReportFilters
  scope: ReportScope
  headings: Record<ReportCsvColumn, string>
  /** Written in the note column of a report whose details were restricted or erased; empty without. */
  withheld?: { restricted: string; erased: string }
}

export async function* reportCsvChunks(db: Db, options: ReportCsvOptions): AsyncGenerator<string, void, undefined> {
  yield BOM + csvLine(REPORT_CSV_COLUMNS.map((column) => options.headings[column]))
  let cursor = { createdAt: Number.MAX_SAFE_INTEGER, id: Number.MAX_SAFE_INTEGER }
  for (;;) {
    // One statement per batch, outside any transaction: it sees only committed rows, and holds
    // nothing open while the client reads.
    const rows = await db.rows<ExportRow>(batchSql(db.engine, options.filters, options.scope, cursor))
    let chunk = ''
    for (const row of rows) {
      const shown = reportDetailsShown({ location: row.location, note: row.note, phone: null, latitude: null, longitude: null, restrictedAt: row.restrictedAt, detailsErasedAt: row.detailsErasedAt })
      const withheld = options.withheld ? withheldDetailsText(shown.state, options.withheld) : null
      const officer = row.officer
      chunk += csvLine([row.ticket, formatWib(row.createdAt), row.status, row.verdict, inCatalogOrder(row.category), row.unit, officer, officer === null ? row.claimedOfficer : null, shown.location, withheld ?? shown.note])
      cursor = { createdAt: row.createdAt, id: row.id }
    }
    if (rows.length > 0) yield chunk
    if (rows.length < CSV_BATCH_ROWS) return
  }
}

/** The next batch below `cursor` (created_at, id), newest first. */
function batchSql(engine: Engine, filters: ReportFilters, scope: ReportScope, cursor: { createdAt: number; id: number }) {
  return sql`
    select ${reports.id} as "id", ${reports.ticket} as "ticket", ${reports.createdAt} as "createdAt", ${reports.status} as "status", ${reports.verdict} as "verdict",
      coalesce((select ${commaList(engine, reportCategories.category)} from ${reportCategories} where ${reportCategories.reportId} = ${reports.id}), ${reports.category}) as "category",
      coalesce((select ${officers.unitCode} from ${officers} where ${officers.employeeNo} = ${reports.officerEmployeeNo}), ${CLAIMED_UNIT_SQL}) as "unit",
      ${reports.officerEmployeeNo} as "officer", ${reports.unverifiedClaims} ->> 'sub' as "claimedOfficer", ${reports.location} as "location", ${reports.note} as "note",
      ${reports.restrictedAt} as "restrictedAt", ${reports.detailsErasedAt} as "detailsErasedAt"
    from ${reports}
    where ${reportFilterSql(filters, scope)}
      and ${reports.createdAt} <= ${cursor.createdAt} and (${reports.createdAt} < ${cursor.createdAt} or ${reports.id} < ${cursor.id})
    order by ${reports.createdAt} desc, ${reports.id} desc
    limit ${sql.raw(String(CSV_BATCH_ROWS))}
  `
}

/**
 * Every answer of the report, first the one in `reports.category`, as "money, threat"
 * (group_concat keeps no order). A report with one answer reads as it always did.
 */
function inCatalogOrder(categories: string | null): string | null {
  if (categories === null) return null
  const given = categories.split(',')
  return REPORT_CATEGORIES.filter((category) => given.includes(category)).join(', ')
}

function formatWib(at: number): string {
  return new Date(at + WIB_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ')
}
