import { eq, sql } from 'drizzle-orm'
import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { credentials, scans } from '../db/schema.ts'
import { MemoryCounters } from '../src/counters/memory.ts'
import { suspendOfficer } from '../src/officers/officers.ts'
import { revokeCredential } from '../src/passes/passes.ts'
import { mintLiveToken } from '../src/passes/printed.ts'
import { VERDICTS } from '../src/verification/verify.ts'
import { createTestApp, faceOf, givenBadge, givenOfficer, givenPass, PUBLIC_URL, verdictOf } from './helpers.ts'
import { dropTable } from './support/test-database.ts'

const HOUR = 3600 * 1000
const MINUTE = 60 * 1000

async function verdictJson(request: Awaited<ReturnType<typeof createTestApp>>['request'], token: string) {
  const res = await request(`/api/v1/verify/${token}`)
  expect(res.status).toBe(200)
  return (await res.json()) as { verdict: string; officer: { name: string } | null; pass: { purpose: { code: string } } | null; warnings: string[] }
}

describe('verification verdicts', () => {
  it('shows green with the officer, purpose and KTP policy from our database for a valid pass', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services, { purpose: 'P2TL' })
    const html = await (await request(`/v/${pass.token}`)).text()
    expect(verdictOf(html)).toBe('valid')
    expect(faceOf(html)).toBe('green')
    expect(html).toContain(pass.officer.name)
    expect(html).toContain('UID Jakarta Raya › UP3 Menteng › ULP Cikini')
    expect(html).toContain('Penertiban Pemakaian Tenaga Listrik')
    expect(html).toContain('data-ktp="view"')
    expect(html).toContain('<strong class="last4">2345</strong>')
    const json = await verdictJson(request, pass.token)
    expect(json.verdict).toBe('valid')
    expect(json.officer?.name).toBe(pass.officer.name)
    expect(json.pass?.purpose.code).toBe('P2TL')
  })

  it('says expired once the visit window and its grace have passed', async () => {
    const { services, request, clock } = await createTestApp()
    const pass = await givenPass(services)
    clock.advance(5 * HOUR)
    expect((await verdictJson(request, pass.token)).verdict).toBe('expired')
  })

  it('says not_yet_valid before the visit window opens', async () => {
    const { services, request, clock } = await createTestApp()
    const pass = await givenPass(services, { windowStart: clock.now() + 2 * HOUR, windowEnd: clock.now() + 4 * HOUR })
    expect((await verdictJson(request, pass.token)).verdict).toBe('not_yet_valid')
  })

  it('turns amber, not green, when the officer comes a little early', async () => {
    const { services, request, clock } = await createTestApp()
    const pass = await givenPass(services, { windowStart: clock.now() + 10 * MINUTE, windowEnd: clock.now() + 2 * HOUR })
    const html = await (await request(`/v/${pass.token}`)).text()
    expect(verdictOf(html)).toBe('valid')
    expect(faceOf(html)).toBe('amber')
    expect(html).toContain('di luar jam kunjungan')
    expect((await verdictJson(request, pass.token)).warnings).toEqual(['outside_window'])
  })

  it('says revoked for a cancelled pass, at once', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    expect((await verdictJson(request, pass.token)).verdict).toBe('valid')
    await revokeCredential(services, pass.id, { actor: 'test' })
    expect((await verdictJson(request, pass.token)).verdict).toBe('revoked')
  })

  it('shows red and never the officer name for a pass whose officer was suspended', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    await suspendOfficer(services.db, services.clock, pass.officer.employeeNo, { actor: 'test' })
    const html = await (await request(`/v/${pass.token}`)).text()
    expect(verdictOf(html)).toBe('officer_suspended')
    expect(faceOf(html)).toBe('red')
    expect(html).not.toContain(pass.officer.name)
    const json = await verdictJson(request, pass.token)
    expect(json).toMatchObject({ verdict: 'officer_suspended', officer: null, pass: null })
  })

  it('says key_revoked for a token signed by a key marked compromised', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    const [key] = await services.keys.list()
    await services.keys.compromise(key!.kid, 'test')
    expect((await verdictJson(request, pass.token)).verdict).toBe('key_revoked')
  })

  it('says forged for a token signed by a key that is not ours', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    const { generateKeyPair } = await import('jose')
    const { privateKey } = await generateKeyPair('ES256')
    const [kid] = (await services.keys.list()).map((k) => k.kid)
    const forged = await new SignJWT({ pur: 'CATAT_METER', ktp: 'none', cst: '2345' })
      .setProtectedHeader({ alg: 'ES256', typ: 'visit-pass+jwt', kid: kid! })
      .setIssuer(PUBLIC_URL)
      .setAudience(`${PUBLIC_URL}/v`)
      .setSubject(pass.officer.employeeNo)
      .setJti(pass.id)
      .setIssuedAt(Math.floor(services.clock.now() / 1000))
      .setNotBefore(Math.floor(services.clock.now() / 1000))
      .setExpirationTime(Math.floor(services.clock.now() / 1000) + 300)
      .sign(privateKey)
    const html = await (await request(`/v/${forged}`)).text()
    expect(verdictOf(html)).toBe('forged')
    expect(html).not.toContain(pass.officer.name)
  })

  it('says wrong_type for a badge token presented where its type does not match the record', async () => {
    const { services, request } = await createTestApp()
    const badge = await givenBadge(services)
    await services.db.update(credentials).set({ kind: 'visit_pass' }).where(eq(credentials.id, badge.id)).run()
    expect((await verdictJson(request, badge.token)).verdict).toBe('wrong_type')
  })

  it('says malformed for something that is not a token at all', async () => {
    const { request } = await createTestApp()
    expect((await verdictJson(request, 'hello')).verdict).toBe('malformed')
  })

  it('reaches every verdict code of the contract', () => {
    // Each code above has its own test; this list keeps them in step with the contract.
    expect(VERDICTS).toEqual(['valid', 'expired', 'not_yet_valid', 'revoked', 'officer_suspended', 'key_revoked', 'forged', 'wrong_type', 'malformed'])
  })

  it('accepts a live token minted for the QR and rejects it after five minutes', async () => {
    const { services, request, clock } = await createTestApp()
    const pass = await givenPass(services)
    const row = (await services.db.select().from(credentials).where(eq(credentials.id, pass.id)).get())!
    const live = await mintLiveToken(services, row, pass.officer)
    expect((await verdictJson(request, live.token)).verdict).toBe('valid')
    clock.advance(6 * MINUTE)
    expect((await verdictJson(request, live.token)).verdict).toBe('expired')
  })

  it('warns amber when one pass is checked from many different networks', async () => {
    const { services } = await createTestApp()
    const { Verifier } = await import('../src/verification/verify.ts')
    const verifier = new Verifier(services, new MemoryCounters())
    const pass = await givenPass(services)
    const places = ['10.1.1.5', '10.2.1.5', '10.3.1.5', '10.4.1.5']
    for (const address of places) {
      const result = await verifier.verify({ token: pass.token }, { via: 'page', clientAddress: address })
      expect(result.warnings).toEqual([])
    }
    // Same /24 as an earlier scan: still four places.
    expect((await verifier.verify({ token: pass.token }, { via: 'page', clientAddress: '10.4.1.77' })).warnings).toEqual([])
    const fifth = await verifier.verify({ token: pass.token }, { via: 'page', clientAddress: '10.5.1.5' })
    expect(fifth.verdict).toBe('valid')
    expect(fifth.warnings).toEqual(['many_places'])
  })

  it('records each scan with a hash of the token, never the token', async () => {
    const { services, request, verifier } = await createTestApp()
    const pass = await givenPass(services)
    await request(`/v/${pass.token}`)
    await request('/v/not-a-token')
    await verifier.flushScans()
    const rows = await services.db.select().from(scans).all()
    expect(rows.map((r) => r.verdict)).toEqual(['valid', 'malformed'])
    expect(rows[0]!.credentialId).toBe(pass.id)
    const stored = JSON.stringify(await services.db.rows(sql`select * from scans`))
    expect(stored).not.toContain(pass.token.split('.')[2])
  })
})

describe('GET /c/:code', () => {
  it('shows the same verdict for the short code, typed in any case with a hyphen', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    const typed = `${pass.code.slice(0, 4)}-${pass.code.slice(4)}`.toLowerCase()
    const res = await request(`/c?code=${encodeURIComponent(typed)}`)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/c/${pass.code}`)
    const html = await (await request(`/c/${pass.code}`)).text()
    expect(verdictOf(html)).toBe('valid')
    expect(html).toContain(pass.officer.name)
  })

  it('shows red for the code of a suspended officer and of a revoked pass', async () => {
    const { services, request } = await createTestApp()
    const suspended = await givenPass(services, { officer: await givenOfficer(services) })
    await suspendOfficer(services.db, services.clock, suspended.officer.employeeNo, { actor: 'test' })
    const revoked = await givenPass(services)
    await revokeCredential(services, revoked.id, { actor: 'test' })
    expect(verdictOf(await (await request(`/c/${suspended.code}`)).text())).toBe('officer_suspended')
    expect(verdictOf(await (await request(`/c/${revoked.code}`)).text())).toBe('revoked')
  })

  it('sends a mistyped code back to the home page with a message', async () => {
    const { request } = await createTestApp()
    const res = await request('/c?code=%21%21')
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('id="code-error"')
  })
})

describe('when the database cannot answer', () => {
  it('says it cannot check, with a 503, and never shows green', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    await dropTable(services.db, 'credentials')
    const res = await request(`/v/${pass.token}`)
    expect(res.status).toBe(503)
    const html = await res.text()
    expect(verdictOf(html)).toBe('unavailable')
    expect(faceOf(html)).toBe('red')
    expect(html).toContain('TIDAK bisa memastikan')
    const api = await request(`/api/v1/verify/${pass.token}`)
    expect(api.status).toBe(503)
    expect(((await api.json()) as { verdict?: string }).verdict).toBeUndefined()
  })
})
