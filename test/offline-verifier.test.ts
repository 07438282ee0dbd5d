import { readFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet, type JWTPayload } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildOfflineVerifier, OFFLINE_VERIFIER_PATH } from '../scripts/build-offline-verifier.ts'
import { checkOffline, FRESH_LIST_MS, readStatusList, statusAt, type OfflineInput } from '../scripts/offline-verifier/check.ts'
import { LIVE_TOKEN_LIFETIME_MS, TOKEN_TYPE, VISIT_GRACE_MS } from '../src/credentials/tokens.ts'
import { forgeToken } from './support/household.ts'
import { createTestApp, givenPass, PUBLIC_URL } from './helpers.ts'
import { revokeCredential } from '../src/passes/passes.ts'
import { messagesFor } from '../src/i18n/index.ts'

// The installed app's offline check (DESIGN §12), run in Node against tokens and status lists
// signed here with jose the way the server signs them.

const ORIGIN = 'https://cek.example.id'
const LIST_URI = `${ORIGIN}/status/list-1`
const NOW = Date.parse('2026-12-02T09:00:00+07:00')
const HOUR = 3600 * 1000

let privateKey: CryptoKey
let jwks: JSONWebKeySet

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true })
  privateKey = pair.privateKey
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] }
})

interface PassOptions {
  typ?: string
  iat?: number
  nbf?: number
  exp?: number
  iss?: string
  status?: { idx: number; uri: string } | null
  claims?: JWTPayload
}

/** A visit pass as src/passes/passes.ts signs it: a 09:00–17:00 window, with the grace on both sides. */
function signPass(options: PassOptions = {}): Promise<string> {
  const iat = options.iat ?? NOW
  const status = options.status === undefined ? { idx: 5, uri: LIST_URI } : options.status
  return new SignJWT({ pur: 'CATAT_METER', ktp: 'none', cst: '2345', ...(status ? { status: { status_list: status } } : {}), ...options.claims })
    .setProtectedHeader({ alg: 'ES256', typ: options.typ ?? TOKEN_TYPE.visit_pass, kid: 'k1' })
    .setIssuer(options.iss ?? ORIGIN)
    .setAudience(`${ORIGIN}/v`)
    .setSubject('9015234A')
    .setJti('pass-1')
    .setIssuedAt(Math.floor(iat / 1000))
    .setNotBefore(Math.floor((options.nbf ?? NOW - VISIT_GRACE_MS) / 1000))
    .setExpirationTime(Math.floor((options.exp ?? NOW + 8 * HOUR + VISIT_GRACE_MS) / 1000))
    .sign(privateKey)
}

/** A statuslist+jwt: two bits per entry, least significant first, zlib-deflated, base64url. */
function signList(entries: Record<number, number>, options: { iat?: number; exp?: number; sub?: string; typ?: string; key?: CryptoKey } = {}): Promise<string> {
  const bytes = new Uint8Array(131_072 / 4)
  for (const [idx, value] of Object.entries(entries)) bytes[Math.floor(Number(idx) / 4)]! |= value << ((Number(idx) % 4) * 2)
  const iat = options.iat ?? NOW - HOUR
  return new SignJWT({ ttl: 900, status_list: { bits: 2, lst: deflateSync(bytes).toString('base64url') } })
    .setProtectedHeader({ alg: 'ES256', typ: options.typ ?? 'statuslist+jwt', kid: 'k1' })
    .setSubject(options.sub ?? LIST_URI)
    .setIssuedAt(Math.floor(iat / 1000))
    .setExpirationTime(Math.floor((options.exp ?? iat + 24 * HOUR) / 1000))
    .sign(options.key ?? privateKey)
}

function check(token: string, list: string | null, overrides: Partial<OfflineInput> = {}) {
  return checkOffline({
    token,
    origin: ORIGIN,
    now: NOW,
    jwks,
    statusList: (uri) => Promise.resolve(uri === LIST_URI ? list : null),
    lastServerTime: NOW - HOUR,
    ...overrides,
  })
}

describe('the offline check of a pass', () => {
  it('is green for a genuine pass whose entry is 0 in a list younger than 6 h, and names the list’s time and the code’s claims', async () => {
    const result = await check(await signPass(), await signList({ 4: 1, 6: 2 }))
    expect(result).toMatchObject({ verdict: 'valid', face: 'green', kind: 'visit_pass', outsideWindow: false, listIssuedAt: NOW - HOUR, statusUri: LIST_URI })
    expect(result.claims).toEqual({ sub: '9015234A', pur: 'CATAT_METER', cst: '2345', wo: null, unt: null })
  })

  it('is red for a pass revoked (1) or suspended (2) in the list, also once the list is past its exp', async () => {
    expect(await check(await signPass({ status: { idx: 5, uri: LIST_URI } }), await signList({ 5: 1 }))).toMatchObject({ verdict: 'revoked', face: 'red' })
    expect(await check(await signPass(), await signList({ 5: 2 }))).toMatchObject({ verdict: 'suspended', face: 'red' })
    const old = await signList({ 5: 1 }, { iat: NOW - 30 * HOUR, exp: NOW - 6 * HOUR })
    expect(await check(await signPass({ iat: NOW - HOUR }), old)).toMatchObject({ verdict: 'revoked', face: 'red' })
  })

  it('is amber once the list is older than 6 h, and never green past the list’s exp', async () => {
    const aged = await signList({}, { iat: NOW - FRESH_LIST_MS - 60_000 })
    expect(await check(await signPass(), aged)).toMatchObject({ verdict: 'stale_list', face: 'amber', listIssuedAt: NOW - FRESH_LIST_MS - 60_000 })
    const pastExp = await signList({}, { iat: NOW - 25 * HOUR, exp: NOW - HOUR })
    expect(await check(await signPass(), pastExp)).toMatchObject({ verdict: 'unknown', face: 'amber' })
  })

  it('cannot be sure without a list for its uri, without a status claim, or with a list that is not a good statuslist+jwt', async () => {
    const pass = await signPass()
    expect(await check(pass, null)).toMatchObject({ verdict: 'unknown', face: 'amber' })
    expect(await check(await signPass({ status: null }), await signList({}))).toMatchObject({ verdict: 'unknown', face: 'amber', statusUri: null })
    expect(await check(await signPass({ status: { idx: 5, uri: 'https://elsewhere.example/status/list-1' } }), await signList({}))).toMatchObject({ verdict: 'unknown' })
    const { privateKey: otherKey } = await generateKeyPair('ES256')
    for (const list of [await signList({}, { key: otherKey }), await signList({}, { sub: `${ORIGIN}/status/other` }), await signList({}, { typ: 'JWT' })]) {
      expect(await check(pass, list)).toMatchObject({ verdict: 'unknown', face: 'amber' })
    }
    // An idx past the end of the list.
    expect(await check(await signPass({ status: { idx: 131_072, uri: LIST_URI } }), await signList({}))).toMatchObject({ verdict: 'unknown' })
  })

  it('calls a copy signed with another key under our kid forged, and a kid the app has not seen unknown (a key rotated in since)', async () => {
    const list = await signList({})
    expect(await check(await forgeToken(await signPass()), list)).toMatchObject({ verdict: 'forged', face: 'red', claims: null })
    expect(await check(await signPass(), list, { jwks: { keys: [{ ...jwks.keys[0]!, kid: 'k2' }] } })).toMatchObject({ verdict: 'unknown', claims: null })
    expect(await check(await signPass(), list, { jwks: null })).toMatchObject({ verdict: 'unknown' })
  })

  it('is red for a token whose key left the JWKS (compromised) when its list entry says revoked', async () => {
    const { privateKey: compromised } = await generateKeyPair('ES256')
    const token = await new SignJWT({ status: { status_list: { idx: 9, uri: LIST_URI } } })
      .setProtectedHeader({ alg: 'ES256', typ: TOKEN_TYPE.visit_pass, kid: 'k0' })
      .setIssuer(ORIGIN)
      .setAudience(`${ORIGIN}/v`)
      .sign(compromised)
    expect(await check(token, await signList({ 9: 1 }))).toMatchObject({ verdict: 'revoked', face: 'red' })
    expect(await check(token, await signList({}))).toMatchObject({ verdict: 'unknown', face: 'amber' })
  })

  it('applies the online rules for lifetime, type, issuer and shape', async () => {
    const list = await signList({})
    expect(await check(await signPass({ iat: NOW - 9 * HOUR, nbf: NOW - 9 * HOUR, exp: NOW - HOUR }), list)).toMatchObject({ verdict: 'expired', face: 'red' })
    expect(await check(await signPass({ nbf: NOW + HOUR, exp: NOW + 9 * HOUR }), list)).toMatchObject({ verdict: 'not_yet_valid', face: 'red' })
    expect(await check(await signPass({ typ: 'JWT' }), list)).toMatchObject({ verdict: 'wrong_type' })
    expect(await check(await signPass({ iss: 'https://cek-palsu.example' }), list)).toMatchObject({ verdict: 'wrong_type' })
    expect(await check(await signPass({ exp: NOW + 13 * HOUR }), list)).toMatchObject({ verdict: 'malformed' })
    expect(await check('not-a-token', list)).toMatchObject({ verdict: 'malformed', face: 'red' })
  })

  it('is amber within the grace around the visit window, and reads a live QR’s short exp as no end of the window', async () => {
    const list = await signList({})
    const early = await signPass({ nbf: NOW - 5 * 60_000, exp: NOW + 8 * HOUR })
    expect(await check(early, list)).toMatchObject({ verdict: 'valid', face: 'amber', outsideWindow: true })
    const live = await signPass({ iat: NOW - 60_000, nbf: NOW - 2 * HOUR, exp: NOW - 60_000 + LIVE_TOKEN_LIFETIME_MS })
    expect(await check(live, list)).toMatchObject({ verdict: 'valid', face: 'green', outsideWindow: false })
    const liveAfterEnd = await signPass({ iat: NOW - 60_000, nbf: NOW - 2 * HOUR, exp: NOW + 60_000 })
    expect(await check(liveAfterEnd, list)).toMatchObject({ verdict: 'valid', face: 'amber', outsideWindow: true })
  })

  it('refuses a device clock earlier than the server’s time at the last fetch, beyond the 30 s tolerance', async () => {
    const list = await signList({})
    const pass = await signPass({ iat: NOW - 2 * HOUR })
    expect(await check(pass, list, { lastServerTime: NOW + 10 * 60_000 })).toMatchObject({ verdict: 'clock_back', face: 'amber' })
    expect(await check(pass, list, { lastServerTime: NOW + 20_000 })).toMatchObject({ verdict: 'valid' })
    // A forgery is red whatever the clock says.
    expect(await check(await forgeToken(pass), list, { lastServerTime: NOW + HOUR })).toMatchObject({ verdict: 'forged' })
  })
})

describe('the status list', () => {
  it('reads two-bit entries least significant first, as the server packs them', async () => {
    const list = await readStatusList(await signList({ 0: 1, 1: 2, 2: 3, 7: 1, 131_071: 2 }), jwks, LIST_URI)
    expect(list).not.toBeNull()
    expect(list!.bytes.length).toBe(32_768)
    expect(list!.bytes[0]).toBe(0b11_10_01)
    expect([0, 1, 2, 3, 7, 8, 131_071].map((idx) => statusAt(list!, idx))).toEqual([1, 2, 3, 0, 1, 0, 2])
    expect(statusAt(list!, 131_072)).toBeNull()
    expect(list!.ttlSeconds).toBe(900)
  })
})

describe('the offline check against the server’s own pass, JWKS and status list', () => {
  it('is green for a pass just issued, and red once it is revoked and the list fetched again', async () => {
    const { services, request, clock } = await createTestApp()
    const pass = await givenPass(services)
    const jwksOfServer = (await (await request('/.well-known/jwks.json')).json()) as JSONWebKeySet
    const [, payload = ''] = pass.token.split('.')
    const uri = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { status: { status_list: { uri: string } } }).status.status_list.uri
    expect(uri.startsWith(`${PUBLIC_URL}/status/`)).toBe(true)
    const fetchList = async (listUri: string) => (await request(listUri.slice(PUBLIC_URL.length))).text()
    const input = { token: pass.token, origin: PUBLIC_URL, now: clock.now(), jwks: jwksOfServer, statusList: fetchList, lastServerTime: clock.now() }
    expect(await checkOffline(input)).toMatchObject({ verdict: 'valid', face: 'green', kind: 'visit_pass', statusUri: uri })
    await revokeCredential(services, pass.id, { actor: 'test' })
    expect(await checkOffline(input)).toMatchObject({ verdict: 'revoked', face: 'red' })
  })
})

describe('GET /app/check', () => {
  it.each(['id', 'en'] as const)('is the offline verdict’s page in %s: every reason hidden until the script picks one, the script from our origin, no inline script', async (lang) => {
    const { request } = await createTestApp()
    const html = await (await request(`/app/check?lang=${lang}`)).text()
    const t = messagesFor(lang)
    expect(html).toMatch(/<script type="module" src="\/assets\/offline-verifier\.js\?v=[0-9a-f]{10}"><\/script>/)
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    expect(html).toContain(`data-origin="${PUBLIC_URL}"`)
    for (const reason of [t.app.offlineCheck.reasons.valid, t.app.offlineCheck.reasons.clock_back, t.app.offlineCheck.noPhoto, t.verdict.reasons.revoked]) expect(html).toContain(reason.replace(/'/g, '&#39;').replace(/"/g, '&quot;'))
  })
})

describe('public/offline-verifier.js', () => {
  it('is the committed output of scripts/build-offline-verifier.ts (run it after changing scripts/offline-verifier/)', async () => {
    expect(readFileSync(OFFLINE_VERIFIER_PATH, 'utf8') === (await buildOfflineVerifier()), 'public/offline-verifier.js is stale: run `npm run build:offline-verifier`').toBe(true)
  })
})
