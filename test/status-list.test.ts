import { gunzipSync, inflateSync } from 'node:zlib'
import { eq } from 'drizzle-orm'
import fc from 'fast-check'
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { openDataDirDatabase } from './support/test-database.ts'
import { credentials, statusLists } from '../db/schema.ts'
import { signCredentialToken } from '../src/credentials/tokens.ts'
import { suspendOfficer } from '../src/officers/officers.ts'
import { insertCredential, newCredentialId } from '../src/passes/credential-records.ts'
import { reactivateOfficerWithPasses, revokeCredential } from '../src/passes/passes.ts'
import { mintLiveToken, printedToken, reissueCredential } from '../src/passes/printed.ts'
import {
  decodeStatusList,
  emptyStatusBytes,
  encodeStatusList,
  getStatus,
  openStatusList,
  setStatus,
  STATUS_LIST_CAPACITY,
  STATUS_LIST_TTL_S,
} from '../src/passes/status-lists.ts'
import type { Services } from '../src/services.ts'
import { createTestApp, fixedClock, givenBadge, givenOfficer, givenPass, PUBLIC_URL, tempDir, testConfig } from './helpers.ts'
import { runCliAt } from './support/cli-at.ts'

const MINUTE = 60 * 1000
type TestApp = Awaited<ReturnType<typeof createTestApp>>

const dirs: ReturnType<typeof tempDir>[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove()
})

/** The `status.status_list` claim of a token, read without verifying (the tests verify elsewhere). */
function statusClaim(token: string): { idx: number; uri: string } {
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { status?: { status_list?: { idx: number; uri: string } } }
  expect(payload.status?.status_list).toBeDefined()
  return payload.status!.status_list!
}

async function credentialRow(services: Services, id: string) {
  const [row] = await services.db.select().from(credentials).where(eq(credentials.id, id))
  return row!
}

/** GETs the list a token points into and verifies it with the JWKS as any verifier would; its entries. */
async function fetchList(app: TestApp, uri: string) {
  const res = await app.request(uri.slice(PUBLIC_URL.length))
  expect(res.status).toBe(200)
  const token = await res.text()
  const jwks = createLocalJWKSet((await (await app.request('/.well-known/jwks.json')).json()) as JSONWebKeySet)
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    algorithms: ['ES256'],
    typ: 'statuslist+jwt',
    subject: uri,
    requiredClaims: ['iat', 'exp'],
    currentDate: new Date(app.clock.now()),
  })
  const statusList = payload.status_list as { bits: number; lst: string }
  return { res, token, payload, protectedHeader, bits: statusList.bits, bytes: decodeStatusList(statusList.lst) }
}

/** The entry of each token in the list it points into, as served now. */
async function entriesOf(app: TestApp, tokens: string[]): Promise<number[]> {
  const uri = statusClaim(tokens[0]!).uri
  expect(tokens.every((token) => statusClaim(token).uri === uri)).toBe(true)
  const { bytes } = await fetchList(app, uri)
  return tokens.map((token) => getStatus(bytes, statusClaim(token).idx))
}

/** How many entries of the served list are not 0. */
async function nonZeroEntries(app: TestApp, uri: string): Promise<number> {
  const { bytes } = await fetchList(app, uri)
  let count = 0
  for (let idx = 0; idx < bytes.length * 4; idx++) if (getStatus(bytes, idx) !== 0) count++
  return count
}

describe('the status list encoding (draft-ietf-oauth-status-list §4.1)', () => {
  it('gives the bytes and lst of the draft’s 2-bit example', () => {
    const bytes = emptyStatusBytes(12)
    for (const [idx, value] of [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3].entries()) setStatus(bytes, idx, value)
    expect([...bytes]).toEqual([0xc9, 0x44, 0xf9])
    // The draft's lst was deflated at another setting; both are ZLIB streams of the same bytes.
    expect([...decodeStatusList('eNo76fITAAPfAgc')]).toEqual([0xc9, 0x44, 0xf9])
    expect([...inflateSync(Buffer.from(encodeStatusList(bytes), 'base64url'))]).toEqual([0xc9, 0x44, 0xf9])
  })

  it('round-trips any entries through set, deflate, base64url and back', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3000 }), (values) => {
        const bytes = emptyStatusBytes(values.length)
        values.forEach((value, idx) => setStatus(bytes, idx, value))
        const decoded = decodeStatusList(encodeStatusList(bytes))
        expect(decoded.length).toBe(Math.ceil(values.length / 4))
        expect(values.map((_, idx) => getStatus(decoded, idx))).toEqual(values)
      }),
    )
  })

  it('changes only the entry it sets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), fc.integer({ min: 0, max: 3 }), (initial, at, value) => {
        const bytes = new Uint8Array(initial)
        const idx = at % (bytes.length * 4)
        const before = Array.from({ length: bytes.length * 4 }, (_, i) => getStatus(bytes, i))
        setStatus(bytes, idx, value)
        expect(Array.from({ length: bytes.length * 4 }, (_, i) => getStatus(bytes, i))).toEqual(before.map((old, i) => (i === idx ? value : old)))
      }),
    )
  })
})

describe('status list entries of new passes and badges', () => {
  it('gives every pass and badge its own random entry in a list of 131,072, named in every token it gets', async () => {
    const { services } = await createTestApp()
    const officer = await givenOfficer(services)
    const issued = []
    for (let i = 0; i < 150; i++) issued.push(await givenPass(services, { officer }))
    for (let i = 0; i < 10; i++) issued.push(await givenBadge(services, officer))

    const claims = issued.map((credential) => statusClaim(credential.token))
    const indexes = claims.map((claim) => claim.idx)
    expect(new Set(indexes).size).toBe(issued.length)
    // Random, not counted up: issue order says nothing about the index.
    const ascending = indexes.slice(1).filter((idx, i) => idx > indexes[i]!).length
    expect(ascending).toBeGreaterThan(20)
    expect(ascending).toBeLessThan(indexes.length - 21)
    expect(Math.max(...indexes) - Math.min(...indexes)).toBeGreaterThan(STATUS_LIST_CAPACITY / 4)

    const [list] = await services.db.select().from(statusLists)
    expect(list).toMatchObject({ capacity: STATUS_LIST_CAPACITY, used: issued.length })
    for (const [i, credential] of issued.entries()) {
      const row = await credentialRow(services, credential.id)
      expect(claims[i]).toEqual({ idx: row.statusIdx, uri: `${PUBLIC_URL}/status/${list!.id}` })
    }
    // The live QR's re-mints and a re-signed printed token name the same entry.
    const row = await credentialRow(services, issued[0]!.id)
    expect(statusClaim((await mintLiveToken(services, row, officer)).token)).toEqual(claims[0])
    expect(statusClaim(await printedToken(services, { ...row, printedTokenSealed: null }, officer))).toEqual(claims[0])
  })

  it('opens a new list once the newest is half full', async () => {
    const { services } = await createTestApp()
    const small = await openStatusList(services, 8)
    const officer = await givenOfficer(services)
    const first = await Promise.all([0, 1, 2, 3].map(() => givenPass(services, { officer })))
    const inSmall = first.map((pass) => statusClaim(pass.token))
    expect(inSmall.every((claim) => claim.uri === `${PUBLIC_URL}/status/${small.id}` && claim.idx < 8)).toBe(true)
    expect(new Set(inSmall.map((claim) => claim.idx)).size).toBe(4)

    const next = statusClaim((await givenPass(services, { officer })).token)
    expect(next.uri).not.toBe(inSmall[0]!.uri)
    const lists = await services.db.select().from(statusLists)
    expect(lists.map((list) => [list.capacity, list.used]).sort()).toEqual([
      [131072, 1],
      [8, 4],
    ])
  })

  it('takes another entry when another issuer took the chosen one before the insert committed', async () => {
    const { services } = await createTestApp()
    const officer = await givenOfficer(services)
    const other = await givenPass(services, { officer })
    const now = services.clock.now()
    const id = newCredentialId()
    const offered: { idx: number; uri: string }[] = []
    const { token } = await insertCredential(services, { id, kind: 'badge', officerId: officer.id, windowStart: now, windowEnd: now + 3600_000, issuedAt: now, issuedBy: 'test' }, async (status) => {
      offered.push(status)
      if (offered.length === 1) {
        // As if the CLI had issued a pass with this very entry after it was chosen here.
        const listId = status.uri.split('/').at(-1)!
        await services.db.transaction((tx) => tx.update(credentials).set({ statusListId: listId, statusIdx: status.idx }).where(eq(credentials.id, other.id)))
      }
      return signCredentialToken(services.keys, services.audience, { kind: 'badge', jti: id, subject: officer.employeeNo, issuedAt: now, notBefore: now, expiresAt: now + 3600_000, claims: {}, status })
    })
    expect(offered).toHaveLength(2)
    expect(offered[1]!.idx).not.toBe(offered[0]!.idx)
    const row = await credentialRow(services, id)
    expect(statusClaim(token)).toEqual(offered[1])
    expect(row.statusIdx).toBe(offered[1]!.idx)
  })

  it('keeps a usual pass under 600 characters with a long origin, and one with a 30-character work order under 660', async () => {
    const { services } = await createTestApp({ config: { publicUrl: 'https://cek-petugas.pln.co.id' } })
    const usual = await givenPass(services)
    expect(statusClaim(usual.token).uri).toMatch(/^https:\/\/cek-petugas\.pln\.co\.id\/status\/[A-Za-z0-9_-]{4}$/)
    expect(usual.token.length).toBeLessThan(600)
    // The claim costs about 120 characters (DESIGN §3 asked < 600 before §12 added it).
    const long = await givenPass(services, { purpose: 'BALIK_NAMA', workOrder: 'BN/UP3-MTG/ULP-CKN/2026/000123' })
    expect(long.token.length).toBeLessThan(660)
  })
})

describe('GET /status/:list', () => {
  it('serves a statuslist+jwt signed by the active key of the JWKS, with sub, iat, exp within 24 h, ttl 900 and 2-bit entries', async () => {
    const app = await createTestApp()
    const pass = await givenPass(app.services)
    const { uri } = statusClaim(pass.token)
    const { res, payload, protectedHeader, bits, bytes } = await fetchList(app, uri)
    expect(res.headers.get('content-type')).toBe('application/statuslist+jwt')
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'statuslist+jwt', kid: await app.services.keys.activeKid() })
    expect(payload).toMatchObject({ sub: uri, iss: PUBLIC_URL, iat: app.clock.now() / 1000, ttl: STATUS_LIST_TTL_S })
    expect(payload.exp! - payload.iat!).toBeGreaterThan(0)
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(24 * 3600)
    expect(bits).toBe(2)
    expect(bytes.length).toBe(STATUS_LIST_CAPACITY / 4)
    expect(getStatus(bytes, statusClaim(pass.token).idx)).toBe(0)
  })

  it('may be cached for its ttl by anyone, read from any origin, revalidated by ETag and sent gzipped', async () => {
    const app = await createTestApp()
    const { uri } = statusClaim((await givenPass(app.services)).token)
    const path = uri.slice(PUBLIC_URL.length)
    const first = await app.request(path)
    const maxAge = Number(/^public, max-age=(\d+)$/.exec(first.headers.get('cache-control') ?? '')?.[1])
    expect(maxAge).toBeGreaterThan(0)
    expect(maxAge).toBeLessThanOrEqual(STATUS_LIST_TTL_S)
    expect(first.headers.get('access-control-allow-origin')).toBe('*')
    expect(first.headers.get('cross-origin-resource-policy')).toBe('cross-origin')
    const etag = first.headers.get('etag')!
    const token = await first.text()

    const again = await app.request(path, { headers: { 'if-none-match': etag } })
    expect(again.status).toBe(304)
    expect(again.headers.get('etag')).toBe(etag)
    expect(await again.text()).toBe('')

    const gzipped = await app.request(path, { headers: { 'accept-encoding': 'gzip, deflate, br' } })
    expect(gzipped.headers.get('content-encoding')).toBe('gzip')
    expect(gunzipSync(Buffer.from(await gzipped.arrayBuffer())).toString()).toBe(token)
    expect(gzipped.headers.get('vary')).toMatch(/accept-encoding/i)
  })

  it('answers repeated requests with the same signed list while nothing changes, and signs it again once it is five minutes old', async () => {
    const app = await createTestApp()
    const { uri } = statusClaim((await givenPass(app.services)).token)
    const first = await fetchList(app, uri)
    // Writes that move no entry (a scan, a report) leave the list as it was.
    await app.request(`/v/${'x'.repeat(40)}.${'y'.repeat(40)}.${'z'.repeat(40)}`)
    await app.verifier.flushScans()
    expect((await fetchList(app, uri)).token).toBe(first.token)
    app.clock.advance(5 * MINUTE)
    const later = await fetchList(app, uri)
    expect(later.token).not.toBe(first.token)
    expect(later.payload.iat).toBe(first.payload.iat! + 300)
  })

  it('answers 404 with JSON for an unknown list and for ids that cannot be one', async () => {
    const app = await createTestApp()
    for (const id of ['AAAAAAAAAAAA', 'a'.repeat(33), '..%2F..%2Fetc', '%00', 'ab%20cd']) {
      const res = await app.request(`/status/${id}`)
      expect(res.status, id).toBe(404)
      expect(await res.json()).toEqual({ error: 'unknown_status_list' })
      expect(res.headers.get('access-control-allow-origin')).toBe('*')
    }
  })
})

describe('what the served list says', () => {
  it('flips exactly the revoked credential’s entry to 1 on the next request, and a reissued one’s', async () => {
    const app = await createTestApp()
    const officer = await givenOfficer(app.services)
    const passes = [await givenPass(app.services, { officer }), await givenPass(app.services, { officer }), await givenBadge(app.services, officer)]
    const tokens = passes.map((pass) => pass.token)
    expect(await entriesOf(app, tokens)).toEqual([0, 0, 0])
    await revokeCredential(app.services, passes[1]!.id, { actor: 'test' })
    expect(await entriesOf(app, tokens)).toEqual([0, 1, 0])
    expect(await nonZeroEntries(app, statusClaim(tokens[0]!).uri)).toBe(1)

    // A reissue revokes the credential it replaces in its own transaction.
    const reissued = await reissueCredential(app.services, passes[0]!.id, 'test')
    expect(await entriesOf(app, [...tokens, reissued.token])).toEqual([1, 1, 0, 0])
    expect(await nonZeroEntries(app, statusClaim(tokens[0]!).uri)).toBe(2)
  })

  it('marks all of a suspended officer’s credentials 2 and no one else’s; reactivation that restores them makes them 0 again, one that cancels them 1', async () => {
    const app = await createTestApp()
    const [suspended, other] = [await givenOfficer(app.services), await givenOfficer(app.services)]
    const theirs = [await givenPass(app.services, { officer: suspended }), await givenPass(app.services, { officer: suspended }), await givenBadge(app.services, suspended)]
    const revoked = await givenPass(app.services, { officer: suspended })
    const others = [await givenPass(app.services, { officer: other }), await givenBadge(app.services, other)]
    await revokeCredential(app.services, revoked.id, { actor: 'test' })
    const tokens = [...theirs, revoked, ...others].map((credential) => credential.token)
    expect(await entriesOf(app, tokens)).toEqual([0, 0, 0, 1, 0, 0])

    await suspendOfficer(app.services.db, app.clock, suspended.employeeNo, { actor: 'test' })
    expect(await entriesOf(app, tokens)).toEqual([2, 2, 2, 1, 0, 0])
    await reactivateOfficerWithPasses(app.services, suspended.employeeNo, { actor: 'test', passes: 'restore' })
    expect(await entriesOf(app, tokens)).toEqual([0, 0, 0, 1, 0, 0])

    await suspendOfficer(app.services.db, app.clock, suspended.employeeNo, { actor: 'test' })
    expect(await entriesOf(app, tokens)).toEqual([2, 2, 2, 1, 0, 0])
    await reactivateOfficerWithPasses(app.services, suspended.employeeNo, { actor: 'test', passes: 'cancel' })
    expect(await entriesOf(app, tokens)).toEqual([1, 1, 1, 1, 0, 0])
    expect(await nonZeroEntries(app, statusClaim(tokens[0]!).uri)).toBe(4)
  })

  it('marks every credential whose printed token a compromised key signed 1, and is itself signed by a key that still verifies', async () => {
    const app = await createTestApp()
    const officer = await givenOfficer(app.services)
    const old = [await givenPass(app.services, { officer }), await givenBadge(app.services, officer)]
    const compromisedKid = (await app.services.keys.activeKid())!
    const tokens = old.map((credential) => credential.token)
    expect(await entriesOf(app, tokens)).toEqual([0, 0])
    await app.services.keys.rotate('test')
    const fresh = [await givenPass(app.services, { officer }), await givenBadge(app.services)]
    tokens.push(...fresh.map((credential) => credential.token))
    await app.services.keys.compromise(compromisedKid, 'test')

    expect(await entriesOf(app, tokens)).toEqual([1, 1, 0, 0])
    const { protectedHeader } = await fetchList(app, statusClaim(tokens[0]!).uri)
    expect(protectedHeader.kid).not.toBe(compromisedKid)
    expect(protectedHeader.kid).toBe(await app.services.keys.activeKid())

    // Reissued, the pass gets a new entry of its own; the one it replaces stays revoked.
    const reissued = await reissueCredential(app.services, old[0]!.id, 'test')
    expect(statusClaim(reissued.token).idx).not.toBe(statusClaim(tokens[0]!).idx)
    expect(await entriesOf(app, [...tokens, reissued.token])).toEqual([1, 1, 0, 0, 0])
  })

  it('shows a revocation and a suspension made by the CLI through its own connection on the next request', async () => {
    const dir = tempDir('status-list')
    dirs.push(dir)
    const clock = fixedClock()
    const app = await createTestApp({ clock, db: await openDataDirDatabase(dir.path), config: { dataDir: dir.path } })
    const env = { DATA_DIR: dir.path, KEK: testConfig().kek!, PUBLIC_URL }
    const [first, second] = [await givenOfficer(app.services), await givenOfficer(app.services)]
    const passes = [await givenPass(app.services, { officer: first }), await givenPass(app.services, { officer: second })]
    const tokens = passes.map((pass) => pass.token)
    expect(await entriesOf(app, tokens)).toEqual([0, 0])

    expect((await runCliAt(clock, ['pass', 'revoke', passes[0]!.id, '--json'], env)).code).toBe(0)
    expect(await entriesOf(app, tokens)).toEqual([1, 0])
    expect((await runCliAt(clock, ['officer', 'suspend', second.employeeNo, '--json'], env)).code).toBe(0)
    expect(await entriesOf(app, tokens)).toEqual([1, 2])
  })
})

describe('tokens with and without a status entry, online', () => {
  it('verifies passes and live QR tokens that carry the claim', async () => {
    const app = await createTestApp()
    const pass = await givenPass(app.services)
    const live = await mintLiveToken(app.services, await credentialRow(app.services, pass.id), pass.officer)
    for (const token of [pass.token, live.token]) {
      const json = (await (await app.request(`/api/v1/verify/${token}`)).json()) as { verdict: string }
      expect(json.verdict).toBe('valid')
    }
  })

  it('still verifies a credential from before status lists, whose tokens have no claim', async () => {
    const app = await createTestApp()
    const pass = await givenPass(app.services)
    await app.services.db.transaction((tx) => tx.update(credentials).set({ statusListId: null, statusIdx: null }).where(eq(credentials.id, pass.id)))
    const live = await mintLiveToken(app.services, await credentialRow(app.services, pass.id), pass.officer)
    expect(live.token.split('.')[1]).toBeDefined()
    expect(JSON.parse(Buffer.from(live.token.split('.')[1]!, 'base64url').toString())).not.toHaveProperty('status')
    const json = (await (await app.request(`/api/v1/verify/${live.token}`)).json()) as { verdict: string }
    expect(json.verdict).toBe('valid')
  })

  it('calls a token forged whose claim names another entry than the credential’s', async () => {
    const app = await createTestApp()
    const pass = await givenPass(app.services)
    const row = await credentialRow(app.services, pass.id)
    const claim = statusClaim(pass.token)
    const now = app.clock.now()
    const { token } = await signCredentialToken(app.services.keys, app.services.audience, {
      kind: 'visit_pass',
      jti: pass.id,
      subject: pass.officer.employeeNo,
      issuedAt: now,
      notBefore: row.windowStart,
      expiresAt: now + 4 * MINUTE,
      claims: { pur: row.purpose ?? undefined, ktp: row.ktpPolicy ?? undefined, cst: row.customerLast4 ?? undefined, unt: pass.officer.unitCode ?? undefined },
      status: { idx: (claim.idx + 1) % STATUS_LIST_CAPACITY, uri: claim.uri },
    })
    expect(decodeProtectedHeader(token).typ).toBe('visit-pass+jwt')
    const json = (await (await app.request(`/api/v1/verify/${token}`)).json()) as { verdict: string }
    expect(json.verdict).toBe('forged')
  })
})
