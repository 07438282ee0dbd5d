import { inArray, or } from 'drizzle-orm'
import type { Db, Queries, Transaction } from '../../db/client.ts'
import { unitAreas, units } from '../../db/schema.ts'
import { audited } from '../audit/audit.ts'
import type { Clock } from '../config.ts'
import { DomainError } from '../errors.ts'
import { parseCsv } from './csv-import.ts'

/** Which unit serves a kelurahan, as stored (DESIGN §5 routing). */
export type UnitArea = typeof unitAreas.$inferSelect

export const AREA_COLUMNS = ['kelurahan', 'kecamatan', 'city', 'unit_code'] as const
export const MAX_AREA_IMPORT_BYTES = 2 * 1024 * 1024
/** Indonesia has about 84 000 desa and kelurahan; a province's file is far below this. */
export const MAX_AREA_ROWS = 20_000
const MAX_NAME_LENGTH = 80
/** The longest place name we match, in words ("Kebon Kacang Dalam Timur"). */
const MAX_NAME_WORDS = 5
/** How many problems a refusal names before it only counts the rest. */
const PROBLEMS_NAMED = 5

/** Words that say what kind of place follows, not which: "Kel. Cikini" and "Cikini" are one kelurahan. */
const PLACE_PREFIX = /^(kel|kelurahan|ds|desa|dsn|dusun|kp|kampung|kec|kecamatan|kab|kabupaten|kota|kotamadya|adm|administrasi)\s+/
const CONTROL = /[\u0000-\u001f\u007f]/

/**
 * The key a place name is matched by: no accents, lower case, words of letters and digits
 * separated by one space, without the leading "Kel." / "Kec." / "Kota" that say what kind of
 * place it is. "Kel. Kebon-Sirih" → "kebon sirih".
 */
export function normalizePlaceName(name: string): string {
  let text = placeWords(name).join(' ')
  for (let previous = ''; previous !== text; ) {
    previous = text
    text = text.replace(PLACE_PREFIX, '')
  }
  return text
}

function placeWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '')
}

/** A row of an area file, checked; `problems` empty when it can be imported. */
export interface AreaImportRow {
  /** The file's line (the header is line 1). */
  line: number
  kelurahan: string
  kecamatan: string
  city: string
  unitCode: string
  problems: string[]
}

export interface AreaImportSummary {
  rows: number
  inserted: number
  updated: number
  unchanged: number
}

/**
 * Reads a CSV of kelurahan,kecamatan,city,unit_code (a header line first, columns in any order)
 * and checks every row: names present, not too long, the unit known, no place twice.
 */
export async function checkAreaFile(db: Queries, text: string): Promise<AreaImportRow[]> {
  if (Buffer.byteLength(text, 'utf8') > MAX_AREA_IMPORT_BYTES) throw new DomainError('area_file_too_large', `The file is larger than ${MAX_AREA_IMPORT_BYTES / 1024 / 1024} MB`)
  const parsed = parseCsv(text.replace(/^\uFEFF/, ''))
  if (!parsed.ok) throw new DomainError('area_file_malformed', `The file is not valid CSV (line ${parsed.line}: ${parsed.problem.replace(/_/g, ' ')})`)
  const [header, ...records] = parsed.records
  if (!header) throw new DomainError('area_file_empty', 'The file is empty')
  const names = header.cells.map((cell) => cell.trim().toLowerCase())
  const missing = AREA_COLUMNS.filter((column) => !names.includes(column))
  const unknown = names.filter((name) => !(AREA_COLUMNS as readonly string[]).includes(name))
  if (missing.length > 0 || unknown.length > 0 || names.length !== AREA_COLUMNS.length) {
    throw new DomainError('area_file_bad_header', `The first line must name the columns ${AREA_COLUMNS.join(',')}`)
  }
  if (records.length === 0) throw new DomainError('area_file_empty', 'The file has no rows after its header')
  if (records.length > MAX_AREA_ROWS) throw new DomainError('area_file_too_many_rows', `The file has more than ${MAX_AREA_ROWS} rows`)
  const cell = (cells: string[], column: (typeof AREA_COLUMNS)[number]) => (cells[names.indexOf(column)] ?? '').trim().replace(/\s+/g, ' ')
  const knownUnits = new Set((await db.select({ code: units.code }).from(units)).map((unit) => unit.code))
  const seen = new Map<string, number>()
  return records.map(({ line, cells }) => {
    const row: AreaImportRow = { line, kelurahan: cell(cells, 'kelurahan'), kecamatan: cell(cells, 'kecamatan'), city: cell(cells, 'city'), unitCode: cell(cells, 'unit_code'), problems: [] }
    if (cells.length !== AREA_COLUMNS.length) row.problems.push(`has ${cells.length} columns instead of ${AREA_COLUMNS.length}`)
    for (const column of ['kelurahan', 'kecamatan', 'city'] as const) {
      const value = row[column]
      if (value === '') row.problems.push(`${column} is empty`)
      else if (value.length > MAX_NAME_LENGTH || CONTROL.test(value)) row.problems.push(`${column} is not a place name`)
      else if (column !== 'city' && (normalizePlaceName(value).length < 2 || normalizePlaceName(value).split(' ').length > MAX_NAME_WORDS)) row.problems.push(`${column} "${value}" is not a place name`)
    }
    if (row.unitCode === '') row.problems.push('unit_code is empty')
    else if (!knownUnits.has(row.unitCode)) row.problems.push(`unknown unit "${row.unitCode.slice(0, 32)}"`)
    const place = `${normalizePlaceName(row.kecamatan)}\u0001${normalizePlaceName(row.kelurahan)}`
    const first = seen.get(place)
    if (row.problems.length === 0 && first !== undefined) row.problems.push(`repeats the place of line ${first}`)
    if (!seen.has(place)) seen.set(place, line)
    return row
  })
}

/**
 * Imports an area file: every row is checked first, and one bad row refuses the whole file
 * (nothing changes). Rows are upserted by place (kecamatan and kelurahan), so importing the
 * same file again changes nothing. Audited.
 */
export async function importAreaFile(db: Db, clock: Clock, text: string, actor: string): Promise<AreaImportSummary> {
  const rows = await checkAreaFile(db, text)
  const refused = rows.filter((row) => row.problems.length > 0)
  if (refused.length > 0) {
    const named = refused.slice(0, PROBLEMS_NAMED).map((row) => `line ${row.line}: ${row.problems.join(', ')}`)
    const more = refused.length > PROBLEMS_NAMED ? `; and ${refused.length - PROBLEMS_NAMED} more` : ''
    throw new DomainError('area_rows_refused', `${refused.length} of ${rows.length} rows refused, nothing imported: ${named.join('; ')}${more}`)
  }
  return audited(db, clock, async (tx) => {
    const summary = await saveAreasWithin(tx, rows)
    return { result: summary, audit: { actor, action: 'area.imported', subject: 'unit_areas', details: { ...summary } } }
  })
}

/** Upserts checked rows by place; call inside a transaction. */
export async function saveAreasWithin(tx: Transaction, rows: Pick<AreaImportRow, 'kelurahan' | 'kecamatan' | 'city' | 'unitCode'>[]): Promise<AreaImportSummary> {
  const existing = new Map((await tx.select().from(unitAreas)).map((area) => [`${area.kecamatanKey}\u0001${area.kelurahanKey}`, area]))
  const summary: AreaImportSummary = { rows: rows.length, inserted: 0, updated: 0, unchanged: 0 }
  for (const row of rows) {
    const values = { kelurahan: row.kelurahan, kecamatan: row.kecamatan, city: row.city, unitCode: row.unitCode, kelurahanKey: normalizePlaceName(row.kelurahan), kecamatanKey: normalizePlaceName(row.kecamatan) }
    const before = existing.get(`${values.kecamatanKey}\u0001${values.kelurahanKey}`)
    if (before && before.kelurahan === values.kelurahan && before.kecamatan === values.kecamatan && before.city === values.city && before.unitCode === values.unitCode) {
      summary.unchanged++
      continue
    }
    await tx
      .insert(unitAreas)
      .values(values)
      .onConflictDoUpdate({ target: [unitAreas.kecamatanKey, unitAreas.kelurahanKey], set: { kelurahan: values.kelurahan, kecamatan: values.kecamatan, city: values.city, unitCode: values.unitCode } })
    if (before) summary.updated++
    else summary.inserted++
  }
  return summary
}

/** Every area, by city, kecamatan and kelurahan. */
export function listAreas(db: Queries): Promise<UnitArea[]> {
  return db.select().from(unitAreas).orderBy(unitAreas.city, unitAreas.kecamatanKey, unitAreas.kelurahanKey)
}

/** Where a free-text place ("Jl. Cikini Raya 12, Menteng") lies, as far as the area table knows. */
export interface PlaceMatch {
  /** The kecamatan's name as imported ("Menteng") and its key. */
  kecamatan: string
  kecamatanKey: string
  /** The kelurahan named, when one was; null when only the kecamatan was. */
  kelurahan: string | null
  /** The units serving what was named: one for a kelurahan, all of a kecamatan's otherwise. */
  unitCodes: string[]
}

/**
 * Matches free text against a set of areas. Every run of up to MAX_NAME_WORDS words of the text
 * is looked up as a kelurahan and as a kecamatan, so "Jl. Cikini Raya 12, Menteng" finds the
 * kelurahan Cikini and the kecamatan Menteng. A kelurahan in a kecamatan also named wins (the
 * most specific consistent reading); a kelurahan name shared by several kecamatan, none of them
 * named, is no answer rather than a guess.
 */
export class PlaceIndex {
  readonly #byKelurahan = new Map<string, UnitArea[]>()
  readonly #byKecamatan = new Map<string, UnitArea[]>()

  constructor(areas: readonly UnitArea[]) {
    for (const area of areas) {
      push(this.#byKelurahan, area.kelurahanKey, area)
      push(this.#byKecamatan, area.kecamatanKey, area)
    }
  }

  match(text: string): PlaceMatch | null {
    if (this.#byKelurahan.size === 0) return null
    const named = wordRunSpans(text).filter((run) => this.#byKelurahan.has(run.gram) || this.#byKecamatan.has(run.gram))
    // The longest names win: "Menteng Dalam" (Tebet) is not also "Menteng".
    const grams = named.filter((run) => !named.some((other) => other.end - other.start > run.end - run.start && other.start <= run.start && other.end >= run.end)).map((run) => run.gram)
    const kelurahan = grams.flatMap((gram) => this.#byKelurahan.get(gram) ?? [])
    const kecamatanKeys = new Set(grams.filter((gram) => this.#byKecamatan.has(gram)))
    const consistent = kelurahan.filter((area) => kecamatanKeys.has(area.kecamatanKey))
    const candidates = consistent.length > 0 ? consistent : kelurahan
    if (candidates.length > 0 && new Set(candidates.map((area) => area.kecamatanKey)).size === 1) {
      // "Cikini, Menteng": the kelurahan that is not just the kecamatan's own name says more.
      const best = [...candidates].sort((a, b) => Number(a.kelurahanKey === a.kecamatanKey) - Number(b.kelurahanKey === b.kecamatanKey) || b.kelurahanKey.length - a.kelurahanKey.length)[0]!
      return { kecamatan: best.kecamatan, kecamatanKey: best.kecamatanKey, kelurahan: best.kelurahan, unitCodes: [best.unitCode] }
    }
    if (candidates.length === 0 && kecamatanKeys.size === 1) {
      const areas = this.#byKecamatan.get([...kecamatanKeys][0]!)!
      return { kecamatan: areas[0]!.kecamatan, kecamatanKey: areas[0]!.kecamatanKey, kelurahan: null, unitCodes: [...new Set(areas.map((area) => area.unitCode))] }
    }
    return null
  }
}

function push(map: Map<string, UnitArea[]>, key: string, area: UnitArea): void {
  const list = map.get(key)
  if (list) list.push(area)
  else map.set(key, [area])
}

/** Every run of 1 to MAX_NAME_WORDS consecutive words of the text, normalised as keys are. */
function wordRuns(text: string): string[] {
  return wordRunSpans(text).map((run) => run.gram)
}

/** The runs with the words they cover (`start` inclusive, `end` exclusive). */
function wordRunSpans(text: string): { gram: string; start: number; end: number }[] {
  const words = placeWords(text.slice(0, 200))
  const runs: { gram: string; start: number; end: number }[] = []
  for (let start = 0; start < words.length; start++) {
    for (let end = start + 1; end <= start + MAX_NAME_WORDS && end <= words.length; end++) runs.push({ gram: words.slice(start, end).join(' '), start, end })
  }
  return runs
}

/** The whole area table as a PlaceIndex (campaigns match thousands of places at once). */
export async function loadPlaceIndex(db: Queries): Promise<PlaceIndex> {
  return new PlaceIndex(await db.select().from(unitAreas))
}

/** Matches one place, reading only the areas whose names occur in it. */
export async function matchPlace(db: Queries, text: string): Promise<PlaceMatch | null> {
  const grams = [...new Set(wordRuns(text))]
  if (grams.length === 0) return null
  const areas = await db
    .select()
    .from(unitAreas)
    .where(or(inArray(unitAreas.kelurahanKey, grams), inArray(unitAreas.kecamatanKey, grams)))
  if (areas.length === 0) return null
  // A kecamatan named alone needs all its kelurahan, not only those whose names occur.
  const kecamatanKeys = [...new Set(areas.map((area) => area.kecamatanKey))].filter((key) => grams.includes(key))
  const whole = kecamatanKeys.length > 0 ? await db.select().from(unitAreas).where(inArray(unitAreas.kecamatanKey, kecamatanKeys)) : []
  const byPlace = new Map([...areas, ...whole].map((area) => [`${area.kecamatanKey}\u0001${area.kelurahanKey}`, area]))
  return new PlaceIndex([...byPlace.values()]).match(text)
}

/**
 * The one unit responsible for all of `unitCodes`: the lowest unit that is, or is above, each of
 * them (ULP Cikini and ULP Menteng → UP3 Menteng); null when they share none.
 */
export async function commonUnit(db: Queries, unitCodes: readonly string[]): Promise<string | null> {
  const [first, ...rest] = [...new Set(unitCodes)]
  if (first === undefined) return null
  if (rest.length === 0) return first
  const parents = new Map((await db.select({ code: units.code, parentCode: units.parentCode }).from(units)).map((unit) => [unit.code, unit.parentCode]))
  const chain = (code: string) => {
    const codes: string[] = []
    // A parent cycle typed by hand ends the walk (see MAX_UNIT_DEPTH in scope.ts).
    for (let at: string | null | undefined = code; at && codes.length < 8 && !codes.includes(at); at = parents.get(at)) codes.push(at)
    return codes
  }
  const others = rest.map((code) => new Set(chain(code)))
  return chain(first).find((code) => others.every((set) => set.has(code))) ?? null
}

/** The unit a typed place belongs to, or null when the area table does not know it. */
export async function unitOfPlace(db: Queries, text: string | null): Promise<string | null> {
  if (!text) return null
  const place = await matchPlace(db, text)
  return place ? commonUnit(db, place.unitCodes) : null
}
