import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { outboxDeliveries, reports } from '../db/schema.ts'
import { importAreaFile, matchPlace, normalizePlaceName } from '../src/officers/areas.ts'
import { addUnit, suspendOfficer } from '../src/officers/officers.ts'
import { revokeCredential } from '../src/passes/passes.ts'
import { listCampaigns } from '../src/reports/campaigns.ts'
import { createTestApp, givenOfficer, givenPass, START } from './helpers.ts'
import { forgedToken, givenReport } from './support/reports.ts'
import { givenUser, signIn } from './support/session.ts'

const HOUR = 3600 * 1000

const AREAS = `kelurahan,kecamatan,city,unit_code
Menteng,Menteng,Kota Jakarta Pusat,ULP-CKN
Pegangsaan,Menteng,Kota Jakarta Pusat,ULP-CKN
Cikini,Menteng,Kota Jakarta Pusat,ULP-CKN
Gondangdia,Menteng,Kota Jakarta Pusat,ULP-CKN
Kebon Sirih,Menteng,Kota Jakarta Pusat,ULP-CKN
Jatibarang Kidul,Jatibarang,Kabupaten Brebes,ULP-JTB
Jatibarang Lor,Jatibarang,Kabupaten Brebes,ULP-JTB
`

/** Jakarta (UP3 Menteng → ULP Cikini) and Brebes (ULP Jatibarang), each with a supervisor, and the area table. */
async function world() {
  const app = await createTestApp({ config: { rateLimit: false } })
  await addUnit(app.db, { code: 'UID-JTY', name: 'UID Jawa Tengah & DIY', level: 'UID' })
  await addUnit(app.db, { code: 'ULP-JTB', name: 'ULP Jatibarang', level: 'ULP', parentCode: 'UID-JTY' })
  await importAreaFile(app.db, app.clock, AREAS, 'test')
  const admin = await givenUser(app, 'admin', null, 'admin-rute')
  const menteng = await givenUser(app, 'supervisor', await givenOfficer(app.services, { unitCode: 'UP3-MTG' }), 'spv-menteng')
  const brebes = await givenUser(app, 'supervisor', await givenOfficer(app.services, { unitCode: 'ULP-JTB' }), 'spv-brebes')
  return { app, admin, menteng, brebes }
}

type World = Awaited<ReturnType<typeof world>>

/** Files a report through the household's JSON API; returns the ticket and its tracking key. */
async function file(app: World['app'], body: Record<string, string>): Promise<{ ticket: string; key: string }> {
  const res = await app.request('/api/v1/reports', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  expect(res.status).toBe(201)
  const { ticket, trackingUrl } = (await res.json()) as { ticket: string; trackingUrl: string }
  return { ticket, key: new URL(trackingUrl).searchParams.get('k') ?? '' }
}

async function queueTickets(app: World['app'], username: string): Promise<string[]> {
  const html = await (await (await signIn(app, username)).get('/admin/reports')).text()
  return [...html.matchAll(/<tr data-ticket="([^"]+)"/g)].map((match) => match[1]!)
}

async function routedUnit(app: World['app'], ticket: string): Promise<string | null> {
  const [row] = await app.db.select({ unit: reports.routedUnitCode }).from(reports).where(eq(reports.ticket, ticket))
  return row?.unit ?? null
}

describe('a report of a genuine pass that is not valid', () => {
  it("names the suspended officer on the admin page with unit and status, and reaches their unit's supervisor only", async () => {
    const { app, admin, menteng, brebes } = await world()
    const officer = await givenOfficer(app.services, { name: 'Rudi Hartono', unitCode: 'ULP-JTB' })
    const pass = await givenPass(app.services, { officer })
    await suspendOfficer(app.db, app.clock, officer.employeeNo, { reason: 'menjual meter', actor: 'test' })
    const { ticket } = await file(app, { token: pass.token, category: 'money' })

    const page = await (await (await signIn(app, admin.username)).get(`/admin/reports/${ticket}`)).text()
    expect(page).toContain('data-reported-officer="genuine"')
    expect(page).toContain('Petugas asli, kartunya tidak berlaku')
    expect(page).toContain(`Rudi Hartono (${officer.employeeNo})`)
    expect(page).toContain('Unit: ULP Jatibarang (ULP-JTB)')
    expect(page).toMatch(/data-officer-status="suspended">Status petugas: <strong>Diberhentikan sementara — menjual meter<\/strong>/)
    expect(page).toContain('tidak berlaku saat dilaporkan: ')
    expect(page).toMatch(/data-routed-unit[^>]*>ULP Jatibarang \(ULP-JTB\)</)

    expect(await queueTickets(app, brebes.username)).toContain(ticket)
    expect((await (await signIn(app, brebes.username)).get(`/admin/reports/${ticket}`)).status).toBe(200)
    expect(await queueTickets(app, menteng.username)).not.toContain(ticket)
    expect((await (await signIn(app, menteng.username)).get(`/admin/reports/${ticket}`)).status).toBe(404)

    // The 123 channel learns it too, beside `officer` (which stays for valid passes only).
    const [delivery] = await app.db.select().from(outboxDeliveries).where(eq(outboxDeliveries.subject, ticket))
    const data = (JSON.parse(delivery!.payload) as { data: Record<string, unknown> }).data
    expect(data.officer).toBeNull()
    expect(data.namedOfficer).toEqual({ verified: false, employeeNo: officer.employeeNo, name: 'Rudi Hartono', unit: 'ULP-JTB', status: 'suspended' })
    expect(data.routedUnit).toBe('ULP-JTB')
  })

  it('names the officer of an expired token and of a revoked typed code', async () => {
    const { app, admin } = await world()
    const officer = await givenOfficer(app.services, { name: 'Siti Lama', unitCode: 'ULP-JTB' })
    const expired = await givenPass(app.services, { officer })
    const revoked = await givenPass(app.services, { officer })
    await revokeCredential(app.services, revoked.id, { actor: 'test', reason: 'hilang' })
    const byCode = await file(app, { code: revoked.code })
    app.clock.advance(30 * HOUR)
    const byToken = await file(app, { token: expired.token })
    const browser = await signIn(app, admin.username)
    for (const { ticket } of [byCode, byToken]) {
      const page = await (await browser.get(`/admin/reports/${ticket}`)).text()
      expect(page).toContain('data-reported-officer="genuine"')
      expect(page).toContain(`Siti Lama (${officer.employeeNo})`)
      expect(page).toMatch(/data-officer-status="active">Status petugas: <strong>Aktif</)
      expect(await routedUnit(app, ticket)).toBe('ULP-JTB')
    }
  })

  it('says when a forged code borrows a real officer’s number, and when the number is nobody’s', async () => {
    const { app, admin } = await world()
    const real = await givenOfficer(app.services, { name: 'Budi Santoso', unitCode: 'ULP-JTB' })
    const borrowed = await file(app, { token: forgedToken({ sub: real.employeeNo, jti: 'x1', unt: 'ULP-JTB' }) })
    const nobody = await file(app, { token: forgedToken({ sub: 'PLN-404404', jti: 'x2' }) })
    const browser = await signIn(app, admin.username)
    const first = await (await browser.get(`/admin/reports/${borrowed.ticket}`)).text()
    expect(first).toContain('data-reported-officer="claimed"')
    expect(first).toContain(`Budi Santoso (${real.employeeNo})`)
    expect(first).toContain('Bisa jadi namanya dipakai penipu.')
    const second = await (await browser.get(`/admin/reports/${nobody.ticket}`)).text()
    expect(second).toContain('Tidak ada petugas dengan nomor induk PLN-404404 di data kami.')
    expect(second).toMatch(/data-routed-unit[^>]*>Belum ada unit \(hanya admin\)</)
    // A forged token proves nothing: its claimed officer does not route it, its claimed unit does.
    expect(await routedUnit(app, borrowed.ticket)).toBe('ULP-JTB')
  })
})

describe('routing by the reported place', () => {
  it("sends a report without an officer, typed 'Jl. Cikini Raya 12, Menteng', to UP3 Menteng's supervisor", async () => {
    const { app, menteng, brebes } = await world()
    const { ticket } = await file(app, { code: 'ZZZZ-ZZZZ', location: 'Jl. Cikini Raya 12, Menteng' })
    expect(await routedUnit(app, ticket)).toBe('ULP-CKN')
    expect(await queueTickets(app, menteng.username)).toContain(ticket)
    expect((await (await signIn(app, menteng.username)).get(`/admin/reports/${ticket}`)).status).toBe(200)
    expect(await queueTickets(app, brebes.username)).not.toContain(ticket)
  })

  it('routes again when the household adds the place later, and the unit filter finds it', async () => {
    const { app, menteng, brebes } = await world()
    const { ticket, key } = await file(app, { code: 'YYYY-YYYY' })
    expect(await routedUnit(app, ticket)).toBeNull()
    expect(await queueTickets(app, brebes.username)).not.toContain(ticket)
    const res = await app.postForm(`/r/${ticket}/details`, { k: key, location: 'Desa Jatibarang Lor' })
    expect(res.status).toBe(303)
    expect(await routedUnit(app, ticket)).toBe('ULP-JTB')
    expect(await queueTickets(app, brebes.username)).toContain(ticket)
    expect(await queueTickets(app, menteng.username)).not.toContain(ticket)
    const filtered = await (await (await signIn(app, brebes.username)).get('/admin/reports?unit=ULP-JTB')).text()
    expect(filtered).toContain(`data-ticket="${ticket}"`)
  })

  it('falls back to the unit the token claimed, and still shows old rows filed before routing', async () => {
    const { app, menteng } = await world()
    const claimed = await file(app, { token: forgedToken({ sub: 'PLN-1', jti: 'y1', unt: 'ULP-CKN' }), location: 'Desa Entah' })
    expect(await routedUnit(app, claimed.ticket)).toBe('ULP-CKN')
    const old = await givenReport(app, { claims: { unt: 'ULP-CKN' }, routedUnitCode: null })
    const tickets = await queueTickets(app, menteng.username)
    expect(tickets).toContain(claimed.ticket)
    expect(tickets).toContain(old.ticket)
  })

  it('matches kelurahan and kecamatan however they are written, and guesses nothing when a name is ambiguous', async () => {
    const { app } = await world()
    expect(normalizePlaceName('Kel. Kebon-Sirih')).toBe('kebon sirih')
    expect((await matchPlace(app.db, 'KELURAHAN KEBON SIRIH'))?.kelurahan).toBe('Kebon Sirih')
    expect(await matchPlace(app.db, 'Kec. Menteng')).toMatchObject({ kecamatan: 'Menteng', unitCodes: ['ULP-CKN'] })
    expect(await matchPlace(app.db, 'Jl. Cikini Raya 12, Menteng')).toMatchObject({ kecamatan: 'Menteng', kelurahan: 'Cikini' })
    expect(await matchPlace(app.db, 'Sukamaju')).toBeNull()
    // A kelurahan name in two kecamatan, neither named, is no answer.
    await importAreaFile(app.db, app.clock, 'kelurahan,kecamatan,city,unit_code\nCikini,Jatibarang,Kabupaten Brebes,ULP-JTB\n', 'test')
    expect(await matchPlace(app.db, 'Cikini')).toBeNull()
    expect((await matchPlace(app.db, 'Cikini, Menteng'))?.unitCodes).toEqual(['ULP-CKN'])
    // The longest name wins: Menteng Dalam lies in Tebet, not in Menteng.
    await importAreaFile(app.db, app.clock, 'kelurahan,kecamatan,city,unit_code\nMenteng Dalam,Tebet,Kota Jakarta Selatan,UP3-MTG\n', 'test')
    expect(await matchPlace(app.db, 'Gg. Mawar, Menteng Dalam')).toMatchObject({ kecamatan: 'Tebet', kelurahan: 'Menteng Dalam', unitCodes: ['UP3-MTG'] })
  })
})

describe('campaigns by place, with readable names', () => {
  it("groups 'Cikini', 'Jl. Cikini Raya 12, Menteng' and 'Gondangdia' of one day into one campaign named after the area and the day", async () => {
    const { app, admin } = await world()
    const a = await givenReport(app, { location: 'Cikini', createdAt: START })
    const b = await givenReport(app, { location: 'Jl. Cikini Raya 12, Menteng', createdAt: START + HOUR })
    const c = await givenReport(app, { location: 'Gondangdia', createdAt: START + 2 * HOUR })
    await givenReport(app, { location: 'Jatibarang Kidul', createdAt: START + 3 * HOUR })
    app.clock.set(START + 4 * HOUR)
    const campaigns = await listCampaigns(app.db, { now: app.clock.now(), scope: null })
    expect(campaigns.map((campaign) => campaign.reports.map((report) => report.ticket))).toEqual([[a.ticket, b.ticket, c.ticket]])
    expect(campaigns[0]!.reasons).toEqual([{ kind: 'area_day', value: 'Menteng · 2026-11-23', count: 3 }])

    const browser = await signIn(app, admin.username)
    const list = await (await browser.get('/admin/campaigns')).text()
    expect(list).toContain(`<a href="/admin/campaigns/${a.ticket}">Menteng · 23 Nov 2026</a>`)
    const page = await (await browser.get(`/admin/campaigns/${a.ticket}`)).text()
    expect(page).toContain(`<h1 data-campaign="${a.ticket}">Menteng · 23 Nov 2026</h1>`)
    expect(page).toContain(`<title>Menteng · 23 Nov 2026`)
  })

  it("names a campaign of forged codes after the officer they claim: the officer's name when known, else the number", async () => {
    const { app, admin } = await world()
    const budi = await givenOfficer(app.services, { name: 'Budi Santoso', unitCode: 'ULP-CKN' })
    const first = await givenReport(app, { verdict: 'forged', claims: { sub: budi.employeeNo }, location: 'Kel. Cikini', createdAt: START })
    await givenReport(app, { verdict: 'forged', claims: { sub: budi.employeeNo }, location: 'Pegangsaan', createdAt: START + HOUR })
    const unknown = await givenReport(app, { verdict: 'forged', claims: { sub: 'PLN-778899' }, createdAt: START + 30 * HOUR })
    await givenReport(app, { verdict: 'forged', claims: { sub: 'PLN-778899' }, createdAt: START + 31 * HOUR })
    app.clock.set(START + 32 * HOUR)
    const list = await (await (await signIn(app, admin.username)).get('/admin/campaigns?lang=en')).text()
    expect(list).toContain(`<a href="/admin/campaigns/${first.ticket}">Fake officer &#39;Budi Santoso&#39; · Menteng · 23 Nov 2026</a>`)
    expect(list).toContain(`<a href="/admin/campaigns/${unknown.ticket}">Fake officer &#39;PLN-778899&#39; · 24 Nov 2026</a>`)
  })
})
