import { DAY_MS, WIB_OFFSET_MS, wibDay } from '../i18n/time.ts'
import { normalizePlaceName } from '../officers/areas.ts'
import type { WindowRow } from './campaign-window.ts'

/** Why reports were grouped: the same claimed or genuine officer, token, pass, area on one day, or a person's merge. */
export type CampaignReasonKind = 'officer' | 'token' | 'pass' | 'area_day' | 'manual'

export interface CampaignReason {
  kind: CampaignReasonKind
  /** The shared value: an employee number, a hash prefix, a pass id, "area · day"; empty for manual. */
  value: string
  /** How many of the campaign's reports share it (for manual: how many merges). */
  count: number
}

/**
 * A typed place the area table does not know, as one key: "Kel. Cikini", "KELURAHAN  cikini" and
 * "Cikini" are one area; null when too short to mean a place.
 */
export function normalizeArea(location: string | null): string | null {
  if (!location) return null
  const key = normalizePlaceName(location)
  return key.length >= 3 ? key : null
}

/**
 * The keys a report may share with others, as `<kind>\u0001<value>` strings (cheap to build and
 * compare for ten thousand reports; decoded only for the few that become a campaign's reasons).
 * A split report has none.
 */
export function groupingKeys(row: WindowRow, areaOf: (location: string) => string | null): string[] {
  if (row.excluded) return []
  const keys: string[] = []
  const officer = normalizeEmployeeNo(row.officerEmployeeNo ?? row.claimedSub)
  if (officer) keys.push(`officer${KEY_SEPARATOR}${officer}`)
  if (row.subjectHash) keys.push(`token${KEY_SEPARATOR}${row.subjectHash}`)
  const pass = row.credentialId ?? (row.claimedJti === null ? null : String(row.claimedJti).slice(0, 64))
  if (pass) keys.push(`pass${KEY_SEPARATOR}${pass}`)
  const area = row.location ? areaOf(row.location) : null
  // The Jakarta day as a day number; turned into a date only for display.
  if (area) keys.push(`area_day${KEY_SEPARATOR}${area}${KEY_SEPARATOR}${Math.floor((row.createdAt + WIB_OFFSET_MS) / DAY_MS)}`)
  return keys
}

const KEY_SEPARATOR = '\u0001'

export function describeKey(key: string, count: number): CampaignReason {
  const [kind = '', value = '', dayNumber] = key.split(KEY_SEPARATOR)
  if (kind === 'token') return { kind, value: `sha256 ${value.slice(0, 12)}…`, count }
  if (kind === 'area_day') return { kind, value: `${value} · ${wibDay(Number(dayNumber) * DAY_MS)}`, count }
  return { kind: kind as 'officer' | 'pass', value, count }
}

function normalizeEmployeeNo(value: string | number | null): string | null {
  if (value === null) return null
  const text = String(value).trim().toUpperCase().replace(/\s+/g, '')
  return text.length >= 3 ? text.slice(0, 64) : null
}

