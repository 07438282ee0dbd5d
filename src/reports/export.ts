import { sql } from 'drizzle-orm'
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core'
import type { Db } from '../../db/client.ts'
import { officers, REPORT_CATEGORIES, reportCategories, reports } from '../../db/schema.ts'
import { WIB_OFFSET_MS, wibDay } from '../i18n/time.ts'
import { reportDetailsShown, withheldDetailsText } from './details-shown.ts'
import { CLAIMED_UNIT_SQL, reportFilterSql, type ReportFilters, type ReportScope } from './filters.ts'

/** The columns of the CSV export, in order; their headings come from the dictionary. */
export const REPORT_CSV_COLUMNS = ['ticket', 'created', 'status', 'verdict', 'category', 'unit', 'officer', 'claimedOfficer', 'location', 'note'] as const
export type ReportCsvColumn = (typeof REPORT_CSV_COLUMNS)[number]

/** Rows read per step: enough to keep SQLite busy, few enough that memory stays flat. */
export const CSV_BATCH_ROWS = 1000
/** Excel reads a UTF-8 file as UTF-8 only when it starts with the byte order mark. */
const BOM = '\uFEFF'
/**
 * A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection"):
 * such a cell gets a leading apostrophe, which shows as text and runs nothing.
 */
const FORMULA_START = /^[=+\-@\t\r]/

type ExportRow = [id: number, ticket: string, createdAt: number, status: string, verdict: string | null, category: string | null, unit: string | null, officer: string | null, claimedOfficer: string | number | null, location: string | null, note: string | null, restrictedAt: number | null, detailsErasedAt: number | null]

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
 * next batch from SQLite with a keyset query (created_at, id below the last row sent). No
 * statement stays open between reads, because an open better-sqlite3 iterator would keep every
 * other request on this connection from writing while a slow client downloads.
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
  const statement = prepareBatch(db, options.filters, options.scope)
  let cursor = { createdAt: Number.MAX_SAFE_INTEGER, id: Number.MAX_SAFE_INTEGER }
  for (;;) {
    // The batches are read with better-sqlite3's own `iterate()` on `db.$client`, as `Db` has no
    // cursor yet (step 14 gives it one, as PostgreSQL has). That read bypasses the turns of
    // db/database.ts, so it waits until no transaction of this connection is open: inside one it
    // would see rows not yet committed, which a rollback may take back. The check and the read run
    // without an await between them, so no transaction can begin in the meantime.
    while (db.$client.inTransaction) await nextEventLoopTurn()
    let chunk = ''
    let count = 0
    // Read the whole batch before yielding, so the iterator is closed while the client reads.
    for (const row of statement.iterate(cursor.createdAt, cursor.createdAt, cursor.id, CSV_BATCH_ROWS) as IterableIterator<ExportRow>) {
      const [id, ticket, createdAt, status, verdict, category, unit, officer, claimedOfficer, location, note, restrictedAt, detailsErasedAt] = row
      const shown = reportDetailsShown({ location, note, phone: null, latitude: null, longitude: null, restrictedAt, detailsErasedAt })
      const withheld = options.withheld ? withheldDetailsText(shown.state, options.withheld) : null
      chunk += csvLine([ticket, formatWib(createdAt), status, verdict, inCatalogOrder(category), unit, officer, officer === null ? claimedOfficer : null, shown.location, withheld ?? shown.note])
      cursor = { createdAt, id }
      count++
    }
    if (count > 0) yield chunk
    if (count < CSV_BATCH_ROWS) return
  }
}

function nextEventLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

function prepareBatch(db: Db, filters: ReportFilters, scope: ReportScope) {
  const query = new SQLiteSyncDialect().sqlToQuery(sql`
    select ${reports.id}, ${reports.ticket}, ${reports.createdAt}, ${reports.status}, ${reports.verdict},
      coalesce((select group_concat(${reportCategories.category}) from ${reportCategories} where ${reportCategories.reportId} = ${reports.id}), ${reports.category}),
      coalesce((select ${officers.unitCode} from ${officers} where ${officers.employeeNo} = ${reports.officerEmployeeNo}), ${CLAIMED_UNIT_SQL}),
      ${reports.officerEmployeeNo}, ${reports.unverifiedClaims} ->> '$.sub', ${reports.location}, ${reports.note},
      ${reports.restrictedAt}, ${reports.detailsErasedAt}
    from ${reports}
    where ${reportFilterSql(filters, scope)}
  `)
  // The keyset condition and the limit come last, bound per batch.
  const statement = db.$client
    .prepare(`${query.sql} and "reports"."created_at" <= ? and ("reports"."created_at" < ? or "reports"."id" < ?) order by "reports"."created_at" desc, "reports"."id" desc limit ?`)
    .raw(true)
  return { iterate: (...cursor: number[]) => statement.iterate(...(query.params as unknown[]), ...cursor) }
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
