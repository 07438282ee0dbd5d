import { formatShortCode } from '../credentials/short-code.ts'
import { fill, type Lang, type Messages } from '../i18n/index.ts'
import { formatDate, formatWindow } from '../i18n/time.ts'
import { presentOfficerCard, type OfficerCard } from '../officers/present.ts'
import { PURPOSES } from '../passes/purposes.ts'
import type { VerificationResult, Verdict } from './verify.ts'

export type Face = 'green' | 'amber' | 'red'

export interface CustomerAnswer {
  matches: boolean
  text: string
  /** On a match for a customer with a visit password: ask to hear it (never the word itself). */
  visitPasswordAsk?: { text: string; hint: string }
}

/** Everything the verdict page shows, already worded; the view only lays it out. */
export interface VerdictView {
  verdict: Verdict | 'unavailable'
  face: Face
  headline: string
  reasons: string[]
  officer: OfficerCard | null
  visit: {
    purposeLabel: string
    purposeDescription: string
    windowText: string
    workOrder: string | null
    customerLast4: string | null
    ktp: { policy: string; text: string; legal: string | null; watermark: string | null }
  } | null
  isBadge: boolean
  shortCode: string | null
  /** The "is this for my ID pelanggan?" form: where it posts and what identifies the credential. */
  customerCheck: { field: 'token' | 'code'; value: string; answer: CustomerAnswer | null } | null
  /** What the "Laporkan penipuan" button sends: the token or code of this page, on every face. */
  report: { field: 'token' | 'code'; value: string } | null
}

export function presentVerdict(
  result: VerificationResult,
  t: Messages,
  lang: Lang,
  input: { field: 'token' | 'code'; value: string },
  customerAnswer: CustomerAnswer | null = null,
): VerdictView {
  const amber = result.verdict === 'valid' && (result.warnings.length > 0 || customerAnswer?.matches === false)
  const face: Face = result.verdict !== 'valid' ? 'red' : amber ? 'amber' : 'green'
  const reasons = [t.verdict.reasons[result.verdict], ...result.warnings.map((warning) => t.verdict.warnings[warning])]
  const view: VerdictView = {
    verdict: result.verdict,
    face,
    headline: t.verdict.faces[face],
    reasons,
    officer: null,
    visit: null,
    isBadge: result.kind === 'badge',
    shortCode: null,
    customerCheck: null,
    // Anything longer is malformed anyway; the report hashes the same prefix the scan log does.
    report: input.value ? { field: input.field, value: input.value.slice(0, 2049) } : null,
  }
  // Only a valid credential shows who and what: a red page never repeats a token's claims.
  if (result.verdict !== 'valid' || !result.officer || !result.credential) return view

  const { officer, credential } = result
  const timeZone = officer.unit?.timeZone ?? 'Asia/Jakarta'
  view.officer = presentOfficerCard(officer, officer.unit?.chain ?? null, t)
  view.shortCode = formatShortCode(credential.shortCode)
  view.customerCheck = { ...input, answer: customerAnswer }
  if (credential.kind === 'visit_pass' && credential.purpose && credential.ktpPolicy) {
    const purpose = PURPOSES[credential.purpose]
    const reason = purpose.ktpReason?.[lang] ?? ''
    const ktpText = fill(t.ktp[credential.ktpPolicy], { reason })
    view.visit = {
      purposeLabel: purpose.label[lang],
      purposeDescription: purpose.description[lang],
      windowText: formatWindow(credential.windowStart, credential.windowEnd, lang, timeZone),
      workOrder: credential.workOrder,
      customerLast4: credential.customerLast4,
      ktp: {
        policy: credential.ktpPolicy,
        text: ktpText,
        legal: credential.ktpPolicy === 'photo' ? t.ktp.photoLegal : null,
        watermark:
          credential.ktpPolicy === 'photo'
            ? fill(t.ktp.watermark, { purpose: purpose.label.id, date: formatDate(credential.windowStart, timeZone) })
            : null,
      },
    }
  }
  return view
}

export function presentUnavailable(t: Messages): VerdictView {
  return {
    verdict: 'unavailable',
    face: 'red',
    headline: t.verdict.unavailableTitle,
    reasons: [t.verdict.unavailableText],
    officer: null,
    visit: null,
    isBadge: false,
    shortCode: null,
    customerCheck: null,
    report: null,
  }
}
