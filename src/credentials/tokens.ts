import { SignJWT } from 'jose'
import type { KeyRing } from './keys.ts'

export type CredentialKind = 'badge' | 'visit_pass'

export const TOKEN_TYPE: Record<CredentialKind, string> = {
  badge: 'officer-badge+jwt',
  visit_pass: 'visit-pass+jwt',
}

/** Longest lifetime a token of each kind may claim (DESIGN §3), in seconds. */
export const MAX_TOKEN_LIFETIME: Record<CredentialKind, number> = {
  badge: 366 * 24 * 3600,
  // A visit window of at most 12 h, plus the grace around it (see VISIT_GRACE_MS).
  visit_pass: 12 * 3600 + 15 * 60,
}

/**
 * A pass stays checkable this long before and after its window, so an officer who arrives a
 * little early or late gets an amber "check the time" page instead of a red one.
 */
export const VISIT_GRACE_MS = 15 * 60 * 1000

/** An on-screen (live) QR token lasts this long at most, so a screenshot goes stale. */
export const LIVE_TOKEN_LIFETIME_MS = 5 * 60 * 1000

export interface TokenAudience {
  issuer: string
  audience: string
}

export function tokenAudience(publicUrl: string): TokenAudience {
  return { issuer: publicUrl, audience: `${publicUrl}/v` }
}

export interface SignTokenInput {
  kind: CredentialKind
  jti: string
  subject: string
  issuedAt: number
  notBefore: number
  expiresAt: number
  /** Extra claims: `pur`, `ktp`, `cst`, `wo`, `unt`. Undefined values are left out. */
  claims: Record<string, string | undefined>
}

/** Signs a compact ES256 JWS with the active key, or with the key `kid`. Times are in milliseconds. */
export async function signCredentialToken(
  keys: KeyRing,
  audience: TokenAudience,
  input: SignTokenInput,
  options: { kid?: string } = {},
): Promise<{ token: string; kid: string }> {
  const { kid, key } = await keys.signingKey(options.kid)
  const claims = Object.fromEntries(Object.entries(input.claims).filter(([, value]) => value !== undefined))
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: TOKEN_TYPE[input.kind], kid })
    .setIssuer(audience.issuer)
    .setAudience(audience.audience)
    .setSubject(input.subject)
    .setJti(input.jti)
    .setIssuedAt(Math.floor(input.issuedAt / 1000))
    .setNotBefore(Math.floor(input.notBefore / 1000))
    .setExpirationTime(Math.floor(input.expiresAt / 1000))
    .sign(key)
  return { token, kid }
}
