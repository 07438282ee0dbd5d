import { officerPhotoUrl } from '../officers/present.ts'
import { PURPOSES } from '../passes/purposes.ts'
import type { CredentialFacts, OfficerFacts, VerificationResult } from './verify.ts'

type Lang = 'id' | 'en'

/** The JSON contract of DESIGN §9: `{ verdict, officer, pass }`, plus `kind` and `warnings`. */
export function verdictJson(result: VerificationResult, lang: Lang) {
  return {
    verdict: result.verdict,
    kind: result.kind,
    warnings: result.warnings,
    officer: result.officer && officerJson(result.officer),
    pass: result.credential ? passJson(result.credential, lang) : null,
  }
}

/** An officer as every JSON answer shows one: facts from our database, never from a token. */
export function officerJson(officer: Pick<OfficerFacts, 'employeeNo' | 'name' | 'roleTitle' | 'employer' | 'photoId' | 'unit'>) {
  return {
    employeeNo: officer.employeeNo,
    name: officer.name,
    roleTitle: officer.roleTitle,
    employer: officer.employer,
    unit: officer.unit && { code: officer.unit.code, name: officer.unit.name, chain: officer.unit.chain },
    photoUrl: officerPhotoUrl(officer.photoId),
  }
}

/** A visit pass's facts (null for a badge, which names no visit). */
export function passJson(credential: CredentialFacts, lang: Lang) {
  if (credential.kind !== 'visit_pass' || !credential.purpose) return null
  return {
    id: credential.id,
    shortCode: credential.shortCode,
    purpose: { code: credential.purpose, label: PURPOSES[credential.purpose].label[lang] },
    ktpPolicy: credential.ktpPolicy,
    customerLast4: credential.customerLast4,
    workOrder: credential.workOrder,
    window: { start: new Date(credential.windowStart).toISOString(), end: new Date(credential.windowEnd).toISOString() },
  }
}
