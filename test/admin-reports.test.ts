import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { auditLog, outboxDeliveries, reports } from '../db/schema.ts'
import { addUnit } from '../src/officers/officers.ts'
import { createTestApp, givenOfficer, givenPass, PUBLIC_URL } from './helpers.ts'
import { givenUser, signIn } from './support/session.ts'

type TestApp = Awaited<ReturnType<typeof createTestApp>>

/** Files a report the way the household's phone does, through the JSON API. */
async function fileReport(app: TestApp, body: Record<string, string>): Promise<{ ticket: string; trackingUrl: string }> {
  const res = await app.request('/api/v1/reports', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  expect(res.status).toBe(201)
  return (await res.json()) as { ticket: string; trackingUrl: string }
}

async function world() {
  const app = await createTestApp({ config: { rateLimit: false } })
  await addUnit(app.db, { code: 'UID-JTY', name: 'UID Jawa Tengah & DIY', level: 'UID' })
  await addUnit(app.db, { code: 'ULP-JTB', name: 'ULP Jatibarang', level: 'ULP', parentCode: 'UID-JTY' })
  const admin = await givenUser(app, 'admin', null, 'admin-satu')
  const otherAdmin = await givenUser(app, 'admin', null, 'admin-dua')
  const supervisor = await givenUser(app, 'supervisor', await givenOfficer(app.services, { unitCode: 'UP3-MTG' }), 'spv-menteng')
  const near = await givenOfficer(app.services, { unitCode: 'ULP-CKN' })
  const far = await givenOfficer(app.services, { unitCode: 'ULP-JTB' })
  return { app, admin, otherAdmin, supervisor, near, far }
}

describe('/admin/reports/:ticket', () => {
  it('shows the scan facts, the claims marked unverified, the household’s details and the delivery state', async () => {
    const { app, admin, near } = await world()
    const pass = await givenPass(app.services, { officer: near })
    const { ticket } = await fileReport(app, { token: pass.token, category: 'money', note: 'Minta uang <script>alert(1)</script> hx-get="/x"', phone: '0812-3456-7890' })
    const browser = await signIn(app, admin.username)
    const html = await (await browser.get(`/admin/reports/${ticket}`)).text()
    expect(html).toContain('BELUM TERVERIFIKASI')
    expect(html).toContain(near.name)
    expect(html).toContain('Meminta uang atau transfer')
    expect(html).toContain('+6281234567890')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).not.toContain('<script>alert(1)')
    expect(html).toContain('Pengiriman ke PLN 123')
  })

  it('moves a report along new → in_review → forwarded → resolved_scam; the household sees it; 123 gets each change', async () => {
    const { app, admin } = await world()
    const { ticket, trackingUrl } = await fileReport(app, { code: 'ABCD-EFGH', category: 'otp' })
    const browser = await signIn(app, admin.username)
    for (const [to, revision] of [['in_review', 1], ['forwarded', 2], ['resolved_scam', 3]] as const) {
      const res = await browser.post(`/admin/reports/${ticket}/status`, { to, revision: String(revision) })
      expect(res.status, to).toBe(303)
    }
    const report = (await app.db.select().from(reports).where(eq(reports.ticket, ticket)).get())!
    expect(report).toMatchObject({ status: 'resolved_scam', revision: 4 })
    const tracking = await (await app.request(trackingUrl.replace(PUBLIC_URL, ''))).text()
    expect(tracking).toContain('Selesai — dipastikan penipuan')
    const events = (await app.db.select().from(outboxDeliveries).where(eq(outboxDeliveries.subject, ticket)).all()).map((d) => d.eventType)
    expect(events).toEqual(['report.created', 'report.updated', 'report.updated', 'report.updated'])
    expect(await app.db.select().from(auditLog).where(eq(auditLog.action, 'report.status_changed')).all()).toHaveLength(3)
    expect(await (await browser.get(`/admin/reports/${ticket}`)).text()).toContain('Laporan ini sudah selesai')
  })

  it('refuses a transition outside the workflow and changes nothing', async () => {
    const { app, admin } = await world()
    const { ticket } = await fileReport(app, { code: 'ABCD-EFGH' })
    const browser = await signIn(app, admin.username)
    // Skipping ahead is allowed (test/admin-readable.test.ts); staying, going back or inventing a status is not.
    for (const to of ['new', 'deleted', '']) {
      const res = await browser.post(`/admin/reports/${ticket}/status`, { to, revision: '1' })
      expect(res.status, to).toBe(409)
      expect(await res.text()).toContain('tidak diperbolehkan')
    }
    expect((await app.db.select().from(reports).where(eq(reports.ticket, ticket)).get())!.status).toBe('new')
  })

  it('lets only one of two admins changing a report at once win; the other is told why', async () => {
    const { app, admin, otherAdmin } = await world()
    const { ticket } = await fileReport(app, { code: 'ABCD-EFGH' })
    const first = await signIn(app, admin.username)
    const second = await signIn(app, otherAdmin.username)
    // Both loaded the page at revision 1.
    expect((await first.post(`/admin/reports/${ticket}/status`, { to: 'in_review', revision: '1' })).status).toBe(303)
    const loser = await second.post(`/admin/reports/${ticket}/status`, { to: 'in_review', revision: '1' })
    expect(loser.status).toBe(409)
    expect(await loser.text()).toMatch(/Orang lain baru saja mengubah laporan ini|tidak diperbolehkan/)
    const stale = await second.post(`/admin/reports/${ticket}/status`, { to: 'forwarded', revision: '1' })
    expect(stale.status).toBe(409)
    expect(await stale.text()).toContain('Orang lain baru saja mengubah laporan ini')
    expect(await app.db.select().from(reports).where(eq(reports.ticket, ticket)).get()).toMatchObject({ status: 'in_review', revision: 2 })
  })

  it('keeps internal notes out of the household’s tracking page', async () => {
    const { app, admin } = await world()
    const { ticket, trackingUrl } = await fileReport(app, { code: 'ABCD-EFGH' })
    const browser = await signIn(app, admin.username)
    expect((await browser.post(`/admin/reports/${ticket}/notes`, { note: 'Nomor WA pelaku sama dengan laporan kemarin' })).status).toBe(303)
    expect(await (await browser.get(`/admin/reports/${ticket}`)).text()).toContain('Nomor WA pelaku sama')
    expect(await (await app.request(trackingUrl.replace(PUBLIC_URL, ''))).text()).not.toContain('Nomor WA pelaku')
    expect((await browser.post(`/admin/reports/${ticket}/notes`, { note: '   ' })).status).toBe(422)
  })

  it('lets a supervisor triage reports about their unit only; officers and households cannot', async () => {
    const { app, supervisor, near, far } = await world()
    const nearPass = await givenPass(app.services, { officer: near })
    const farPass = await givenPass(app.services, { officer: far })
    const mine = await fileReport(app, { token: nearPass.token })
    const theirs = await fileReport(app, { token: farPass.token })
    const spv = await signIn(app, supervisor.username)
    expect((await spv.get(`/admin/reports/${mine.ticket}`)).status).toBe(200)
    expect((await spv.get(`/admin/reports/${theirs.ticket}`)).status).toBe(404)
    expect((await spv.post(`/admin/reports/${theirs.ticket}/status`, { to: 'in_review', revision: '1' })).status).toBe(404)
    const officerUser = await givenUser(app, 'officer', near)
    expect((await (await signIn(app, officerUser.username)).get(`/admin/reports/${mine.ticket}`)).status).toBe(403)
    expect((await app.request(`/admin/reports/${mine.ticket}`)).headers.get('location')).toBe('/login')
  })
})

describe('/admin/reports (the queue)', () => {
  it('filters by status, verdict, category, unit, date and text, sorts, and pages', async () => {
    const { app, admin, near, far } = await world()
    const nearPass = await givenPass(app.services, { officer: near })
    const farPass = await givenPass(app.services, { officer: far })
    const a = await fileReport(app, { token: nearPass.token, category: 'money', note: 'minta transfer ke rekening pribadi' })
    app.clock.advance(60_000)
    const b = await fileReport(app, { token: farPass.token, category: 'otp' })
    app.clock.advance(60_000)
    const c = await fileReport(app, { code: 'ZZZZ-ZZZZ', category: 'money', note: '50% diskon token' })
    const browser = await signIn(app, admin.username)
    await browser.post(`/admin/reports/${a.ticket}/status`, { to: 'in_review', revision: '1' })
    const tickets = async (query: string) => [...(await (await browser.get(`/admin/reports${query}`)).text()).matchAll(/data-ticket="(LPR-[0-9A-Z]+)"/g)].map((m) => m[1])
    expect(await tickets('')).toEqual([c.ticket, b.ticket, a.ticket])
    expect(await tickets('?sort=oldest')).toEqual([a.ticket, b.ticket, c.ticket])
    expect(await tickets('?status=in_review')).toEqual([a.ticket])
    expect(await tickets('?category=money')).toEqual([c.ticket, a.ticket])
    expect(await tickets('?verdict=valid')).toEqual([b.ticket, a.ticket])
    expect(await tickets('?verdict=forged')).toEqual([c.ticket])
    expect(await tickets('?unit=ULP-JTB')).toEqual([b.ticket])
    expect(await tickets('?q=rekening')).toEqual([a.ticket])
    expect(await tickets('?q=50%25')).toEqual([c.ticket])
    expect(await tickets('?from=2026-11-24')).toEqual([])
    expect(await tickets('?from=2026-11-23&to=2026-11-23')).toHaveLength(3)
    expect(await tickets('?status=bogus&unit=%27%20or%201%3D1')).toEqual([c.ticket, b.ticket, a.ticket])
    const page = await (await browser.get('/admin/reports?category=money')).text()
    expect(page).toMatch(/<form method="post" action="\/admin\/reports\.csv"[^>]*>[\s\S]*?<input type="hidden" name="category" value="money"\/>/)
  })

  it('shows a supervisor only the reports about their unit', async () => {
    const { app, supervisor, near, far } = await world()
    const mine = await fileReport(app, { token: (await givenPass(app.services, { officer: near })).token })
    const theirs = await fileReport(app, { token: (await givenPass(app.services, { officer: far })).token })
    const anonymous = await fileReport(app, { code: 'ZZZZ-ZZZZ' })
    const html = await (await (await signIn(app, supervisor.username)).get('/admin/reports')).text()
    expect(html).toContain(mine.ticket)
    expect(html).not.toContain(theirs.ticket)
    expect(html).not.toContain(anonymous.ticket)
  })
})
