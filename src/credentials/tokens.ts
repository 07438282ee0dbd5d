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

/** Seconds a verifier forgives between its clock and the issuer's (online and in the installed app offline). */
export const CLOCK_TOLERANCE_S = 30

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
  /** The credential's entry in a Token Status List (DESIGN §12), for the `status` claim; none for credentials from before step 11. */
  status?: StatusListReference | null
}

/** `status.status_list` of a token (IETF OAuth Token Status List): the entry `idx` of the list served at `uri`. */
export interface StatusListReference {
  idx: number
  uri: string
}

/** Signs a compact ES256 JWS with the active key, or with the key `kid`. Times are in milliseconds. */
export async function signCredentialToken(
  keys: KeyRing,
  audience: TokenAudience,
  input: SignTokenInput,
  options: { kid?: string } = {},
): Promise<{ token: string; kid: string }> {
  const { kid, key } = await keys.signingKey(options.kid)
  const claims: Record<string, unknown> = Object.fromEntries(Object.entries(input.claims).filter(([, value]) => value !== undefined))
  if (input.status) claims.status = { status_list: { idx: input.status.idx, uri: input.status.uri } }
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

export const STATUS_LIST_TOKEN_TYPE = 'statuslist+jwt'

export interface StatusListTokenInput {
  /** The list's own URI, also the `uri` in the tokens that point into it. */
  subject: string
  /** Milliseconds. */
  issuedAt: number
  expiresAt: number
  /** Seconds a consumer may keep it before fetching a fresh one. */
  ttl: number
  statusList: { bits: number; lst: string }
}

/** Signs a Status List Token (`typ: statuslist+jwt`) with the active key. Times are in milliseconds. */
export async function signStatusListToken(keys: KeyRing, issuer: string, input: StatusListTokenInput): Promise<{ token: string; kid: string }> {
  const { kid, key } = await keys.signingKey()
  const token = await new SignJWT({ ttl: input.ttl, status_list: input.statusList })
    .setProtectedHeader({ alg: 'ES256', typ: STATUS_LIST_TOKEN_TYPE, kid })
    .setIssuer(issuer)
    .setSubject(input.subject)
    .setIssuedAt(Math.floor(input.issuedAt / 1000))
    .setExpirationTime(Math.floor(input.expiresAt / 1000))
    .sign(key)
  return { token, kid }
}
