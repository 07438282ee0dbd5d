import { REPORT_CATEGORIES } from '../../db/schema.ts'
import { formatShortCode } from '../credentials/short-code.ts'
import { fill, fillCount, type Lang, type Messages } from '../i18n/index.ts'
import { formatAdminTime, formatWindow } from '../i18n/time.ts'
import { presentOfficerCard, type OfficerCard } from '../officers/present.ts'
import { PURPOSES } from '../passes/purposes.ts'
import type { ReportDetails, DetailsField, DetailsProblem } from '../reports/details.ts'
import { reportDetailsShown, withheldDetailsText } from '../reports/details-shown.ts'
import type { Report, ReportStatus } from '../reports/reports.ts'
import type { ReportCategory } from '../reports/details.ts'
import type { TriageTimelineEntry } from '../reports/triage.ts'
import { presentVerdict, type VerdictContext, type VerdictView } from '../verification/present.ts'
import type { VerificationResult } from '../verification/verify.ts'
import type { DeskAnswer, DeskQuery } from './lookup.ts'
import { deskNextStatuses, isClosedForDesk } from './triage.ts'

/**
 * The 123 desk's view models (DESIGN §11): each answer already worded, with the script the agent
 * reads to the caller beside it. Scripts speak to the caller ("Bapak/Ibu"); they say only what the
 * answer proves, and a red answer always ends in "do not open the door" and the offer of a report.
 */

export type DeskAnswerKind = 'credential' | 'customer' | 'report' | 'officer' | 'none'

interface AnswerBase {
  /** "Dicari: …": what was searched, as the agent may see it again (a code formatted, an ID pelanggan by its last 4 digits only). */
  searched: string | null
  /** The lines the agent says, in order. */
  script: string[]
  /** "Buat laporan untuk penelepon", prefilled with what was searched; null where a report is not the next step. */
  reportHref: string | null
}

export type DeskAnswerView =
  | (AnswerBase & { kind: 'credential'; verdict: VerdictView })
  | (AnswerBase & {
      kind: 'customer'
      customerFor: string
      active: boolean
      officer: OfficerCard | null
      visit: { purposeLabel: string; windowText: string } | null
      hasVisitPassword: boolean
      visitPasswordText: string
    })
  | (AnswerBase & { kind: 'officer'; officer: OfficerCard; status: 'active' | 'suspended'; statusText: string })
  | (AnswerBase & { kind: 'none'; title: string; hint: string })

/** What the search panel shows: an answer, a refusal past the agent's limit, or nothing yet. */
export type DeskPanel = { kind: 'empty' } | { kind: 'answer'; answer: DeskAnswerView } | { kind: 'limited'; text: string } | { kind: 'unavailable' }

/** A report answer is not shown in the panel: the search opens the report's own page. */
export function presentDeskAnswer(answer: Exclude<DeskAnswer, { kind: 'report' }>, query: DeskQuery | null, t: Messages, lang: Lang, context: VerdictContext): DeskAnswerView {
  const d = t.desk
  const shown = searchedText(query)
  const searched = shown === null ? null : fill(d.searched, { query: shown })
  switch (answer.kind) {
    case 'credential':
      return presentCredential(answer.result, query, t, lang, context, searched)
    case 'customer': {
      const visit = answer.activeVisit
      if (!visit) {
        return {
          kind: 'customer',
          searched,
          customerFor: fill(d.customerFor, { last4: answer.customerLast4 }),
          active: false,
          officer: null,
          visit: null,
          hasVisitPassword: answer.hasVisitPassword,
          visitPasswordText: answer.hasVisitPassword ? d.hasVisitPassword : d.noVisitPassword,
          script: [d.scripts.customerNo],
          reportHref: '/cso/reports/new',
        }
      }
      const { officer, pass } = visit
      const purposeLabel = pass.purpose ? PURPOSES[pass.purpose].label[lang] : ''
      const windowText = formatWindow(pass.windowStart, pass.windowEnd, lang, officer.unit?.timeZone ?? 'Asia/Jakarta')
      const script = [fill(d.scripts.customerYes, { purpose: purposeLabel, window: windowText, name: officer.name, employeeNo: officer.employeeNo })]
      if (visit.hasVisitPassword) script.push(d.scripts.customerPassword)
      if (pass.ktpPolicy) script.push(ktpScript(t, lang, pass.ktpPolicy, pass.purpose))
      return {
        kind: 'customer',
        searched,
        customerFor: fill(d.customerFor, { last4: answer.customerLast4 }),
        active: true,
        officer: presentOfficerCard(officer, officer.unit?.chain ?? null, t),
        visit: { purposeLabel, windowText },
        hasVisitPassword: answer.hasVisitPassword,
        visitPasswordText: answer.hasVisitPassword ? d.hasVisitPassword : d.noVisitPassword,
        script,
        reportHref: null,
      }
    }
    case 'officer': {
      const { officer, unit } = answer.status
      const active = officer.status === 'active'
      return {
        kind: 'officer',
        searched,
        officer: presentOfficerCard(officer, unit?.chain ?? null, t),
        status: officer.status,
        statusText: d.officerStatuses[officer.status],
        script: [
          active
            ? fill(d.scripts.officerActive, { name: officer.name, employeeNo: officer.employeeNo, unit: unit?.name ?? 'PLN' })
            : fill(d.scripts.officerSuspended, { employeeNo: officer.employeeNo }),
        ],
        reportHref: active ? null : '/cso/reports/new',
      }
    }
    case 'none':
      return presentNone(query, t, searched)
  }
}

function presentCredential(result: VerificationResult, query: DeskQuery | null, t: Messages, lang: Lang, context: VerdictContext, searched: string | null): DeskAnswerView {
  const d = t.desk
  const input = query?.kind === 'token' ? { field: 'token' as const, value: query.token } : { field: 'code' as const, value: query?.kind === 'code' ? query.code : '' }
  const verdict = presentVerdict(result, t, lang, input, context)
  const reportHref = `/cso/reports/new?${new URLSearchParams({ [input.field]: input.value })}`
  if (result.verdict !== 'valid' || !result.officer || !result.credential) {
    return { kind: 'credential', searched, verdict, script: [fill(d.scripts.notValid, { reason: d.scripts.reasons[result.verdict] })], reportHref }
  }
  const { officer, credential } = result
  const script: string[] = []
  if (credential.kind === 'badge') script.push(fill(d.scripts.validBadge, { name: officer.name }))
  else {
    const values = { purpose: verdict.visit?.purposeLabel ?? '', window: verdict.visit?.windowText ?? '', last4: credential.customerLast4 ?? '' }
    script.push(fill(credential.customerLast4 ? d.scripts.validPass : d.scripts.validPassNoCustomer, values))
    if (credential.ktpPolicy) script.push(ktpScript(t, lang, credential.ktpPolicy, credential.purpose))
  }
  for (const warning of result.warnings) script.push(d.scripts.warnings[warning])
  return { kind: 'credential', searched, verdict, script, reportHref: result.warnings.length > 0 ? reportHref : null }
}

function presentNone(query: DeskQuery | null, t: Messages, searched: string | null): DeskAnswerView {
  const d = t.desk
  const reason = query === null ? 'unreadable' : query.kind === 'report' ? 'report' : query.kind === 'officer' ? 'officer' : 'code'
  const script = { unreadable: d.scripts.unreadable, code: d.scripts.unknownCode, report: d.scripts.unknownTicket, officer: d.scripts.unknownOfficer }[reason]
  const reportHref = query?.kind === 'code' ? `/cso/reports/new?${new URLSearchParams({ code: query.code })}` : reason === 'officer' ? '/cso/reports/new' : null
  return { kind: 'none', searched, title: d.noneTitles[reason], hint: d.noneHints[reason], script: [script], reportHref }
}

function ktpScript(t: Messages, lang: Lang, policy: keyof Messages['desk']['scripts']['ktp'], purpose: keyof typeof PURPOSES | null): string {
  const reason = purpose ? (PURPOSES[purpose].ktpReason?.[lang] ?? '') : ''
  return fill(t.desk.scripts.ktp[policy], { reason }).replace(/\s+([;.,])/g, '$1').replace(/\s{2,}/g, ' ')
}

/** What the agent searched, shown back without what the screen must not repeat: an ID pelanggan is its last 4 digits. */
function searchedText(query: DeskQuery | null): string | null {
  switch (query?.kind) {
    case undefined:
      return null
    case 'token':
      return `${query.token.slice(0, 12)}…`
    case 'code':
      return formatShortCode(query.code)
    case 'customer':
      return `…${query.customerId.slice(-4)}`
    case 'report':
      return query.ticket
    case 'officer':
      return query.employeeNo
  }
}

export function presentLimited(t: Messages, retryAfterSeconds: number): DeskPanel {
  return { kind: 'limited', text: fillCount(t.desk.limitedText, Math.max(1, Math.ceil(retryAfterSeconds / 60))) }
}

export interface DeskReportView {
  ticket: string
  title: string
  status: ReportStatus
  statusLabel: string
  revision: number
  facts: { label: string; value: string }[]
  timeline: { at: string; text: string; author: string; internal: boolean }[]
  /** The desk's moves from here; empty for a forwarded or closed report. */
  nextStatuses: { value: string; label: string }[]
  /** Closed: read-only, no status or note form. */
  closed: boolean
  script: string[]
  notice: string | null
  error: string | null
}

export function presentDeskReport(
  input: { report: Report; categories: readonly ReportCategory[]; timeline: TriageTimelineEntry[]; notice: string | null; error: string | null },
  t: Messages,
  lang: Lang,
): DeskReportView {
  const { report } = input
  const r = t.desk.report
  const statusLabel = (status: ReportStatus) => t.report.statuses[status]
  const facts = [
    { label: r.created, value: formatAdminTime(report.createdAt, lang) },
    { label: r.channel, value: r.channels[report.channel] },
    ...(report.filedBy ? [{ label: r.filedBy, value: report.filedBy }] : []),
    { label: r.verdict, value: t.report.verdicts[(report.verdict ?? 'none') as keyof Messages['report']['verdicts']] ?? report.verdict ?? '' },
    ...(input.categories.length > 0 ? [{ label: r.categories, value: input.categories.map((category) => t.report.categories[category]).join(', ') }] : []),
    ...deskDetailFacts(report, t),
  ]
  return {
    ticket: report.ticket,
    title: fill(r.title, { ticket: report.ticket }),
    status: report.status,
    statusLabel: statusLabel(report.status),
    revision: report.revision,
    facts,
    timeline: input.timeline.map((entry) => ({
      at: formatAdminTime(entry.at, lang),
      text: fill(t.adminReports.timelineText[entry.kind], { status: entry.status ? statusLabel(entry.status) : '', text: entry.text ?? '' }),
      author: entry.author ?? '',
      internal: !entry.visibleToReporter,
    })),
    nextStatuses: deskNextStatuses(report).map((status) => ({ value: status, label: statusLabel(status) })),
    closed: isClosedForDesk(report),
    script: [r.statusScripts[report.status]],
    notice: input.notice,
    error: input.error,
  }
}

/** The note and place, or one line saying the reporter restricted or erased them. */
function deskDetailFacts(report: Report, t: Messages): { label: string; value: string }[] {
  const r = t.desk.report
  const shown = reportDetailsShown(report)
  const withheld = withheldDetailsText(shown.state, t.reporterRights.staff)
  if (withheld) return [{ label: t.reporterRights.staff.label, value: withheld }]
  return [...(shown.note ? [{ label: r.note, value: shown.note }] : []), ...(shown.location ? [{ label: r.location, value: shown.location }] : [])]
}

export interface PhoneReportFormView {
  nonce: string
  subject: string
  categories: { value: ReportCategory; label: string; checked: boolean }[]
  note: string
  phone: string
  location: string
  errors: Partial<Record<DetailsField | 'subject', string>>
  error: string | null
}

export function presentPhoneReportForm(
  input: { nonce: string; subject: string; details: ReportDetails | null; problems?: Partial<Record<DetailsField, DetailsProblem>>; subjectInvalid?: boolean; error?: string | null },
  t: Messages,
): PhoneReportFormView {
  const errors: PhoneReportFormView['errors'] = {}
  for (const [field, problem] of Object.entries(input.problems ?? {}) as [DetailsField, DetailsProblem][]) errors[field] = t.report.problems[problem]
  if (input.subjectInvalid) errors.subject = t.desk.phoneReport.subjectInvalid
  const details = input.details
  return {
    nonce: input.nonce,
    subject: input.subject,
    categories: REPORT_CATEGORIES.map((category) => ({ value: category, label: t.report.categories[category], checked: details?.categories.includes(category) ?? false })),
    note: details?.note ?? '',
    phone: details?.phone ?? '',
    location: details?.location ?? '',
    errors,
    error: input.error ?? null,
  }
}

export interface FiledReportView {
  ticket: string
  trackingKey: string
  /** The key in groups of four, to read out one group at a time. */
  keyGroups: string[]
  /** Every character as it is said: "A besar", "angka 7", "garis bawah". */
  spelled: string[][]
  trackingUrl: string
  script: string
}

export function presentFiledReport(input: { ticket: string; trackingKey: string; trackingUrl: string }, t: Messages): FiledReportView {
  const groups = input.trackingKey.match(/.{1,4}/g) ?? []
  return {
    ticket: input.ticket,
    trackingKey: input.trackingKey,
    keyGroups: groups,
    spelled: groups.map((group) => [...group].map((char) => spellCharacter(char, t))),
    trackingUrl: input.trackingUrl,
    script: fill(t.desk.phoneReport.script, { ticket: input.ticket }),
  }
}

/** A tracking key is base64url: capitals, small letters, digits, "-" and "_", each named so it cannot be misheard. */
function spellCharacter(char: string, t: Messages): string {
  const spell = t.desk.phoneReport.spell
  if (/[0-9]/.test(char)) return fill(spell.digit, { char })
  if (char === '-') return spell.dash
  if (char === '_') return spell.underscore
  return fill(char === char.toUpperCase() ? spell.upper : spell.lower, { char })
}

export interface VisitPasswordView {
  /** What the agent typed, kept in the field for the next step (never in a URL). */
  customerId: string
  /** Whether the customer has a word now, after a check or a change; never the word. */
  status: { title: string; text: string; has: boolean } | null
  notice: string | null
  error: string | null
}

export function presentVisitPasswordStatus(t: Messages, customerLast4: string, has: boolean): NonNullable<VisitPasswordView['status']> {
  const v = t.desk.visitPassword
  return { title: fill(v.statusFor, { last4: customerLast4 }), text: has ? v.has : v.hasNot, has }
}
