import { errors } from 'jose'
import type { Verdict } from './verify.ts'

/** Thrown from the key lookup inside jwtVerify to end the check with this verdict. */
export class RejectedToken extends Error {
  constructor(readonly verdict: Verdict) {
    super(verdict)
  }
}

/** The verdict for what jwtVerify rejected, or null for an error that says nothing about the token. */
export function verdictForRejection(error: unknown): Verdict | null {
  if (error instanceof RejectedToken) return error.verdict
  if (!(error instanceof errors.JOSEError)) return null
  if (error instanceof errors.JWTExpired) return 'expired'
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf' && error.reason === 'check_failed') return 'not_yet_valid'
    if (error.claim === 'iss' || error.claim === 'aud') return 'wrong_type'
    return 'malformed'
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed'
  // Bad signature, algorithm not allowed, unsupported `crit`, no matching key.
  return 'forged'
}
