import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { auditLog, outboxDeliveries, reportEvents, reports } from '../db/schema.ts'
import { verifyAuditChain } from '../src/audit/audit.ts'
import { addUnit } from '../src/officers/officers.ts'
import type { ReportStatus } from '../src/reports/reports.ts'
import { createTestApp, givenOfficer, PUBLIC_URL } from './helpers.ts'
import { givenReport } from './support/reports.ts'
import { givenUser, signIn } from './support/session.ts'

type TestApp = Awaited<ReturnType<typeof createTestApp>>

async function world() {
  const app = await createTestApp({ config: { rateLimit: false } })
  await addUnit(app.db, { code: 'UID-JTY', name: 'UID Jawa Tengah & DIY', level: 'UID' })
  await addUnit(app.db, { code: 'ULP-JTB', name: 'ULP Jatibarang', level: 'ULP', parentCode: 'UID-JTY' })
  const admin = await givenUser(app, 'admin', null, 'admin-triase')
  const supervisor = await givenUser(app, 'supervisor', await givenOfficer(app.services, { unitCode: 'UP3-MTG' }), 'spv-menteng')
  return { app, admin, supervisor }
}

/** Files a report through the household's JSON API; returns its ticket and tracking address. */
async function fileReport(app: TestApp, body: Record<string, string>): Promise<{ ticket: string; trackingUrl: string }> {
  const res = await app.request('/api/v1/reports', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  expect(res.status).toBe(201)
  return (await res.json()) as { ticket: string; trackingUrl: string }
}

const reportRow = async (app: TestApp, ticket: string) => (await app.db.select().from(reports).where(eq(reports.ticket, ticket)).get())!
const deliveriesOf = (app: TestApp, ticket: string) => app.db.select().from(outboxDeliveries).where(eq(outboxDeliveries.subject, ticket)).all()
const statusAudits = (app: TestApp) => app.db.select().from(auditLog).where(eq(auditLog.action, 'report.status_changed')).all()

/** The statuses the campaign page shows, by ticket. */
function shownStatuses(html: string): Record<string, string> {
  const rows = [...html.matchAll(/<tr data-ticket="(LPR-[0-9A-Z]+)">[\s\S]*?<td data-status="([a-z_]+)">/g)]
  return Object.fromEntries(rows.map((match) => [match[1]!, match[2]!]))
}

describe('changing a report’s status in one step', () => {
  it('offers every later status and moves a new report straight to resolved_scam: one revision, one audit row, one 123 update, the household sees it', async () => {
    const { app, admin } = await world()
    const { ticket, trackingUrl } = await fileReport(app, { code: 'ABCD-EFGH', category: 'otp' })
    const browser = await signIn(app, admin.username)
    const page = await (await browser.get(`/admin/reports/${ticket}`)).text()
    const choices = [...(/<select id="to" name="to"[^>]*>([\s\S]*?)<\/select>/.exec(page)?.[1] ?? '').matchAll(/<option value="([a-z_]+)"/g)].map((m) => m[1])
    expect(choices).toEqual(['in_review', 'forwarded', 'resolved_scam', 'resolved_genuine', 'rejected'])

    const res = await browser.post(`/admin/reports/${ticket}/status`, { to: 'resolved_scam', revision: '1' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/admin/reports/${ticket}?notice=status`)
    expect(await reportRow(app, ticket)).toMatchObject({ status: 'resolved_scam', revision: 2 })

    const audits = await statusAudits(app)
    expect(audits).toHaveLength(1)
    expect(audits[0]).toMatchObject({ actor: admin.username, subject: `report:${ticket}` })
    expect(JSON.parse(audits[0]!.details)).toEqual({ from: 'new', to: 'resolved_scam' })
    expect((await verifyAuditChain(app.db)).ok).toBe(true)

    const deliveries = await deliveriesOf(app, ticket)
    expect(deliveries.map((delivery) => delivery.eventType)).toEqual(['report.created', 'report.updated'])
    expect(JSON.parse(deliveries[1]!.payload)).toMatchObject({ type: 'report.updated' })
    expect(deliveries[1]!.payload).toContain('resolved_scam')

    const report = await reportRow(app, ticket)
    const events = await app.db.select().from(reportEvents).where(eq(reportEvents.reportId, report.id)).all()
    expect(events.filter((event) => event.kind === 'status_changed').map((event) => event.status)).toEqual(['resolved_scam'])
    expect(await (await app.request(trackingUrl.replace(PUBLIC_URL, ''))).text()).toContain('Selesai — dipastikan penipuan')
    const after = await (await browser.get(`/admin/reports/${ticket}?notice=status`)).text()
    expect(after).toContain('Status diubah.')
    expect(after).toContain('Laporan ini sudah selesai.')
  })

  it('refuses to move a closed report back to new: a message in the page’s language, and nothing changes', async () => {
    const { app, admin } = await world()
    const { ticket } = await fileReport(app, { code: 'ABCD-EFGH' })
    const browser = await signIn(app, admin.username)
    expect((await browser.post(`/admin/reports/${ticket}/status`, { to: 'resolved_genuine', revision: '1' })).status).toBe(303)
    const auditsBefore = (await statusAudits(app)).length
    const deliveriesBefore = (await deliveriesOf(app, ticket)).length
    for (const to of ['new', 'in_review', 'resolved_scam']) {
      const res = await browser.post(`/admin/reports/${ticket}/status`, { to, revision: '2' })
      expect(res.status, to).toBe(409)
      expect(await res.text()).toContain('Perubahan status ini tidak diperbolehkan.')
    }
    const english = await browser.post(`/admin/reports/${ticket}/status?lang=en`, { to: 'new', revision: '2' }, { headers: { cookie: `${browser.cookies}; lang=en` } })
    expect(english.status).toBe(409)
    expect(await english.text()).toContain('This status change is not allowed.')
    expect(await reportRow(app, ticket)).toMatchObject({ status: 'resolved_genuine', revision: 2 })
    expect(await statusAudits(app)).toHaveLength(auditsBefore)
    expect(await deliveriesOf(app, ticket)).toHaveLength(deliveriesBefore)
  })
})

describe('POST /admin/campaigns/:ticket/status (every report of a campaign at once)', () => {
  /** A campaign of four reports claiming one employee number, one in each of four statuses. */
  async function campaignOfFour(app: TestApp, statuses: ReportStatus[] = ['new', 'in_review', 'forwarded', 'resolved_genuine']) {
    const members = []
    for (const status of statuses) members.push(await givenReport(app, { claims: { sub: 'PLN-424242', unt: 'ULP-CKN' }, status }))
    return members
  }

  it('changes the reports the workflow allows, skips the others, says how many of each, audits and sends each to 123', async () => {
    const { app, admin } = await world()
    const [anchor, ...rest] = await campaignOfFour(app)
    const members = [anchor!, ...rest]
    const browser = await signIn(app, admin.username)
    const page = await (await browser.get(`/admin/campaigns/${anchor!.ticket}`)).text()
    expect(page).toContain('Status baru untuk semua 4 laporan')
    expect(page).toContain('Ubah semua 4 laporan')
    // Each choice says how many reports it would move; none offers "new".
    expect(page).toContain('<option value="forwarded">Diteruskan ke unit PLN terkait (2 bisa diubah)</option>')
    expect(page).toContain('<option value="in_review">Sedang ditinjau PLN (1 bisa diubah)</option>')
    expect(page).not.toMatch(/<select id="bulk-to"[^>]*>[\s\S]*?<option value="new"/)
    const english = await (await browser.get(`/admin/campaigns/${anchor!.ticket}?lang=en`)).text()
    for (const words of ['New status for all 4 reports', 'Change all 4 reports', '(2 can change)']) expect(english).toContain(words)

    const res = await browser.post(`/admin/campaigns/${anchor!.ticket}/status`, { to: 'forwarded', size: '4' })
    expect(res.status).toBe(303)
    const location = res.headers.get('location')!
    expect(location).toMatch(new RegExp(`^/admin/campaigns/${anchor!.ticket}\\?`))
    const after = await (await browser.get(location)).text()
    expect(after).toContain('2 laporan diubah menjadi Diteruskan ke unit PLN terkait. 2 laporan dilewati')
    expect(shownStatuses(after)).toEqual({
      [members[0]!.ticket]: 'forwarded',
      [members[1]!.ticket]: 'forwarded',
      [members[2]!.ticket]: 'forwarded',
      [members[3]!.ticket]: 'resolved_genuine',
    })
    for (const [index, revision] of [[0, 2], [1, 2], [2, 1], [3, 1]] as const) expect((await reportRow(app, members[index]!.ticket)).revision).toBe(revision)

    const audits = await statusAudits(app)
    expect(audits.map((row) => row.subject).sort()).toEqual([`report:${members[0]!.ticket}`, `report:${members[1]!.ticket}`].sort())
    expect(audits.map((row) => JSON.parse(row.details))).toContainEqual({ from: 'in_review', to: 'forwarded', campaign: anchor!.ticket })
    const summary = await app.db.select().from(auditLog).where(eq(auditLog.action, 'campaign.status_changed')).all()
    expect(summary).toMatchObject([{ actor: admin.username, subject: `campaign:${anchor!.ticket}` }])
    expect(JSON.parse(summary[0]!.details)).toEqual({ to: 'forwarded', changed: 2, skipped: 2 })
    expect((await verifyAuditChain(app.db)).ok).toBe(true)
    for (const [index, updates] of [[0, 1], [1, 1], [2, 0], [3, 0]] as const) {
      expect((await deliveriesOf(app, members[index]!.ticket)).filter((d) => d.eventType === 'report.updated'), members[index]!.ticket).toHaveLength(updates)
    }

    // Everything closed: the next change of all is a final one, and then there is nothing left to change.
    expect((await browser.post(`/admin/campaigns/${anchor!.ticket}/status`, { to: 'resolved_scam', size: '4' })).status).toBe(303)
    const closed = await (await browser.get(`/admin/campaigns/${anchor!.ticket}`)).text()
    expect(Object.values(shownStatuses(closed)).sort()).toEqual(['resolved_genuine', 'resolved_scam', 'resolved_scam', 'resolved_scam'])
    expect(closed).toContain('Tidak ada laporan di kampanye ini yang statusnya masih bisa diubah.')
  })

  it('refuses a campaign that changed since it was shown, an unknown status and a missing CSRF token, changing nothing', async () => {
    const { app, admin } = await world()
    const [anchor] = await campaignOfFour(app)
    const browser = await signIn(app, admin.username)
    const stale = await browser.post(`/admin/campaigns/${anchor!.ticket}/status`, { to: 'rejected', size: '3' })
    expect(stale.status).toBe(422)
    expect(await stale.text()).toContain('Kampanye ini berubah sejak Anda membukanya')
    for (const to of ['new', 'bogus', '']) {
      const res = await browser.post(`/admin/campaigns/${anchor!.ticket}/status`, { to, size: '4' })
      expect(res.status, to).toBe(422)
      expect(await res.text()).toContain('Pilih status baru dari daftar.')
    }
    expect((await browser.post(`/admin/campaigns/${anchor!.ticket}/status`, { to: 'rejected', size: 'four' })).status).toBe(422)
    expect((await browser.post(`/admin/campaigns/${anchor!.ticket}/status`, { to: 'rejected', size: '4' }, { csrf: null })).status).toBe(403)
    expect((await browser.post('/admin/campaigns/LPR-00000000/status', { to: 'rejected', size: '4' })).status).toBe(404)
    const statuses = (await app.db.select().from(reports).all()).map((report) => report.status).sort()
    expect(statuses).toEqual(['forwarded', 'in_review', 'new', 'resolved_genuine'])
    expect(await app.db.select().from(auditLog).where(eq(auditLog.action, 'campaign.status_changed')).all()).toHaveLength(0)
  })

  it('lets a supervisor change only the reports of their area; other campaigns are not found; officers are refused', async () => {
    const { app, supervisor } = await world()
    const mine = await givenReport(app, { claims: { sub: 'MIX-9', unt: 'ULP-CKN' } })
    const theirs = await givenReport(app, { claims: { sub: 'MIX-9', unt: 'ULP-JTB' } })
    const elsewhere1 = await givenReport(app, { claims: { sub: 'FAR-1', unt: 'ULP-JTB' } })
    await givenReport(app, { claims: { sub: 'FAR-1', unt: 'ULP-JTB' } })
    const spv = await signIn(app, supervisor.username)
    const page = await (await spv.get(`/admin/campaigns/${mine.ticket}`)).text()
    expect(page).toContain('Status baru untuk semua 1 laporan')
    expect((await spv.post(`/admin/campaigns/${mine.ticket}/status`, { to: 'in_review', size: '1' })).status).toBe(303)
    expect((await reportRow(app, mine.ticket)).status).toBe('in_review')
    expect((await reportRow(app, theirs.ticket)).status).toBe('new')
    expect((await spv.post(`/admin/campaigns/${elsewhere1.ticket}/status`, { to: 'in_review', size: '2' })).status).toBe(404)
    expect((await reportRow(app, elsewhere1.ticket)).status).toBe('new')
    const officer = await signIn(app, (await givenUser(app, 'officer', await givenOfficer(app.services))).username)
    expect((await officer.post(`/admin/campaigns/${mine.ticket}/status`, { to: 'rejected', size: '1' })).status).toBe(403)
    expect((await reportRow(app, mine.ticket)).status).toBe('in_review')
  })
})

describe('readable report details', () => {
  it('links the phone number for dialling and the coordinates to a map, and writes the 123 delivery states in words', async () => {
    const { app, admin } = await world()
    const report = await givenReport(app, { phone: '+6281234567890', latitude: -6.1944, longitude: 106.8229, location: 'Cikini' })
    const rows = [
      { state: 'delivered', attempts: 1, eventType: 'report.created' },
      { state: 'pending', attempts: 3, eventType: 'report.updated' },
      { state: 'dead', attempts: 12, eventType: 'report.updated' },
      { state: 'pending', attempts: 0, eventType: 'report.updated' },
    ] as const
    for (const [index, row] of rows.entries()) {
      await app.db.insert(outboxDeliveries).values({ webhookId: `msg_${index}`, subject: report.ticket, payload: '{}', nextAttemptAt: 0, createdAt: app.clock.now(), ...row }).run()
    }
    const browser = await signIn(app, admin.username)
    const html = await (await browser.get(`/admin/reports/${report.ticket}`)).text()
    expect(html).toContain('<a href="tel:+6281234567890">+6281234567890</a>')
    expect(html).toContain(
      '<a href="https://www.openstreetmap.org/?mlat=-6.1944&amp;mlon=106.8229#map=17/-6.1944/106.8229" rel="noopener noreferrer">-6.1944, 106.8229 — lihat di peta</a>',
    )
    const states = [...html.matchAll(/<tr data-delivery-state="([a-z]+)"><td>([^<]*)<\/td><td>([^<]*)<\/td>/g)].map((m) => [m[1], m[2], m[3]])
    expect(states).toEqual([
      ['delivered', 'Laporan baru', 'Terkirim ke 123'],
      ['pending', 'Perubahan laporan', 'Menunggu kirim ulang (ke-3)'],
      ['dead', 'Perubahan laporan', 'Gagal — perlu ditangani'],
      ['pending', 'Perubahan laporan', 'Menunggu dikirim'],
    ])
    expect(html).not.toMatch(/<td>(pending|delivered|dead|report\.updated|report\.created)<\/td>/)

    const english = await (await browser.get(`/admin/reports/${report.ticket}?lang=en`)).text()
    for (const words of ['Delivered to 123', 'Waiting to resend (attempt 3)', 'Failed — needs attention', 'Waiting to be sent', '-6.1944, 106.8229 — see on the map']) expect(english).toContain(words)
  })

  it('does not turn a phone field that is not a plain number into a link', async () => {
    const { app, admin } = await world()
    const report = await givenReport(app, { phone: 'javascript:alert(1)' })
    const html = await (await (await signIn(app, admin.username)).get(`/admin/reports/${report.ticket}`)).text()
    expect(html).toContain('javascript:alert(1)')
    expect(html).not.toMatch(/href="(tel:)?javascript:/)
  })
})
