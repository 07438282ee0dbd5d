import { REPORT_CATEGORIES } from '../../db/schema.ts'
import { formatShortCode } from '../credentials/short-code.ts'
import { fill, type Lang, type Messages } from '../i18n/index.ts'
import { findOfficer } from '../officers/officers.ts'
import type { Services } from '../services.ts'
import type { Verdict } from '../verification/verify.ts'
import { listReportCategories } from './categories.ts'
import type { DetailsField, DetailsProblem, ReportCategory, ReportDetails } from './details.ts'
import { detailsStateOf, type DetailsState } from './details-shown.ts'
import type { Report } from './reports.ts'
import { parseUnverifiedClaims } from './subject.ts'
import { listReporterTimeline } from './timeline.ts'
import { trackingPath } from './tracking.ts'

/** The ticket page (and the fragment htmx swaps in after the tap), already worded. */
export interface TicketView {
  ticket: string
  trackingPath: string
  detailsAction: string
  trackingKey: string
  statusLabel: string
  /** Prefilled for the official WhatsApp: the ticket and a one-line summary. */
  whatsappText: string
  evidenceSummary: string
  timeline: { label: string; timeText: string | null }[]
  form: { note: string; phone: string; location: string; latitude: string; longitude: string; hasCoordinates: boolean }
  /** Every answer of the catalog, with those of the report (or of the refused form) checked. */
  categories: { value: ReportCategory; label: string; checked: boolean }[]
  errors: Partial<Record<DetailsField, string>>
  /** The field to focus when the page or fragment opens: the first that was refused. */
  focusField: DetailsField | null
  saved: boolean
  /** "Data Anda": what the reporter gave, and their rights over it (correct, erase, restrict). */
  yourData: YourDataView
}

export interface YourDataView {
  state: DetailsState
  /** What was given, worded; empty once erased. */
  items: { label: string; value: string }[]
  /** "Erased on …" or "Restricted since …"; null while given. */
  stateText: string | null
  eraseAction: string
  restrictAction: string
  /** The details form stays for corrections until the details are erased. */
  canCorrect: boolean
  canRestrict: boolean
  /** The erase button was tapped: ask once more before anything goes. */
  confirmErase: boolean
  doneText: string | null
  errorText: string | null
}

/** The fields of the details form, top to bottom. */
const FIELD_ORDER: readonly DetailsField[] = ['category', 'note', 'phone', 'location', 'coordinates']

export interface TicketViewOptions {
  /** What the reporter typed when it could not be saved; shown again with the errors. */
  rejected?: { details: ReportDetails; problems: Partial<Record<DetailsField, DetailsProblem>> }
  saved?: boolean
  confirmErase?: boolean
  /** Just done (post/redirect/get): shown as the confirmation in "Data Anda". */
  rightsDone?: 'erased' | 'restricted' | null
  rightsError?: string
}

export async function presentTicket(services: Services, report: Report, trackingKey: string, t: Messages, lang: Lang, options: TicketViewOptions = {}): Promise<TicketView> {
  const shown = options.rejected?.details ?? report
  const verdictWords = t.report.verdicts[(report.verdict ?? 'none') as Verdict | 'unavailable' | 'none'] ?? t.report.verdicts.none
  const storedCategories = await listReportCategories(services.db, report)
  const shownCategories = options.rejected?.details.categories ?? storedCategories
  const categoryWords = storedCategories.length > 0 ? storedCategories.map((category) => t.report.categories[category]).join(', ') : null
  const oneLine = [fill(t.report.whatsappSummary, { verdict: verdictWords }), categoryWords ? fill(t.report.whatsappCategory, { category: categoryWords }) : '']
    .join(' ')
    .trim()
  const errors: TicketView['errors'] = {}
  for (const [field, problem] of Object.entries(options.rejected?.problems ?? {}) as [DetailsField, DetailsProblem][]) {
    errors[field] = t.report.problems[problem]
  }
  const summary = await evidenceSummary(services, report, t, lang, verdictWords, categoryWords)
  const timeline = await listReporterTimeline(services, report)
  return {
    ticket: report.ticket,
    trackingPath: trackingPath(report.ticket, trackingKey),
    detailsAction: `/r/${report.ticket}/details`,
    trackingKey,
    statusLabel: t.report.statuses[report.status],
    whatsappText: fill(t.report.whatsappText, { ticket: report.ticket, summary: oneLine }),
    evidenceSummary: summary,
    timeline: timeline.map((entry) => ({
      label:
        entry.kind === 'status_changed' && entry.status
          ? fill(entry.fromChannel123 ? t.channel123.statusChanged : t.report.timeline.status_changed, { status: t.report.statuses[entry.status] })
          : t.report.timeline[entry.kind],
      timeText: entry.at === null ? null : formatReportTime(entry.at, lang),
    })),
    form: {
      note: shown.note ?? '',
      phone: shown.phone ?? '',
      location: shown.location ?? '',
      latitude: shown.latitude === null ? '' : String(shown.latitude),
      longitude: shown.longitude === null ? '' : String(shown.longitude),
      hasCoordinates: shown.latitude !== null,
    },
    categories: REPORT_CATEGORIES.map((value) => ({ value, label: t.report.categories[value], checked: shownCategories.includes(value) })),
    errors,
    focusField: FIELD_ORDER.find((field) => errors[field] !== undefined) ?? null,
    saved: options.saved === true,
    yourData: presentYourData(report, t, lang, options),
  }
}

function presentYourData(report: Report, t: Messages, lang: Lang, options: TicketViewOptions): YourDataView {
  const rr = t.reporterRights
  const state = detailsStateOf(report)
  const value = (text: string | null) => text ?? rr.notGiven
  // The reporter's own page shows their details even while restricted: the data is theirs.
  const items =
    state === 'erased'
      ? []
      : [
          { label: rr.fields.phone, value: value(report.phone) },
          { label: rr.fields.note, value: value(report.note) },
          { label: rr.fields.location, value: value(report.location) },
          { label: rr.fields.coordinates, value: report.latitude === null ? rr.notGiven : rr.coordinatesGiven },
        ]
  const stamp = state === 'erased' ? report.detailsErasedAt : report.restrictedAt
  return {
    state,
    items,
    stateText: state === 'given' || stamp === null ? null : fill(rr[state === 'erased' ? 'erase' : 'restrict'].state, { time: formatReportTime(stamp, lang) }),
    eraseAction: `/r/${report.ticket}/erase`,
    restrictAction: `/r/${report.ticket}/restrict`,
    canCorrect: state !== 'erased',
    canRestrict: state === 'given',
    confirmErase: options.confirmErase === true && state !== 'erased',
    doneText: options.rightsDone === 'erased' ? rr.erase.done : options.rightsDone === 'restricted' ? rr.restrict.done : null,
    errorText: options.rightsError ?? null,
  }
}

/**
 * Plain text the household can copy to the police, a bank or IASC: what we know for sure, what
 * the code merely claimed (labelled so), and what they told us. Never KTP data, never the
 * tracking key or the phone number.
 */
async function evidenceSummary(services: Services, report: Report, t: Messages, lang: Lang, verdictWords: string, categoryWords: string | null): Promise<string> {
  const s = t.report.summary
  const lines = [s.heading, `${s.ticket}: ${report.ticket}`, `${s.time}: ${formatReportTime(report.createdAt, lang)}`, `${s.verdict}: ${verdictWords}`]
  if (report.shortCode) lines.push(`${s.code}: ${formatShortCode(report.shortCode)}`)
  if (report.officerEmployeeNo) {
    const officer = await findOfficer(services.db, report.officerEmployeeNo)
    lines.push(`${s.officer}: ${officer ? `${officer.name} (${officer.employeeNo})` : report.officerEmployeeNo}`)
  } else {
    const claims = parseUnverifiedClaims(report)
    const named = claims
      ? (Object.entries(s.claimNames) as [string, string][]).filter(([claim]) => claims[claim] !== undefined).map(([claim, name]) => `${name} ${String(claims[claim])}`)
      : []
    if (named.length > 0) lines.push(`${s.claims}: ${named.join('; ')}`)
  }
  if (categoryWords) lines.push(`${s.category}: ${categoryWords}`)
  if (report.location || report.latitude !== null) {
    const coordinates = report.latitude !== null ? `${report.latitude}, ${report.longitude}` : null
    lines.push(`${s.location}: ${[report.location, coordinates].filter(Boolean).join(' · ')}`)
  }
  if (report.note) lines.push(`${s.note}: ${report.note}`)
  return lines.join('\n')
}

/** "Senin, 23 November 2026 09.00 WIB": reports are read in Indonesia, so in Jakarta time. */
export function formatReportTime(at: number, lang: Lang): string {
  const locale = lang === 'id' ? 'id-ID' : 'en-GB'
  const timeZone = 'Asia/Jakarta'
  const day = new Intl.DateTimeFormat(locale, { timeZone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(at)
  const time = new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit' }).format(at)
  const zone = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? ''
  return `${day} ${time} ${zone}`.trim()
}
