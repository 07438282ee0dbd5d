import type { Lang } from './index.ts'

const LOCALE: Record<Lang, string> = { id: 'id-ID', en: 'en-GB' }

// Building an Intl.DateTimeFormat costs far more than using one: keep one per shape.
const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(locale: string, timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${JSON.stringify(options)}`
  let format = formatters.get(key)
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { ...options, timeZone })
    formatters.set(key, format)
  }
  return format
}

/** "Senin, 23 November 2026, 09.00–13.00 WIB" in the unit's time zone. */
export function formatWindow(start: number, end: number, lang: Lang, timeZone: string): string {
  const locale = LOCALE[lang]
  const day = formatter(locale, timeZone, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' })
  const time = formatter(locale, timeZone, { hour: '2-digit', minute: '2-digit' })
  const zone = zoneName(start, lang, timeZone)
  return day.format(start) === day.format(end)
    ? `${day.format(start)}, ${time.format(start)}–${time.format(end)} ${zone}`
    : `${day.format(start)} ${time.format(start)} – ${day.format(end)} ${time.format(end)} ${zone}`
}

/** "13.05.12 WIB" */
export function formatTime(at: number, lang: Lang, timeZone: string): string {
  const time = formatter(LOCALE[lang], timeZone, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
  return `${time.format(at)} ${zoneName(at, lang, timeZone)}`
}

/** dd-mm-yyyy, for the KTP watermark. */
export function formatDate(at: number, timeZone: string): string {
  const parts = formatter('en-GB', timeZone, { day: '2-digit', month: '2-digit', year: 'numeric' }).formatToParts(at)
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return `${part('day')}-${part('month')}-${part('year')}`
}

function zoneName(at: number, lang: Lang, timeZone: string): string {
  return formatter(LOCALE[lang], timeZone, { timeZoneName: 'short' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? ''
}

// Indonesia keeps no daylight saving time, so each zone is a fixed offset.
const UTC_OFFSET_HOURS: Record<string, number> = { 'Asia/Jakarta': 7, 'Asia/Pontianak': 7, 'Asia/Makassar': 8, 'Asia/Jayapura': 9 }

function offsetMs(timeZone: string): number {
  return (UTC_OFFSET_HOURS[timeZone] ?? 7) * 3600 * 1000
}

/** The value of an `<input type="datetime-local">` ("2026-11-23T09:00") for a moment in a zone. */
export function toLocalInput(at: number, timeZone: string): string {
  return new Date(at + offsetMs(timeZone)).toISOString().slice(0, 16)
}

/** Parses a datetime-local value as local time in the zone; null when it is not one. */
export function fromLocalInput(value: string, timeZone: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value)
  if (!match) return null
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number]
  const utc = Date.UTC(y, mo - 1, d, h, mi)
  const check = new Date(utc)
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59) return null
  return utc - offsetMs(timeZone)
}

/** "23/11/2026 09.00 WIB" — compact, for tables. */
export function formatDateTime(at: number, lang: Lang, timeZone: string): string {
  const format = formatter(LOCALE[lang], timeZone, { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' })
  return `${format.format(at)} ${zoneName(at, lang, timeZone)}`
}

export const DAY_MS = 24 * 3600 * 1000
/** Reports, statistics and the admin console count days in Jakarta time (WIB), UTC+7 all year. */
export const WIB_OFFSET_MS = offsetMs('Asia/Jakarta')

/** Midnight at the start of a yyyy-mm-dd day in Jakarta, in ms since the epoch. */
export function wibDayStart(day: string): number {
  const [, y, m, d] = (/^(\d{4})-(\d{2})-(\d{2})$/.exec(day) ?? []).map(Number) as [number, number, number, number]
  return Date.UTC(y, m - 1, d) - WIB_OFFSET_MS
}

/** The yyyy-mm-dd day in Jakarta of a moment. */
export function wibDay(at: number): string {
  return new Date(at + WIB_OFFSET_MS).toISOString().slice(0, 10)
}

/** Admin tables show times in Jakarta time (WIB). */
export function formatAdminTime(at: number, lang: Lang): string {
  return formatDateTime(at, lang, 'Asia/Jakarta')
}
