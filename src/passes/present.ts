import type { Lang, Messages } from '../i18n/index.ts'
import { formatWindow } from '../i18n/time.ts'
import { VISIT_GRACE_MS } from '../credentials/tokens.ts'
import { formatShortCode } from '../credentials/short-code.ts'
import type { Credential } from './credential-records.ts'
import type { PassListRow } from './portal-access.ts'
import { PURPOSES, type PurposeCode } from './purposes.ts'

export type PassStatus = 'active' | 'upcoming' | 'ended' | 'revoked'
/** On a list: a pass that would be usable but whose officer is suspended verifies red, so it says so. */
export type PassRowStatus = PassStatus | 'suspended'

export interface PassRowView {
  id: string
  officerName: string
  employeeNo: string
  customer: string
  purposeLabel: string
  ktpLabel: string
  windowText: string
  status: PassRowStatus
  statusLabel: string
  shortCode: string
}

export function passStatus(pass: Credential, now: number): PassStatus {
  if (pass.revokedAt !== null) return 'revoked'
  if (now > pass.windowEnd + VISIT_GRACE_MS) return 'ended'
  if (now < pass.windowStart - VISIT_GRACE_MS) return 'upcoming'
  return 'active'
}

export function presentPassRow(row: PassListRow, t: Messages, lang: Lang, now: number): PassRowView {
  const { pass, officer } = row
  const timeStatus = passStatus(pass, now)
  const status: PassRowStatus = officer.status === 'suspended' && (timeStatus === 'active' || timeStatus === 'upcoming') ? 'suspended' : timeStatus
  const labels: Record<PassRowStatus, string> = {
    active: t.portal.statusActive,
    upcoming: t.portal.statusUpcoming,
    ended: t.portal.statusEnded,
    revoked: t.portal.statusRevoked,
    suspended: t.portal.statusSuspended,
  }
  return {
    id: pass.id,
    officerName: officer.name,
    employeeNo: officer.employeeNo,
    customer: `•••• ${pass.customerLast4 ?? ''}`,
    purposeLabel: PURPOSES[pass.purpose as PurposeCode]?.label[lang] ?? pass.purpose ?? '',
    ktpLabel: pass.ktpPolicy ? t.portal.ktpPolicies[pass.ktpPolicy] : '',
    windowText: formatWindow(pass.windowStart, pass.windowEnd, lang, row.timeZone),
    status,
    statusLabel: labels[status],
    shortCode: formatShortCode(pass.shortCode),
  }
}
