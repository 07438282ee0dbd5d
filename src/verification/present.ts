import { formatShortCode, normalizeShortCode } from '../credentials/short-code.ts'
import { fill, type Lang, type Messages } from '../i18n/index.ts'
import { formatDate, formatWindow } from '../i18n/time.ts'
import { presentOfficerCard, type OfficerCard } from '../officers/present.ts'
import { PURPOSES, type KtpPolicy } from '../passes/purposes.ts'
import type { VerificationResult, Verdict } from './verify.ts'

export type Face = 'green' | 'amber' | 'red'

export interface CustomerAnswer {
  matches: boolean
  text: string
  /**
   * The question was not answered: the ID pelanggan was not 12 digits, or this client asked too
   * often. The text then stands beside the field and the verdict keeps its face.
   */
  problem?: 'invalid' | 'too_many'
  /** On a match for a customer with a visit password: ask to hear it (never the word itself). */
  visitPasswordAsk?: { text: string; hint: string }
}

/** Everything the verdict page shows, already worded; the view only lays it out. */
export interface VerdictView {
  verdict: Verdict | 'unavailable'
  face: Face
  headline: string
  reasons: string[]
  /** "Diperiksa pukul 09.00 WIB": when our server made this verdict, in the unit's zone (WIB without a unit). */
  checkedAt: string
  /** The host of PUBLIC_URL, which the household should see in its own browser's address bar. */
  officialHost: string
  officer: OfficerCard | null
  /** The officer's own unit ("ULP Cikini"), for the first screen; the whole chain is in `officer`. */
  unitName: string | null
  visit: {
    purposeLabel: string
    purposeDescription: string
    windowText: string
    workOrder: string | null
    customerLast4: string | null
    ktp: { policy: KtpPolicy; line: string; text: string; legal: { short: string; full: string } | null; watermark: string | null }
  } | null
  isBadge: boolean
  shortCode: string | null
  /** The "is this for my ID pelanggan?" form: where it posts and what identifies the credential. */
  customerCheck: { field: 'token' | 'code'; value: string; answer: CustomerAnswer | null } | null
  /** What the "Laporkan penipuan" button sends: the token or code of this page, on every face. */
  report: { field: 'token' | 'code'; value: string } | null
  /** A typed code that names nothing (or is no code at all): shown back, with a form to retype it. */
  typo: { typed: string } | null
  /** The 123 button dials `tel:<areaCode>123` where the pass's unit is known; null: plain 123 with the two-step hint. */
  areaCode: string | null
}

/** What every verdict page states besides the verdict: when it was made and where to check it. */
export interface VerdictContext {
  now: number
  publicUrl: string
}

export function presentVerdict(
  result: VerificationResult,
  t: Messages,
  lang: Lang,
  input: { field: 'token' | 'code'; value: string },
  context: VerdictContext,
  customerAnswer: CustomerAnswer | null = null,
): VerdictView {
  // Only an answered question turns the face: a malformed ID pelanggan or a refusal is an error beside the field.
  const mismatch = result.verdict === 'valid' && customerAnswer?.matches === false && !customerAnswer.problem
  const amber = result.verdict === 'valid' && (result.warnings.length > 0 || mismatch)
  const face: Face = result.verdict !== 'valid' ? 'red' : amber ? 'amber' : 'green'
  const reasons = [t.verdict.reasons[result.verdict], ...result.warnings.map((warning) => t.verdict.warnings[warning])]
  // The reason the household just caused comes first, at the top of the page.
  if (mismatch) reasons.unshift(result.kind === 'badge' ? t.verdict.badgeMismatchReason : t.verdict.mismatchReason)
  const typo = input.field === 'code' && result.credentialId === null && (result.verdict === 'forged' || result.verdict === 'malformed')
  if (typo) reasons.splice(0, 1, t.verdict.unknownCode)
  const unit = result.verdict === 'valid' ? (result.officer?.unit ?? null) : null
  const view: VerdictView = {
    verdict: result.verdict,
    face,
    headline: typo ? t.verdict.unknownCodeTitle : t.verdict.faces[face],
    reasons,
    checkedAt: fill(t.verdict.checkedAt, { time: formatClock(context.now, lang, unit?.timeZone ?? 'Asia/Jakarta') }),
    officialHost: hostOf(context.publicUrl),
    officer: null,
    unitName: null,
    visit: null,
    isBadge: result.kind === 'badge',
    shortCode: null,
    customerCheck: null,
    // Anything longer is malformed anyway; the report hashes the same prefix the scan log does.
    report: input.value ? { field: input.field, value: input.value.slice(0, 2049) } : null,
    typo: typo ? { typed: typedCode(input.value) } : null,
    areaCode: unit?.areaCode ?? null,
  }
  // Only a valid credential shows who and what: a red page never repeats a token's claims.
  if (result.verdict !== 'valid' || !result.officer || !result.credential) return view

  const { officer, credential } = result
  const timeZone = officer.unit?.timeZone ?? 'Asia/Jakarta'
  view.officer = presentOfficerCard(officer, officer.unit?.chain ?? null, t)
  view.unitName = officer.unit?.name ?? null
  view.shortCode = formatShortCode(credential.shortCode)
  view.customerCheck = { ...input, answer: customerAnswer }
  if (credential.kind === 'visit_pass' && credential.purpose && credential.ktpPolicy) {
    const purpose = PURPOSES[credential.purpose]
    const reason = purpose.ktpReason?.[lang] ?? ''
    const policy = credential.ktpPolicy
    view.visit = {
      purposeLabel: purpose.label[lang],
      purposeDescription: purpose.description[lang],
      windowText: formatWindow(credential.windowStart, credential.windowEnd, lang, timeZone),
      workOrder: credential.workOrder,
      customerLast4: credential.customerLast4,
      ktp: {
        policy,
        line: KTP_LINE[policy](t),
        text: fill(t.ktp[policy], { reason }),
        legal: policy === 'photo' ? { short: t.ktp.photoLegalShort, full: t.ktp.photoLegal } : null,
        watermark: policy === 'photo' ? fill(t.ktp.watermark, { purpose: purpose.label.id, date: formatDate(credential.windowStart, timeZone) }) : null,
      },
    }
  }
  return view
}

const KTP_LINE: Record<KtpPolicy, (t: Messages) => string> = {
  none: (t) => t.ktp.lineNone,
  view: (t) => t.ktp.lineView,
  photo: (t) => t.ktp.linePhoto,
}

/** What the household typed, as they would read it on the pass ("7K3M-Q9XD"), or as typed when it is no code. */
function typedCode(value: string): string {
  const code = normalizeShortCode(value)
  return code ? formatShortCode(code) : value.slice(0, 32)
}

function hostOf(publicUrl: string): string {
  try {
    return new URL(publicUrl).host
  } catch {
    return publicUrl
  }
}

// Indonesia's three zones by the names households know; the IANA zones PLN units use.
const ZONE_NAMES: Record<string, string> = { 'Asia/Jakarta': 'WIB', 'Asia/Pontianak': 'WIB', 'Asia/Makassar': 'WITA', 'Asia/Jayapura': 'WIT' }
const clockFormats = new Map<string, Intl.DateTimeFormat>()

/** "09.05 WIB" in Indonesian, "09:05 WITA" in English: the zone's own short name in both. */
function formatClock(at: number, lang: Lang, timeZone: string): string {
  const key = `${lang}|${timeZone}`
  let format = clockFormats.get(key)
  if (!format) {
    format = new Intl.DateTimeFormat(lang === 'id' ? 'id-ID' : 'en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone })
    clockFormats.set(key, format)
  }
  return `${format.format(at)} ${ZONE_NAMES[timeZone] ?? 'WIB'}`
}

export function presentUnavailable(t: Messages, lang: Lang, context: VerdictContext): VerdictView {
  return {
    verdict: 'unavailable',
    face: 'red',
    headline: t.verdict.unavailableTitle,
    reasons: [t.verdict.unavailableText],
    checkedAt: fill(t.verdict.checkedAt, { time: formatClock(context.now, lang, 'Asia/Jakarta') }),
    officialHost: hostOf(context.publicUrl),
    officer: null,
    unitName: null,
    visit: null,
    isBadge: false,
    shortCode: null,
    customerCheck: null,
    report: null,
    typo: null,
    areaCode: null,
  }
}
