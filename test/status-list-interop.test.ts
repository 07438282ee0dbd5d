import { createPublicKey, type JsonWebKey } from 'node:crypto'
import { inflateSync } from 'node:zlib'
import jwt from 'jsonwebtoken'
import { describe, expect, it } from 'vitest'
import { revokeCredential } from '../src/passes/passes.ts'
import { createTestApp, givenPass, PUBLIC_URL } from './helpers.ts'

type TestApp = Awaited<ReturnType<typeof createTestApp>>

/**
 * docs/status-list.md step by step, with jsonwebtoken instead of jose: nothing of ours on the
 * verifier's side but HTTP, the JWKS and zlib.
 */
async function checkAsAnyVerifier(app: TestApp, passToken: string): Promise<{ claims: jwt.JwtPayload; entry: number }> {
  const get = (url: string) => app.app.request(url)
  const now = Math.floor(app.clock.now() / 1000)
  const jwks = (await (await get(`${PUBLIC_URL}/.well-known/jwks.json`)).json()) as { keys: (JsonWebKey & { kid: string })[] }
  const publicKeyOf = (token: string) => {
    const { header } = jwt.decode(token, { complete: true })!
    const jwk = jwks.keys.find((key) => key.kid === header.kid)
    if (!jwk) throw new Error(`kid ${header.kid} is not in the JWKS`)
    return { header, pem: createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) }
  }

  // 1. The pass: signature, issuer, audience, lifetime; then its type.
  const pass = publicKeyOf(passToken)
  const claims = jwt.verify(passToken, pass.pem, { algorithms: ['ES256'], issuer: PUBLIC_URL, audience: `${PUBLIC_URL}/v`, clockTimestamp: now }) as jwt.JwtPayload
  expect(pass.header.typ).toBe('visit-pass+jwt')

  // 2. Its status entry, and the list it names.
  const { idx, uri } = (claims.status as { status_list: { idx: number; uri: string } }).status_list
  const res = await get(uri)
  expect(res.headers.get('content-type')).toBe('application/statuslist+jwt')
  const listToken = await res.text()
  const list = publicKeyOf(listToken)
  const listClaims = jwt.verify(listToken, list.pem, { algorithms: ['ES256'], subject: uri, clockTimestamp: now }) as jwt.JwtPayload
  expect(list.header.typ).toBe('statuslist+jwt')
  expect(listClaims.exp! - listClaims.iat!).toBeLessThanOrEqual(24 * 3600)

  // 3. Inflate and read entry idx: 2 bits, in byte floor(idx·2/8), least significant bits first.
  const { bits, lst } = listClaims.status_list as { bits: number; lst: string }
  const bytes = inflateSync(Buffer.from(lst, 'base64url'))
  const entry = (bytes[Math.floor((idx * bits) / 8)]! >> ((idx * bits) % 8)) & ((1 << bits) - 1)
  return { claims, entry }
}

describe('a verifier with another JOSE implementation (jsonwebtoken)', () => {
  it('verifies the pass and its status list with the JWKS alone and reads its entry: 0, then 1 once revoked', async () => {
    const app = await createTestApp()
    const pass = await givenPass(app.services, { purpose: 'GANTI_METER' })
    const before = await checkAsAnyVerifier(app, pass.token)
    expect(before.claims).toMatchObject({ jti: pass.id, sub: pass.officer.employeeNo, pur: 'GANTI_METER' })
    expect(before.entry).toBe(0)

    await revokeCredential(app.services, pass.id, { actor: 'test' })
    expect((await checkAsAnyVerifier(app, pass.token)).entry).toBe(1)
  })

  it('refuses a list whose signature was tampered with', async () => {
    const app = await createTestApp()
    const pass = await givenPass(app.services)
    const { uri } = (jwt.decode(pass.token) as { status: { status_list: { uri: string } } }).status.status_list
    const listToken = await (await app.app.request(uri)).text()
    const [header, payload] = listToken.split('.')
    const forged = `${header}.${payload}.${Buffer.alloc(64, 1).toString('base64url')}`
    const jwks = (await (await app.request('/.well-known/jwks.json')).json()) as { keys: JsonWebKey[] }
    const pem = createPublicKey({ key: jwks.keys[0]!, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
    expect(() => jwt.verify(forged, pem, { algorithms: ['ES256'], clockTimestamp: Math.floor(app.clock.now() / 1000) })).toThrow(/invalid signature/)
  })
})
