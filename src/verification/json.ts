import { officerPhotoUrl } from '../officers/present.ts'
import { PURPOSES } from '../passes/purposes.ts'
import type { VerificationResult } from './verify.ts'

/** The JSON contract of DESIGN §9: `{ verdict, officer, pass }`, plus `kind` and `warnings`. */
export function verdictJson(result: VerificationResult, lang: 'id' | 'en') {
  const { officer, credential } = result
  return {
    verdict: result.verdict,
    kind: result.kind,
    warnings: result.warnings,
    officer: officer && {
      employeeNo: officer.employeeNo,
      name: officer.name,
      roleTitle: officer.roleTitle,
      employer: officer.employer,
      unit: officer.unit && { code: officer.unit.code, name: officer.unit.name, chain: officer.unit.chain },
      photoUrl: officerPhotoUrl(officer.photoId),
    },
    pass:
      credential && credential.kind === 'visit_pass' && credential.purpose
        ? {
            id: credential.id,
            shortCode: credential.shortCode,
            purpose: { code: credential.purpose, label: PURPOSES[credential.purpose].label[lang] },
            ktpPolicy: credential.ktpPolicy,
            customerLast4: credential.customerLast4,
            workOrder: credential.workOrder,
            window: { start: new Date(credential.windowStart).toISOString(), end: new Date(credential.windowEnd).toISOString() },
          }
        : null,
  }
}
