import { REPORT_CATEGORIES } from '../../db/schema.ts'

export type ReportCategory = (typeof REPORT_CATEGORIES)[number]

/** The optional extras a household may add after the tap. */
export interface ReportDetails {
  /**
   * Every answer to "Apa yang terjadi?" (scams combine demands), once each, in catalog order
   * (REPORT_CATEGORIES): the first is the one stored in `reports.category`.
   */
  categories: readonly ReportCategory[]
  note: string | null
  /** +628… */
  phone: string | null
  /** A typed kelurahan or desa. */
  location: string | null
  latitude: number | null
  longitude: number | null
}

export type DetailsField = 'category' | 'note' | 'phone' | 'location' | 'coordinates'
export type DetailsProblem = 'unknown_category' | 'note_too_long' | 'invalid_phone' | 'location_too_long' | 'invalid_coordinates'

/** What was sent, as text, before it is checked: form fields and JSON members alike. */
export interface RawDetails {
  /** One answer (the API's `category`, or a form's single field). */
  category?: string | null
  /** Several answers (the API's `categories`, or the form's checkboxes). */
  categories?: readonly string[] | null
  note?: string | null
  phone?: string | null
  location?: string | null
  latitude?: string | number | null
  longitude?: string | number | null
}

export const NO_DETAILS: ReportDetails = { categories: [], note: null, phone: null, location: null, latitude: null, longitude: null }
export const MAX_NOTE_LENGTH = 1000
export const MAX_LOCATION_LENGTH = 100

/** Control characters other than tab and newline never belong in a report's text. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g
/** Indonesian mobile numbers: 08…, 628… or +628…, 10–13 digits in the 0… form. */
const INDONESIAN_MOBILE = /^(?:\+62|62|0)(8\d{8,11})$/

export function isReportCategory(value: string): value is ReportCategory {
  return (REPORT_CATEGORIES as readonly string[]).includes(value)
}

/**
 * Checks and cleans the extras. Returns the cleaned values (for storing, or for showing the
 * form again) and, per field, what is wrong.
 */
export function parseReportDetails(raw: RawDetails): { details: ReportDetails; problems: Partial<Record<DetailsField, DetailsProblem>> } {
  const problems: Partial<Record<DetailsField, DetailsProblem>> = {}
  const details: ReportDetails = { ...NO_DETAILS }

  const given = [raw.category, ...(raw.categories ?? [])].map((value) => value?.trim() ?? '').filter((value) => value !== '')
  if (given.some((value) => !isReportCategory(value))) problems.category = 'unknown_category'
  details.categories = REPORT_CATEGORIES.filter((category) => given.includes(category))

  const note = cleanNote(raw.note ?? '')
  if (note) {
    details.note = note
    if ([...note].length > MAX_NOTE_LENGTH) problems.note = 'note_too_long'
  }

  const phone = raw.phone?.trim() ?? ''
  if (phone) {
    const normalized = normalizeIndonesianPhone(phone)
    details.phone = normalized ?? phone.slice(0, 40)
    if (!normalized) problems.phone = 'invalid_phone'
  }

  const location = cleanLine(raw.location ?? '')
  if (location) {
    details.location = location
    if ([...location].length > MAX_LOCATION_LENGTH) problems.location = 'location_too_long'
  }

  const latitude = parseCoordinate(raw.latitude, 90)
  const longitude = parseCoordinate(raw.longitude, 180)
  const present = (value: RawDetails['latitude']) => value !== undefined && value !== null && String(value).trim() !== ''
  if (latitude !== null && longitude !== null) {
    details.latitude = latitude
    details.longitude = longitude
  } else if (present(raw.latitude) || present(raw.longitude)) {
    problems.coordinates = 'invalid_coordinates'
  }
  return { details, problems }
}

/** 0812-3456-7890, 62 812 3456 7890 and +62 (812) 3456-7890 all become +6281234567890; anything else is null. */
export function normalizeIndonesianPhone(input: string): string | null {
  if (input.length > 40) return null
  const compact = input.replace(/[ \t\u00a0().-]/g, '')
  const match = INDONESIAN_MOBILE.exec(compact)
  return match ? `+62${match[1]}` : null
}

export function hasDetails(details: ReportDetails): boolean {
  return details.categories.length > 0 || Object.entries(details).some(([field, value]) => field !== 'categories' && value !== null)
}

/** The first answer in catalog order, kept in `reports.category` for the filters and statistics that read one. */
export function primaryCategory(details: Pick<ReportDetails, 'categories'>): ReportCategory | null {
  return details.categories[0] ?? null
}

/** Line endings become \n (a textarea sends CRLF), other control characters go. */
function cleanNote(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROL, '').trim()
}

/** A single line: every run of whitespace, CR/LF included, becomes one space. */
function cleanLine(text: string): string {
  return text.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim()
}

/** Degrees, rounded to 4 decimals (about 11 m): enough to find a street, no more. */
function parseCoordinate(value: RawDetails['latitude'], limit: number): number | null {
  if (value === undefined || value === null) return null
  const text = String(value).trim()
  if (!/^-?\d{1,3}(\.\d{1,15})?$/.test(text)) return null
  const number = Number(text)
  return Math.abs(number) <= limit ? Math.round(number * 1e4) / 1e4 : null
}
