export type UnverifiedClaims = Record<string, string | number>

export const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
export const MAX_TOKEN_LENGTH = 2048

const CLAIMS_KEPT = ['iss', 'aud', 'sub', 'jti', 'iat', 'nbf', 'exp', 'pur', 'ktp', 'cst', 'wo', 'unt'] as const
const MAX_CLAIM_LENGTH = 120

/**
 * The payload segment of a token, decoded without trusting it: size-capped, parsed in a try,
 * and cut down to the known claims with short scalar values.
 */
export function decodeUnverifiedClaims(token: string): UnverifiedClaims | null {
  if (token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) return null
  let payload: unknown
  try {
    payload = JSON.parse(payloadSegment(token))
  } catch {
    return null
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null
  const claims: UnverifiedClaims = {}
  for (const name of CLAIMS_KEPT) {
    const value: unknown = (payload as Record<string, unknown>)[name]
    if (typeof value === 'string') claims[name] = value.slice(0, MAX_CLAIM_LENGTH)
    else if (typeof value === 'number' && Number.isFinite(value)) claims[name] = value
  }
  return Object.keys(claims).length > 0 ? claims : null
}

/** The payload segment of a well-shaped token as text, unverified. */
export function payloadSegment(token: string): string {
  return Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')
}

/**
 * Our issuer serialises claims with JSON.stringify; a payload that does not round-trip exactly
 * (duplicate claims, odd whitespace) was not written by it.
 */
export function hasCanonicalPayload(token: string): boolean {
  const text = payloadSegment(token)
  try {
    return JSON.stringify(JSON.parse(text)) === text
  } catch {
    return false
  }
}
