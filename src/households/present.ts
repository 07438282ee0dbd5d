import { fill, type Lang, type Messages } from '../i18n/index.ts'
import { formatTime, formatWindow } from '../i18n/time.ts'
import { officerPhotoUrl, presentOfficerCard, type OfficerCard } from '../officers/present.ts'
import { describeUnit } from '../officers/scope.ts'
import { renderQr } from '../passes/live-qr.ts'
import { isPurposeCode, PURPOSES, type KtpPolicy } from '../passes/purposes.ts'
import type { Services } from '../services.ts'
import { doorCheckState, findConfirmedFacts, type DoorCheck, type DoorCheckState } from './door-checks.ts'
import { hasVisitPassword } from './visit-passwords.ts'

/** neutral while waiting (never green before our server says so), red once expired. */
export type DoorFace = 'neutral' | 'green' | 'amber' | 'red'

/** Everything the door-check page shows, already worded; the view only lays it out. */
export interface DoorCheckView {
  id: string
  state: DoorCheckState
  face: DoorFace
  headline: string
  lead: string
  /** Where the page's htmx poll and its "Periksa lagi" button go. */
  pageUrl: string
  pollUrl: string
  waiting: {
    /** "123 456", or null on a device that did not start the check (the code is never stored). */
    code: string | null
    qrSvg: string | null
    qrLabel: string
    validUntil: string
  } | null
  confirmed: {
    officer: OfficerCard
    visit: { purposeLabel: string; purposeDescription: string; windowText: string; ktpPolicy: KtpPolicy; ktpText: string } | null
    customerMatch: boolean | null
    customerText: string
    /** "Minta petugas menyebutkan kata sandi kunjungan Anda": only when the ID pelanggan matched and a word is set. */
    askVisitPassword: boolean
  } | null
}

/** The QR the household shows: the officer's camera opens our portal's confirm page with the code in it. */
export function doorCodeUrl(services: Services, code: string): string {
  return `${services.config.publicUrl}/officer/door?code=${code}`
}

/**
 * The page of one door check. `code` is the six digits when this device started the check
 * (from its cookie), else null.
 */
export async function presentDoorCheck(services: Services, check: DoorCheck, code: string | null, t: Messages, lang: Lang): Promise<DoorCheckView> {
  const state = doorCheckState(check, services.clock.now())
  const base = { id: check.id, state, pageUrl: `/door/${check.id}`, pollUrl: `/door/${check.id}/state`, waiting: null, confirmed: null }
  if (state === 'waiting') {
    const shown = code === null ? null : `${code.slice(0, 3)} ${code.slice(3)}`
    return {
      ...base,
      face: 'neutral',
      headline: t.door.waitingTitle,
      lead: t.door.waitingLead,
      waiting: {
        code: shown,
        qrSvg: code === null ? null : (await renderQr(doorCodeUrl(services, code))).svg,
        qrLabel: fill(t.door.qrLabel, { code: shown ?? '' }),
        validUntil: formatTime(check.expiresAt, lang, 'Asia/Jakarta'),
      },
    }
  }
  const facts = state === 'confirmed' ? await findConfirmedFacts(services, check) : null
  if (!facts) return { ...base, state: 'expired', face: 'red', headline: t.door.expiredTitle, lead: t.door.expiredLead }

  const { officer, pass, timeZone, customerMatch } = facts
  const { chain } = await describeUnit(services.db, officer.unitCode)
  const purpose = pass.purpose && isPurposeCode(pass.purpose) ? PURPOSES[pass.purpose] : null
  const visit =
    purpose && pass.ktpPolicy
      ? {
          purposeLabel: purpose.label[lang],
          purposeDescription: purpose.description[lang],
          windowText: formatWindow(pass.windowStart, pass.windowEnd, lang, timeZone),
          ktpPolicy: pass.ktpPolicy,
          ktpText: fill(t.ktp[pass.ktpPolicy], { reason: purpose.ktpReason?.[lang] ?? '' }),
        }
      : null
  const green = customerMatch === true
  const customerText = customerMatch === null ? t.door.customerNone : customerMatch ? t.door.customerMatch : t.door.customerMismatch
  return {
    ...base,
    face: green ? 'green' : 'amber',
    headline: green ? t.door.confirmedGreen : t.door.confirmedAmber,
    lead: t.door.confirmedLead,
    confirmed: {
      officer: presentOfficerCard(officer, chain, t),
      visit,
      customerMatch,
      customerText,
      askVisitPassword: green && check.customerHash !== null && (await hasVisitPassword(services.db, check.customerHash)),
    },
  }
}

/** The JSON of GET /api/v1/door-checks/<id> (DESIGN §10.2). */
export async function doorCheckJson(services: Services, check: DoorCheck, lang: Lang) {
  const state = doorCheckState(check, services.clock.now())
  const facts = state === 'confirmed' ? await findConfirmedFacts(services, check) : null
  if (!facts) return { state: state === 'confirmed' ? 'expired' : state, officer: null, pass: null, customerMatch: null }
  const { officer, pass } = facts
  const { chain } = await describeUnit(services.db, officer.unitCode)
  const purpose = pass.purpose && isPurposeCode(pass.purpose) ? PURPOSES[pass.purpose] : null
  return {
    state,
    officer: {
      employeeNo: officer.employeeNo,
      name: officer.name,
      roleTitle: officer.roleTitle,
      employer: officer.employer,
      unit: officer.unitCode === null ? null : { code: officer.unitCode, name: chain.at(-1) ?? null, chain },
      photoUrl: officerPhotoUrl(officer.photoId),
    },
    pass: {
      id: pass.id,
      purpose: purpose && { code: purpose.code, label: purpose.label[lang] },
      ktpPolicy: pass.ktpPolicy,
      customerLast4: pass.customerLast4,
      window: { start: new Date(pass.windowStart).toISOString(), end: new Date(pass.windowEnd).toISOString() },
    },
    customerMatch: facts.customerMatch,
  }
}
