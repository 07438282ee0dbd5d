import type { Db } from '../../db/client.ts'
import type { Clock } from '../config.ts'
import { DomainError } from '../errors.ts'
import { addOfficer, findOfficer, validateOfficerFields } from './officers.ts'

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

export type ImportPreview = { ok: true; rows: ImportRow[] } | { ok: false; rows: ImportRow[]; fileProblem: 'empty' | 'too_large' | 'bad_header' | null }

/** Parses RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF line ends. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"' && field === '') quoted = true
    else if (ch === ',') {
      row.push(field)
      field = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      row.push(field)
      rows.push(row)
      row = []
      field = ''
    } else field += ch
  }
  if (field !== '' || row.length > 0) {
    row.push(field)
    rows.push(row)
  }
  return rows.filter((r) => r.some((cell) => cell.trim() !== ''))
}

/** Checks every row without writing anything: the preview an admin confirms. */
export function previewImport(db: Db, text: string): ImportPreview {
  if (text.length > MAX_IMPORT_BYTES) return { ok: false, rows: [], fileProblem: 'too_large' }
  const table = parseCsv(text.replace(/^\uFEFF/, ''))
  const [header, ...body] = table
  if (!header) return { ok: false, rows: [], fileProblem: 'empty' }
  if (header.map((h) => h.trim().toLowerCase()).join(',') !== IMPORT_COLUMNS.join(',')) return { ok: false, rows: [], fileProblem: 'bad_header' }
  if (body.length === 0) return { ok: false, rows: [], fileProblem: 'empty' }
  if (body.length > MAX_IMPORT_ROWS) return { ok: false, rows: [], fileProblem: 'too_large' }
  const seen = new Set<string>()
  const rows = body.map((cells, index): ImportRow => {
    const [employeeNo = '', name = '', roleTitle = '', employer = '', unitCode = ''] = cells.map((cell) => cell.trim())
    const row: ImportRow = { line: index + 2, employeeNo, name, roleTitle, employer, unitCode, problems: [] }
    if (cells.length !== IMPORT_COLUMNS.length) row.problems.push('wrong_column_count')
    try {
      validateOfficerFields(db, { employeeNo, name, roleTitle, employer, unitCode })
    } catch (error) {
      if (!(error instanceof DomainError)) throw error
      row.problems.push(error.code)
    }
    if (seen.has(employeeNo)) row.problems.push('duplicate_in_file')
    else if (findOfficer(db, employeeNo)) row.problems.push('duplicate_officer')
    seen.add(employeeNo)
    return row
  })
  return rows.every((row) => row.problems.length === 0) ? { ok: true, rows } : { ok: false, rows, fileProblem: null }
}

/** Imports every row in one transaction, or none: call only with a preview that was ok. */
export function importOfficers(db: Db, clock: Clock, rows: ImportRow[], actor: string): number {
  db.transaction(() => {
    for (const row of rows) addOfficer(db, clock, { ...row, actor })
  })
  return rows.length
}
