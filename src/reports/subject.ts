import { sha256 } from '../credentials/secrets.ts'
import { normalizeShortCode } from '../credentials/short-code.ts'
import { decodeUnverifiedClaims, type UnverifiedClaims } from '../verification/unverified-claims.ts'
import type { Report } from './reports.ts'

/** What the household reported: the token or code of the verdict page it came from. */
export interface ReportSubject {
  kind: 'token' | 'code'
  value: string
}

const MAX_TOKEN_PREFIX = 2049

/** The subject's hash (as the scan log keeps it) and, for a code, the code itself. */
export function describeSubject(subject: ReportSubject): { hash: string; shortCode: string | null } {
  if (subject.kind === 'token') return { hash: sha256(subject.value.slice(0, MAX_TOKEN_PREFIX)), shortCode: null }
  const code = normalizeShortCode(subject.value)
  return { hash: sha256(`code:${code ?? subject.value.slice(0, 64)}`), shortCode: code }
}

/** The claims a reported token carries, unverified, as stored with the report. */
export function storedUnverifiedClaims(subject: ReportSubject | null): string | null {
  const claims = subject?.kind === 'token' ? decodeUnverifiedClaims(subject.value) : null
  return claims ? JSON.stringify(claims) : null
}

export function parseUnverifiedClaims(report: Pick<Report, 'unverifiedClaims'>): UnverifiedClaims | null {
  if (!report.unverifiedClaims) return null
  try {
    return JSON.parse(report.unverifiedClaims) as UnverifiedClaims
  } catch {
    return null
  }
}
