import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { auditLog, campaignExclusions, campaignLinks } from '../db/schema.ts'
import { verifyAuditChain } from '../src/audit/audit.ts'
import { addUnit } from '../src/officers/officers.ts'
import { normalizeArea } from '../src/reports/campaign-keys.ts'
import { listCampaigns } from '../src/reports/campaigns.ts'
import { createTestApp, givenOfficer, givenPass, START } from './helpers.ts'
import { fileReport, forgedToken, givenReport } from './support/reports.ts'
import { givenUser, signIn } from './support/session.ts'

const HOUR = 3600 * 1000
const MINUTE = 60 * 1000

async function world() {
  const app = await createTestApp({ config: { rateLimit: false } })
  await addUnit(app.db, { code: 'UID-JTY', name: 'UID Jawa Tengah & DIY', level: 'UID' })
  await addUnit(app.db, { code: 'ULP-JTB', name: 'ULP Jatibarang', level: 'ULP', parentCode: 'UID-JTY' })
  const admin = await givenUser(app, 'admin', null, 'admin-kampanye')
  const supervisor = await givenUser(app, 'supervisor', await givenOfficer(app.services, { unitCode: 'UP3-MTG' }), 'spv-menteng')
  const near = await givenOfficer(app.services, { unitCode: 'ULP-CKN' })
  const far = await givenOfficer(app.services, { unitCode: 'ULP-JTB' })
  return { app, admin, supervisor, near, far }
}

type World = Awaited<ReturnType<typeof world>>

/** The tickets of each campaign an admin sees, each list in report order. */
async function campaignTickets(app: World['app']): Promise<string[][]> {
  return (await listCampaigns(app.db, { now: app.clock.now(), scope: null })).map((campaign) => campaign.reports.map((report) => report.ticket))
}

describe('campaign clustering', () => {
  it('groups reports whose forged codes claim the same employee number, through the household API', async () => {
    const { app } = await world()
    const first = await fileReport(app, { token: forgedToken({ sub: 'PLN-778899', jti: 'a1', unt: 'ULP-JTB' }), category: 'money' })
    app.clock.advance(15 * MINUTE)
    const second = await fileReport(app, { token: forgedToken({ sub: ' pln-778899 ', jti: 'b2', unt: 'ULP-JTB' }), category: 'otp' })
    app.clock.advance(15 * MINUTE)
    await fileReport(app, { token: forgedToken({ sub: 'PLN-000111', jti: 'c3' }) })
    const campaigns = await listCampaigns(app.db, { now: app.clock.now(), scope: null })
    expect(campaigns).toHaveLength(1)
    expect(campaigns[0]!.reports.map((report) => report.ticket)).toEqual([first, second])
    expect(campaigns[0]!.reasons).toEqual([{ kind: 'officer', value: 'PLN-778899', count: 2 }])
    expect(campaigns[0]!.reports[0]!.claimed).toBe(true)
  })

  it('groups reports of the same genuine officer, and of the same typed code', async () => {
    const { app, near } = await world()
    const pass = await givenPass(app.services, { officer: near })
    const byToken = await fileReport(app, { token: pass.token })
    app.clock.advance(15 * MINUTE)
    const byCode = await fileReport(app, { code: pass.code })
    app.clock.advance(15 * MINUTE)
    const unknownCode = await fileReport(app, { code: 'ZZZZ-ZZZZ' })
    app.clock.advance(15 * MINUTE)
    const sameUnknownCode = await fileReport(app, { code: 'zzzz zzzz' })
    const campaigns = await listCampaigns(app.db, { now: app.clock.now(), scope: null })
    const genuine = campaigns.find((campaign) => campaign.anchor === byToken)!
    expect(genuine.reports.map((report) => report.ticket)).toEqual([byToken, byCode])
    expect(genuine.reasons.map((reason) => reason.kind).sort()).toEqual(['officer', 'pass'])
    expect(genuine.reasons.find((reason) => reason.kind === 'officer')!.value).toBe(near.employeeNo)
    const typed = campaigns.find((campaign) => campaign.anchor === unknownCode)!
    expect(typed.reports.map((report) => report.ticket)).toEqual([unknownCode, sameUnknownCode])
    expect(typed.reasons.map((reason) => reason.kind)).toEqual(['token'])
  })

  it('groups forged codes that claim one pass id, even under different names', async () => {
    const { app } = await world()
    const a = await givenReport(app, { verdict: 'forged', subjectHash: 'h1', claims: { sub: 'AAA-1', jti: 'pass-copied' } })
    const b = await givenReport(app, { verdict: 'forged', subjectHash: 'h2', claims: { sub: 'BBB-2', jti: 'pass-copied' } })
    expect(await campaignTickets(app)).toEqual([[a.ticket, b.ticket]])
    expect((await listCampaigns(app.db, { now: app.clock.now(), scope: null }))[0]!.reasons).toEqual([{ kind: 'pass', value: 'pass-copied', count: 2 }])
  })

  it('groups one area on one Jakarta day, spelled differently, but not across midnight WIB', async () => {
    const { app } = await world()
    const morning = await givenReport(app, { location: 'Kel. Cikini', createdAt: START })
    // 23:30 WIB on the 23rd and 00:30 WIB on the 24th are the same UTC day (16:30 and 17:30 UTC).
    const lateEvening = await givenReport(app, { location: 'CIKINI', createdAt: START + 14.5 * HOUR })
    const afterMidnight = await givenReport(app, { location: 'Kelurahan Cikini', createdAt: START + 15.5 * HOUR })
    await givenReport(app, { location: 'Gondangdia', createdAt: START + HOUR })
    app.clock.set(START + 16 * HOUR)
    expect(await campaignTickets(app)).toEqual([[morning.ticket, lateEvening.ticket]])
    expect((await campaignTickets(app)).flat()).not.toContain(afterMidnight.ticket)
    expect(normalizeArea('  Desa  Sukamaju!! ')).toBe('sukamaju')
    expect(normalizeArea('Kp')).toBeNull()
  })

  it('joins chains transitively and leaves out reports older than the window', async () => {
    const { app } = await world()
    const old = await givenReport(app, { claims: { sub: 'CHAIN-1' }, createdAt: START - 90 * 24 * HOUR })
    const a = await givenReport(app, { claims: { sub: 'CHAIN-1' }, location: 'Menteng' })
    const b = await givenReport(app, { location: 'menteng', subjectHash: 'shared' })
    const c = await givenReport(app, { subjectHash: 'shared' })
    expect(await campaignTickets(app)).toEqual([[a.ticket, b.ticket, c.ticket]])
    expect((await campaignTickets(app)).flat()).not.toContain(old.ticket)
  })
})

describe('/admin/campaigns', () => {
  it('lists campaigns and shows one with its reports linked to the queue, its reasons and a daily chart with a table', async () => {
    const { app, admin } = await world()
    const a = await givenReport(app, { claims: { sub: 'EMP-9' }, location: '<script>alert(1)</script>', createdAt: START })
    const b = await givenReport(app, { claims: { sub: 'EMP-9' }, location: 'hx-get="/admin/keys"', createdAt: START + 26 * HOUR })
    app.clock.set(START + 27 * HOUR)
    const browser = await signIn(app, admin.username)
    const list = await (await browser.get('/admin/campaigns')).text()
    expect(list).toContain(`data-campaign="${a.ticket}"`)
    expect(list).toContain('Petugas yang sama: EMP-9')
    const res = await browser.get(`/admin/campaigns/${a.ticket}`)
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain(`href="/admin/reports/${a.ticket}"`)
    expect(html).toContain(`href="/admin/reports/${b.ticket}"`)
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).not.toContain('<script>alert(1)')
    expect(html).not.toMatch(/<[^>]+ hx-get="\/admin\/keys"/)
    expect(html).toMatch(/<svg class="chart-svg"[^>]*role="img"[^>]*aria-labelledby="campaign-daily-title campaign-daily-desc"/)
    expect(html).toContain('<desc id="campaign-daily-desc">2 laporan dari 23/11 sampai 24/11')
    expect(html).toMatch(/<th scope="row">23\/11<\/th><td class="number">1<\/td>/)
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/)
    // Any member's ticket leads to the campaign's own address.
    const viaMember = await browser.get(`/admin/campaigns/${b.ticket}`)
    expect(viaMember.status).toBe(303)
    expect(viaMember.headers.get('location')).toBe(`/admin/campaigns/${a.ticket}`)
    expect((await browser.get('/admin/campaigns/LPR-00000000')).status).toBe(404)
  })

  it('merges two campaigns by hand: persisted, audited, and kept after reload', async () => {
    const { app, admin } = await world()
    const a1 = await givenReport(app, { claims: { sub: 'EMP-A' } })
    const a2 = await givenReport(app, { claims: { sub: 'EMP-A' } })
    const b1 = await givenReport(app, { claims: { sub: 'EMP-B' } })
    const b2 = await givenReport(app, { claims: { sub: 'EMP-B' } })
    const browser = await signIn(app, admin.username)
    const res = await browser.post(`/admin/campaigns/${a1.ticket}/merge`, { other: b2.ticket.toLowerCase() })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/admin/campaigns/${a1.ticket}?notice=merged`)
    expect(await campaignTickets(app)).toEqual([[a1.ticket, a2.ticket, b1.ticket, b2.ticket]])
    expect(await app.db.select().from(campaignLinks).all()).toMatchObject([{ reportId: a1.id, otherReportId: b2.id, actor: admin.username }])
    const audit = await app.db.select().from(auditLog).where(eq(auditLog.action, 'campaign.merged')).all()
    expect(audit).toMatchObject([{ actor: admin.username, subject: `campaign:${a1.ticket}` }])
    expect(JSON.parse(audit[0]!.details)).toMatchObject({ from: a1.ticket, with: b2.ticket, reports: 4 })
    expect((await verifyAuditChain(app.db)).ok).toBe(true)
    const page = await (await browser.get(`/admin/campaigns/${a1.ticket}?notice=merged`)).text()
    expect(page).toContain('Kampanye digabungkan.')
    expect(page).toContain('Digabungkan oleh admin (1×)')

    const again = await browser.post(`/admin/campaigns/${a1.ticket}/merge`, { other: b1.ticket })
    expect(again.status).toBe(422)
    expect(await again.text()).toContain('sudah ada di kampanye ini')
    const unknown = await browser.post(`/admin/campaigns/${a1.ticket}/merge`, { other: 'bukan tiket' })
    expect(unknown.status).toBe(422)
    expect(await app.db.select().from(campaignLinks).all()).toHaveLength(1)
  })

  it('splits a report out: persisted and audited, the rest stays together even where it was the bridge', async () => {
    const { app, admin } = await world()
    const a = await givenReport(app, { claims: { sub: 'EMP-S' } })
    const bridge = await givenReport(app, { claims: { sub: 'EMP-S' }, location: 'Cikini' })
    const c = await givenReport(app, { location: 'Cikini' })
    const browser = await signIn(app, admin.username)
    const res = await browser.post(`/admin/campaigns/${a.ticket}/split`, { report: bridge.ticket })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/admin/campaigns/${a.ticket}?notice=split`)
    expect(await campaignTickets(app)).toEqual([[a.ticket, c.ticket]])
    expect(await app.db.select().from(campaignExclusions).all()).toMatchObject([{ reportId: bridge.id, actor: admin.username }])
    expect(await app.db.select().from(auditLog).where(eq(auditLog.action, 'campaign.split')).all()).toMatchObject([{ actor: admin.username, subject: `campaign:${a.ticket}` }])

    // A later report with the same claim does not pull the split report back in.
    const later = await givenReport(app, { claims: { sub: 'EMP-S' } })
    expect(await campaignTickets(app)).toEqual([[a.ticket, c.ticket, later.ticket]])

    // Splitting one of two dissolves the campaign.
    const x = await givenReport(app, { subjectHash: 'pair' })
    const y = await givenReport(app, { subjectHash: 'pair' })
    const dissolved = await browser.post(`/admin/campaigns/${x.ticket}/split`, { report: y.ticket })
    expect(dissolved.headers.get('location')).toBe('/admin/campaigns?notice=dissolved')
    expect((await campaignTickets(app)).flat()).not.toContain(x.ticket)
    // A split report can be merged back by hand.
    const back = await browser.post(`/admin/campaigns/${a.ticket}/merge`, { other: bridge.ticket })
    expect(back.status).toBe(303)
    expect(await campaignTickets(app)).toContainEqual([a.ticket, bridge.ticket, c.ticket, later.ticket])
    expect((await verifyAuditChain(app.db)).ok).toBe(true)
  })

  it('needs the CSRF token to merge or split', async () => {
    const { app, admin } = await world()
    const a = await givenReport(app, { subjectHash: 'x' })
    const b = await givenReport(app, { subjectHash: 'x' })
    const browser = await signIn(app, admin.username)
    expect((await browser.post(`/admin/campaigns/${a.ticket}/split`, { report: b.ticket }, { csrf: null })).status).toBe(403)
    expect(await app.db.select().from(campaignExclusions).all()).toHaveLength(0)
  })
})

describe('campaign roles', () => {
  it('shows a supervisor the campaigns touching their units only, and lets them act only there', async () => {
    const { app, supervisor, near, far } = await world()
    const mine1 = await givenReport(app, { verdict: 'valid', officerEmployeeNo: near.employeeNo })
    const mine2 = await givenReport(app, { verdict: 'valid', officerEmployeeNo: near.employeeNo })
    const claimedMine1 = await givenReport(app, { verdict: 'forged', claims: { sub: 'FAKE-1', unt: 'ULP-CKN' } })
    const claimedMine2 = await givenReport(app, { verdict: 'forged', claims: { sub: 'FAKE-1', unt: 'ULP-CKN' } })
    const theirs1 = await givenReport(app, { verdict: 'valid', officerEmployeeNo: far.employeeNo })
    const theirs2 = await givenReport(app, { verdict: 'valid', officerEmployeeNo: far.employeeNo })
    const mixedMine = await givenReport(app, { claims: { sub: 'MIX-1', unt: 'ULP-CKN' } })
    const mixedTheirs = await givenReport(app, { claims: { sub: 'MIX-1', unt: 'ULP-JTB' } })
    const theirsFirst = await givenReport(app, { claims: { sub: 'MIX-2', unt: 'ULP-JTB' }, location: 'Jatibarang' })
    const mineSecond = await givenReport(app, { claims: { sub: 'MIX-2', unt: 'ULP-CKN' } })
    await givenReport(app, { claims: { unt: 'ULP-JTB' }, location: 'Jatibarang' })
    const spv = await signIn(app, supervisor.username)
    const list = await (await spv.get('/admin/campaigns')).text()
    // Named after their own first report, with only the reasons their reports share.
    expect(list).toContain(`data-campaign="${mineSecond.ticket}"`)
    expect(list).not.toContain(theirsFirst.ticket)
    expect(list).toContain('Petugas yang sama: MIX-2')
    expect(list).not.toContain('jatibarang')
    expect(list).toContain(`data-campaign="${mine1.ticket}"`)
    expect(list).toContain(`data-campaign="${claimedMine1.ticket}"`)
    expect(list).toContain(`data-campaign="${mixedMine.ticket}"`)
    expect(list).not.toContain(theirs1.ticket)
    expect((await spv.get(`/admin/campaigns/${theirs1.ticket}`)).status).toBe(404)
    expect((await spv.post(`/admin/campaigns/${theirs1.ticket}/split`, { report: theirs2.ticket })).status).toBe(404)
    // A campaign reaching outside their area shows only their own reports, and says so.
    const mixed = await (await spv.get(`/admin/campaigns/${mixedMine.ticket}`)).text()
    expect(mixed).toContain(mixedMine.ticket)
    expect(mixed).not.toContain(mixedTheirs.ticket)
    expect(mixed).toContain('1 laporan lain dalam kampanye ini berada di luar wilayah Anda')
    // They cannot pull in, or take out, a report outside their area.
    const pull = await spv.post(`/admin/campaigns/${mine1.ticket}/merge`, { other: theirs1.ticket })
    expect(pull.status).toBe(422)
    expect((await spv.post(`/admin/campaigns/${mixedMine.ticket}/split`, { report: mixedTheirs.ticket })).status).toBe(422)
    expect((await spv.post(`/admin/campaigns/${mine1.ticket}/merge`, { other: claimedMine2.ticket })).status).toBe(303)
    expect(await campaignTickets(app)).toContainEqual([mine1.ticket, mine2.ticket, claimedMine1.ticket, claimedMine2.ticket])
  })

  it('refuses officers (403) and sends households to the login', async () => {
    const { app } = await world()
    const a = await givenReport(app, { subjectHash: 'r' })
    await givenReport(app, { subjectHash: 'r' })
    const officer = await signIn(app, (await givenUser(app, 'officer', await givenOfficer(app.services))).username)
    for (const path of ['/admin/campaigns', `/admin/campaigns/${a.ticket}`]) {
      expect((await officer.get(path)).status, path).toBe(403)
      const household = await app.request(path)
      expect(household.status, path).toBe(303)
      expect(household.headers.get('location')).toBe('/login')
    }
    expect((await officer.post(`/admin/campaigns/${a.ticket}/merge`, { other: a.ticket })).status).toBe(403)
  })
})
