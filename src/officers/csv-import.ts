import { CsvError, parse } from 'csv-parse/sync'
import type { Db } from '../../db/client.ts'
import type { Clock } from '../config.ts'
import { DomainError } from '../errors.ts'
import { addOfficerWithin, findOfficer, validateOfficerFields } from './officers.ts'

export const IMPORT_COLUMNS = ['employee_no', 'name', 'role_title', 'employer', 'unit_code'] as const
export const MAX_IMPORT_BYTES = 1024 * 1024
export const MAX_IMPORT_ROWS = 5000

export interface ImportRow {
  /** Line number in the file (the header is line 1). */
  line: number
  employeeNo: string
  name: string
  roleTitle: string
  employer: string
  unitCode: string
  /** DomainError codes; empty when the row can be imported. */
  problems: string[]
}

export type CsvProblem = 'quote_not_closed' | 'stray_quote' | 'malformed'

export type ImportPreview =
  | { ok: true; rows: ImportRow[] }
  | { ok: false; rows: ImportRow[]; fileProblem: 'empty' | 'too_large' | 'bad_header' | null }
  | { ok: false; rows: []; fileProblem: 'malformed'; line: number; problem: CsvProblem }

export interface CsvRecord {
  /** The file's line where the record starts (1-based; CRLF, LF and CR each end a line). */
  line: number
  cells: string[]
}

export type CsvParse = { ok: true; records: CsvRecord[] } | { ok: false; line: number; problem: CsvProblem }

/**
 * RFC 4180 through csv-parse: quoted fields, doubled quotes, CRLF, LF or CR line ends, blank lines
 * skipped. A quote out of place (`"ab"c`, an unterminated `"`) makes the whole file malformed,
 * named by its line, instead of being read as some guess at what was meant.
 */
export function parseCsv(text: string): CsvParse {
  // One line end everywhere, so csv-parse counts lines as an editor shows them.
  const normalized = text.replace(/\r\n?/g, '\n')
  let lastRecordEnd = 0
  const starts: number[] = []
  try {
    const parsed = parse(normalized, {
      record_delimiter: '\n',
      relax_column_count: true,
      skip_empty_lines: true,
      on_record: (cells, context) => {
        lastRecordEnd = context.lines
        starts.push(context.lines - lineBreaks(cells))
        return cells
      },
    })
    const records = parsed.map((cells, index) => ({ line: starts[index]!, cells })).filter((record) => record.cells.some((cell) => cell.trim() !== ''))
    return { ok: true, records }
  } catch (error) {
    if (!(error instanceof CsvError)) throw error
    if (error.code === 'CSV_QUOTE_NOT_CLOSED') return { ok: false, line: nextRecordLine(normalized, lastRecordEnd), problem: 'quote_not_closed' }
    const line = typeof error.lines === 'number' ? error.lines : nextRecordLine(normalized, lastRecordEnd)
    const stray = error.code === 'CSV_INVALID_CLOSING_QUOTE' || error.code === 'INVALID_OPENING_QUOTE'
    return { ok: false, line, problem: stray ? 'stray_quote' : 'malformed' }
  }
}

function lineBreaks(cells: string[]): number {
  return cells.reduce((sum, cell) => sum + (cell.match(/\n/g)?.length ?? 0), 0)
}

/** The first non-blank line after `line`: where an unterminated record began. */
function nextRecordLine(text: string, line: number): number {
  const lines = text.split('\n')
  let next = line
  while (next < lines.length && lines[next]!.trim() === '') next++
  return next + 1
}

/** Checks every row without writing anything: the preview an admin confirms. */
export async function previewImport(db: Db, text: string): Promise<ImportPreview> {
  if (text.length > MAX_IMPORT_BYTES) return { ok: false, rows: [], fileProblem: 'too_large' }
  const table = parseCsv(text.replace(/^\uFEFF/, ''))
  if (!table.ok) return { ok: false, rows: [], fileProblem: 'malformed', line: table.line, problem: table.problem }
  const [header, ...body] = table.records
  if (!header) return { ok: false, rows: [], fileProblem: 'empty' }
  if (header.cells.map((h) => h.trim().toLowerCase()).join(',') !== IMPORT_COLUMNS.join(',')) return { ok: false, rows: [], fileProblem: 'bad_header' }
  if (body.length === 0) return { ok: false, rows: [], fileProblem: 'empty' }
  if (body.length > MAX_IMPORT_ROWS) return { ok: false, rows: [], fileProblem: 'too_large' }
  const seen = new Set<string>()
  const rows: ImportRow[] = []
  for (const { line, cells } of body) {
    const [employeeNo = '', name = '', roleTitle = '', employer = '', unitCode = ''] = cells.map((cell) => cell.trim())
    const row: ImportRow = { line, employeeNo, name, roleTitle, employer, unitCode, problems: [] }
    if (cells.length !== IMPORT_COLUMNS.length) row.problems.push('wrong_column_count')
    try {
      await validateOfficerFields(db, { employeeNo, name, roleTitle, employer, unitCode })
    } catch (error) {
      if (!(error instanceof DomainError)) throw error
      row.problems.push(error.code)
    }
    if (seen.has(employeeNo)) row.problems.push('duplicate_in_file')
    else if (await findOfficer(db, employeeNo)) row.problems.push('duplicate_officer')
    seen.add(employeeNo)
    rows.push(row)
  }
  return rows.every((row) => row.problems.length === 0) ? { ok: true, rows } : { ok: false, rows, fileProblem: null }
}

/** Imports every row in one transaction, or none: call only with a preview that was ok. */
export async function importOfficers(db: Db, clock: Clock, rows: ImportRow[], actor: string): Promise<number> {
  await db.transaction(async (tx) => {
    for (const row of rows) await addOfficerWithin(tx, clock, { ...row, actor })
  })
  return rows.length
}
