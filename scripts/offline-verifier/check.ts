// The installed app's offline check (DESIGN §12): a pass or badge token judged with nothing but
// what the app kept from its last time online — the JWKS, the status lists its scans needed and
// the server's time of that fetch. Runs in the browser (bundled into public/offline-verifier.js by
// scripts/build-offline-verifier.ts) and in Node (test/offline-verifier.test.ts); it imports only
// jose and pure constants of the server, so both sides apply the same rules.
import { compactVerify, decodeJwt, decodeProtectedHeader, errors, importJWK, jwtVerify, type CryptoKey, type JSONWebKeySet, type JWK, type JWTPayload } from 'jose'
import { CLOCK_TOLERANCE_S, LIVE_TOKEN_LIFETIME_MS, MAX_TOKEN_LIFETIME, TOKEN_TYPE, VISIT_GRACE_MS, tokenAudience, type CredentialKind } from '../../src/credentials/tokens.ts'
import { verdictForRejection } from '../../src/verification/rejection-verdicts.ts'
import type { Verdict } from '../../src/verification/verify.ts'
import { MAX_TOKEN_LENGTH, TOKEN_SHAPE } from '../../src/verification/unverified-claims.ts'

/** A list younger than this gives the offline green; older (until its `exp`), amber. DESIGN §12. */
export const FRESH_LIST_MS = 6 * 3600 * 1000
export const STATUS_LIST_TYPE = 'statuslist+jwt'

/**
 * The offline verdicts: the online ones a token alone can prove, plus
 * - `stale_list`: genuine and not revoked as of a list older than 6 h (amber);
 * - `unknown`: genuine as far as the app can tell, but its status cannot be known — no list for its
 *   uri, a list past its `exp`, a key the app has not seen, or a token without a status entry (amber);
 * - `clock_back`: the device clock is earlier than the server's time at the last fetch (refused);
 * - `suspended`: status 2 in the list (red).
 */
export type OfflineVerdict = Exclude<Verdict, 'key_revoked' | 'officer_suspended'> | 'suspended' | 'stale_list' | 'unknown' | 'clock_back'
export type OfflineFace = 'green' | 'amber' | 'red'

export interface OfflineInput {
  token: string
  /** Our origin: `iss` must be it and `aud` `<origin>/v`; a list uri must be under it. */
  origin: string
  /** The device clock, in milliseconds. */
  now: number
  jwks: JSONWebKeySet | null
  /** The cached statuslist+jwt for a list uri, or null when the app has none. */
  statusList: (uri: string) => Promise<string | null>
  /** The server's time at the app's last fetch (a Date header or a list's iat), in milliseconds. */
  lastServerTime: number | null
}

export interface OfflineResult {
  verdict: OfflineVerdict
  face: OfflineFace
  kind: CredentialKind | null
  /** Only when the signature held: the claims a household can match at the door. */
  claims: { sub: string; pur: string | null; cst: string | null; wo: string | null; unt: string | null } | null
  /** The visit is outside its scheduled window (within the grace): amber, as online. */
  outsideWindow: boolean
  /** When the list that decided the status was issued (its `iat`), in milliseconds. */
  listIssuedAt: number | null
  /** The status list the token points at, so the page can name it (and the app fetch it later). */
  statusUri: string | null
}

export interface StatusReference {
  idx: number
  uri: string
}

export interface StatusList {
  uri: string
  issuedAt: number
  expiresAt: number
  ttlSeconds: number
  bits: number
  bytes: Uint8Array
}

const FACES: Record<OfflineVerdict, OfflineFace> = {
  valid: 'green',
  stale_list: 'amber',
  unknown: 'amber',
  clock_back: 'amber',
  expired: 'red',
  not_yet_valid: 'red',
  revoked: 'red',
  suspended: 'red',
  forged: 'red',
  wrong_type: 'red',
  malformed: 'red',
}

/** Checks `input.token` offline, in the order of the online check, with the status from the cached list. */
export async function checkOffline(input: OfflineInput): Promise<OfflineResult> {
  const { token, origin, now } = input
  const result = (verdict: OfflineVerdict, extra: Partial<OfflineResult> = {}): OfflineResult => ({
    verdict,
    face: verdict === 'valid' && extra.outsideWindow ? 'amber' : FACES[verdict],
    kind: null,
    claims: null,
    outsideWindow: false,
    listIssuedAt: null,
    statusUri: null,
    ...extra,
  })

  // 1. Shape before crypto.
  if (token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) return result('malformed')
  let kid: unknown
  try {
    kid = decodeProtectedHeader(token).kid
  } catch {
    return result('malformed')
  }
  // 2. The signature, with a key of the cached JWKS. A kid the app has not seen may be a key
  // rotated in since its last fetch: that proves nothing either way, so never green, never red.
  const key = typeof kid === 'string' ? await verificationKey(input.jwks, kid) : null
  if (!key) return result((await unverifiedStatus(input)) ?? 'unknown')
  // 3. Claims, as online: typ, iss, aud, the registered claims, lifetime. jose checks the
  // signature first, so a claim error means the signature held.
  let verified: Awaited<ReturnType<typeof jwtVerify>> | null = null
  let claimError: unknown = null
  try {
    const audience = tokenAudience(origin)
    verified = await jwtVerify(token, key, {
      algorithms: ['ES256'],
      issuer: audience.issuer,
      audience: audience.audience,
      requiredClaims: ['exp', 'iat', 'nbf', 'jti', 'sub'],
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: new Date(now),
    })
  } catch (error) {
    if (!(error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired)) return result(verdictForRejection(error) === 'malformed' ? 'malformed' : 'forged')
    claimError = error
  }
  // 4. The device clock decides lifetime and freshness: not when it went back.
  if (input.lastServerTime !== null && now < input.lastServerTime - CLOCK_TOLERANCE_S * 1000) return result('clock_back')
  if (!verified) {
    const verdict = verdictForRejection(claimError)
    return result(verdict === null || verdict === 'key_revoked' || verdict === 'officer_suspended' ? 'forged' : verdict)
  }
  const { payload } = verified
  const typ = verified.protectedHeader.typ
  const kind = typ === TOKEN_TYPE.visit_pass ? 'visit_pass' : typ === TOKEN_TYPE.badge ? 'badge' : null
  if (!kind) return result('wrong_type')
  const { iat, exp, nbf, sub } = payload
  if (typeof iat !== 'number' || typeof exp !== 'number' || typeof nbf !== 'number' || typeof sub !== 'string') return result('malformed')
  if (exp - iat > MAX_TOKEN_LIFETIME[kind] || iat * 1000 > now + CLOCK_TOLERANCE_S * 1000 || !hasCanonicalPayload(token)) return result('malformed')

  const claims = { sub, pur: stringClaim(payload.pur), cst: stringClaim(payload.cst), wo: stringClaim(payload.wo), unt: stringClaim(payload.unt) }
  const reference = statusReference(payload, origin)
  const known: Partial<OfflineResult> = { kind, claims, outsideWindow: isOutsideWindow(kind, { iat, nbf, exp }, now), statusUri: reference?.uri ?? null }

  // 5. Status, from the cached list for its uri.
  if (!reference) return result('unknown', known)
  const jwt = await input.statusList(reference.uri)
  const list = jwt ? await readStatusList(jwt, input.jwks, reference.uri) : null
  if (!list) return result('unknown', known)
  const listed = { ...known, listIssuedAt: list.issuedAt }
  const status = statusAt(list, reference.idx)
  // A revocation or suspension is news whatever the list's age.
  if (status === 1) return result('revoked', listed)
  if (status === 2) return result('suspended', listed)
  if (status !== 0 || now > list.expiresAt) return result('unknown', listed)
  if (now - list.issuedAt > FRESH_LIST_MS) return result('stale_list', listed)
  return result('valid', listed)
}

/**
 * The list entry an unverifiable token points at. A key compromise revokes every credential of
 * that key in the lists and drops the key from the JWKS: a revoked or suspended entry is then the
 * only thing the app can say, and saying red wrongly costs nothing a forger wants.
 */
async function unverifiedStatus(input: OfflineInput): Promise<'revoked' | 'suspended' | null> {
  let reference: StatusReference | null
  try {
    reference = statusReference(decodeJwt(input.token), input.origin)
  } catch {
    return null
  }
  const jwt = reference ? await input.statusList(reference.uri) : null
  const list = reference && jwt ? await readStatusList(jwt, input.jwks, reference.uri) : null
  const status = reference && list ? statusAt(list, reference.idx) : null
  return status === 1 ? 'revoked' : status === 2 ? 'suspended' : null
}

/**
 * A visit pass is outside its window in the grace before its start (`nbf` is the start less the
 * grace) and in the grace after its end. A live QR's `exp` is cut to five minutes after it was
 * minted, so it shows the end only when the end came sooner than that.
 */
function isOutsideWindow(kind: CredentialKind, times: { iat: number; nbf: number; exp: number }, now: number): boolean {
  if (kind !== 'visit_pass') return false
  const cutToLiveLifetime = (times.exp - times.iat) * 1000 === LIVE_TOKEN_LIFETIME_MS
  const windowStart = times.nbf * 1000 + VISIT_GRACE_MS
  const windowEnd = cutToLiveLifetime ? Number.POSITIVE_INFINITY : times.exp * 1000 - VISIT_GRACE_MS
  return now < windowStart || now > windowEnd
}

/** The token's `status.status_list`, when it is well formed and its list is one of ours. */
export function statusReference(payload: JWTPayload, origin: string): StatusReference | null {
  const status = payload.status as { status_list?: { idx?: unknown; uri?: unknown } } | undefined
  const idx = status?.status_list?.idx
  const uri = status?.status_list?.uri
  if (typeof idx !== 'number' || !Number.isSafeInteger(idx) || idx < 0 || typeof uri !== 'string') return null
  return uri.startsWith(`${origin}/status/`) ? { idx, uri } : null
}

/**
 * A statuslist+jwt as the app cached it, checked: signed ES256 by a key of the JWKS, `typ`
 * statuslist+jwt, `sub` the uri the token named, two-bit entries. Its `exp` is left to the
 * caller: a list past it still tells of a revocation. Null when any of that fails.
 */
export async function readStatusList(jwt: string, jwks: JSONWebKeySet | null, uri: string): Promise<StatusList | null> {
  try {
    const header = decodeProtectedHeader(jwt)
    const key = typeof header.kid === 'string' ? await verificationKey(jwks, header.kid) : null
    if (!key || header.typ !== STATUS_LIST_TYPE) return null
    const { payload } = await compactVerify(jwt, key, { algorithms: ['ES256'] })
    const claims = JSON.parse(new TextDecoder().decode(payload)) as { sub?: unknown; iat?: unknown; exp?: unknown; ttl?: unknown; status_list?: { bits?: unknown; lst?: unknown } }
    const { sub, iat, exp, ttl } = claims
    const bits = claims.status_list?.bits
    const lst = claims.status_list?.lst
    if (sub !== uri || typeof iat !== 'number' || typeof exp !== 'number' || bits !== 2 || typeof lst !== 'string') return null
    return { uri, issuedAt: iat * 1000, expiresAt: exp * 1000, ttlSeconds: typeof ttl === 'number' ? ttl : 0, bits, bytes: await inflate(base64urlBytes(lst)) }
  } catch {
    return null
  }
}

/** Entry `idx` of a list: `bits` bits in byte floor(idx·bits/8), least significant first (Token Status List §4.1). Null past its end. */
export function statusAt(list: Pick<StatusList, 'bits' | 'bytes'>, idx: number): number | null {
  const bit = idx * list.bits
  const byte = list.bytes[Math.floor(bit / 8)]
  if (byte === undefined) return null
  return (byte >> bit % 8) & ((1 << list.bits) - 1)
}

// Imported keys by JWKS and kid: a pass and its list are most often signed by the same key.
const importedKeys = new WeakMap<JSONWebKeySet, Map<string, Promise<CryptoKey | Uint8Array | null>>>()

/** The ES256 key `kid` of the JWKS, imported once; null when the JWKS has none that imports. */
function verificationKey(jwks: JSONWebKeySet | null, kid: string): Promise<CryptoKey | Uint8Array | null> {
  if (!jwks) return Promise.resolve(null)
  let byKid = importedKeys.get(jwks)
  if (!byKid) importedKeys.set(jwks, (byKid = new Map()))
  let key = byKid.get(kid)
  if (!key) {
    const jwk = jwks.keys.find((candidate) => candidate.kid === kid)
    key = jwk ? importJWK(jwk as JWK, 'ES256').catch(() => null) : Promise.resolve(null)
    byKid.set(kid, key)
  }
  return key
}

function stringClaim(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}

/** As the online check: our issuer writes the payload with JSON.stringify, so it round-trips exactly. */
function hasCanonicalPayload(token: string): boolean {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(base64urlBytes(token.split('.')[1] ?? ''))
    return JSON.stringify(JSON.parse(text)) === text
  } catch {
    return false
  }
}

function base64urlBytes(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  return Uint8Array.from(binary, (char) => char.charCodeAt(0))
}

/** zlib (RFC 1950) inflate with the platform's own DecompressionStream: no library shipped for it. */
async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}
