import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { auditLog, outboxDeliveries, reportCategories, reports } from '../db/schema.ts'
import { createUser } from '../src/auth/users.ts'
import { messagesFor } from '../src/i18n/index.ts'
import { createTestApp, PUBLIC_URL } from './helpers.ts'
import { givenUser, PASSWORD, signIn, submitLogin } from './support/session.ts'

// Issue 17: the reporter's rights on the tracking page (UU PDP): correct, delete and restrict the
// details they gave; each audited and sent to 123; staff, the export and the payload honour them.

type TestApp = Awaited<ReturnType<typeof createTestApp>>
const id = messagesFor('id')
const NOTE = 'Minta denda tunai dua juta rupiah'
const PHONE = '+6281234567890'
const PLACE = 'Rawasari Tengah'

async function givenReportWithDetails(app: TestApp) {
  const res = await app.request('/api/v1/reports', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: 'ABCD2345', categories: ['money'], note: NOTE, phone: '0812 3456 7890', location: PLACE, latitude: -6.19, longitude: 106.84 }),
  })
  expect(res.status).toBe(201)
  const { ticket, trackingUrl } = (await res.json()) as { ticket: string; trackingUrl: string }
  return { ticket, key: new URL(trackingUrl).searchParams.get('k') ?? '', page: trackingUrl.slice(PUBLIC_URL.length) }
}

async function storedReport(app: TestApp, ticket: string) {
  const [report] = await app.db.select().from(reports).where(eq(reports.ticket, ticket)).all()
  return report!
}

type Payload = { type: string; data: { revision: number; note: string | null; phone: string | null; location: unknown; detailsState: string; categories: string[] } }

async function payloadsOf(app: TestApp, ticket: string): Promise<Payload[]> {
  const rows = await app.db.select().from(outboxDeliveries).where(eq(outboxDeliveries.subject, ticket)).orderBy(outboxDeliveries.id).all()
  return rows.map((row) => JSON.parse(row.payload) as Payload)
}

function auditRowsOf(app: TestApp, ticket: string, action: string) {
  return app.db.select().from(auditLog).where(and(eq(auditLog.subject, ticket), eq(auditLog.action, action))).all()
}

/** What the admin console, its CSV export and the 123 desk show of the report. */
async function staffViews(app: TestApp, ticket: string) {
  const admin = await signIn(app, (await givenUser(app, 'admin', null)).username)
  const detail = await (await admin.get(`/admin/reports/${ticket}`)).text()
  const queue = await (await admin.get('/admin/reports')).text()
  const csv = await (await admin.get('/admin/reports.csv')).text()
  const username = `agen-${Math.random().toString(36).slice(2, 8)}`
  await createUser(app.db, app.clock, { username, password: PASSWORD, role: 'cso', officerEmployeeNo: null })
  const { cookies } = await submitLogin(app, username, PASSWORD)
  const desk = await (await app.request(`/cso/reports/${ticket}`, { headers: { cookie: cookies } })).text()
  return { detail, queue, csv, desk }
}

function expectNoDetailsIn(views: Record<string, string>) {
  for (const [name, text] of Object.entries(views)) {
    expect(text, name).not.toContain(NOTE)
    expect(text, name).not.toContain(PHONE)
    expect(text, name).not.toContain(PLACE)
  }
  expect(views.detail).not.toContain('-6.19')
}

describe('POST /r/:ticket/details (correct)', () => {
  it('changes the phone, note and place, tells 123 in a new revision and audits which fields, never their values', async () => {
    const app = await createTestApp()
    const { ticket, key, page } = await givenReportWithDetails(app)
    const res = await app.postForm(`/r/${ticket}/details`, { k: key, category: 'money', note: 'Minta transfer ke rekening pribadi', phone: '0813 1111 2222', location: 'Menteng' })
    expect(res.status).toBe(303)
    const report = await storedReport(app, ticket)
    expect([report.note, report.phone, report.location, report.latitude]).toEqual(['Minta transfer ke rekening pribadi', '+6281311112222', 'Menteng', null])
    const last = (await payloadsOf(app, ticket)).at(-1)!
    expect(last).toMatchObject({ type: 'report.updated', data: { revision: 2, phone: '+6281311112222', note: 'Minta transfer ke rekening pribadi', detailsState: 'given' } })
    const [audit] = await auditRowsOf(app, ticket, 'report.details_corrected')
    expect(audit).toMatchObject({ actor: 'reporter' })
    expect(JSON.parse(audit!.details)).toEqual({ fields: 'note,phone,location,latitude,longitude', revision: 2 })
    expect(audit!.details).not.toContain('0813')

    const html = await (await app.request(page)).text()
    expect(html).toContain('id="your-data"')
    expect(html).toContain('Menteng')
  })
})

describe('POST /r/:ticket/erase (delete)', () => {
  it('asks once more, then erases the details everywhere, keeps the report and its categories, and tells 123', async () => {
    const app = await createTestApp()
    const { ticket, key, page } = await givenReportWithDetails(app)
    const ask = await app.postForm(`/r/${ticket}/erase`, { k: key })
    expect(ask.status).toBe(200)
    const askHtml = await ask.text()
    expect(askHtml).toContain(id.reporterRights.erase.confirmButton)
    expect(askHtml).toContain('name="confirm" value="yes"')
    expect((await storedReport(app, ticket)).note).toBe(NOTE)

    const res = await app.postForm(`/r/${ticket}/erase`, { k: key, confirm: 'yes' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`${page}&done=erased#your-data`)
    const report = await storedReport(app, ticket)
    expect([report.note, report.phone, report.location, report.latitude, report.longitude]).toEqual([null, null, null, null, null])
    expect(report.detailsErasedAt).toBe(app.clock.now())
    expect([report.status, report.category, report.revision]).toEqual(['new', 'money', 2])
    expect(await app.db.select().from(reportCategories).where(eq(reportCategories.reportId, report.id)).all()).toHaveLength(1)

    const last = (await payloadsOf(app, ticket)).at(-1)!
    expect(last).toMatchObject({ type: 'report.updated', data: { revision: 2, note: null, phone: null, location: null, detailsState: 'erased', categories: ['money'] } })
    expect(await auditRowsOf(app, ticket, 'report.details_erased')).toMatchObject([{ actor: 'reporter' }])

    const views = await staffViews(app, ticket)
    expectNoDetailsIn(views)
    expect(views.detail).toContain(id.reporterRights.staff.erased)
    expect(views.csv).toContain(id.reporterRights.staff.erased)
    expect(views.desk).toContain(id.reporterRights.staff.erased)

    const html = await (await app.request(res.headers.get('location')!)).text()
    expect(html).toContain(id.reporterRights.erase.done)
    expect(html).toContain('data-details-state="erased"')
    expect(html).not.toContain(NOTE)
  })

  it('is harmless the second time: nothing changes, nothing more is audited or sent', async () => {
    const app = await createTestApp()
    const { ticket, key } = await givenReportWithDetails(app)
    await app.postForm(`/r/${ticket}/erase`, { k: key, confirm: 'yes' })
    const before = { report: await storedReport(app, ticket), payloads: (await payloadsOf(app, ticket)).length }
    app.clock.advance(60_000)
    const again = await app.postForm(`/r/${ticket}/erase`, { k: key, confirm: 'yes' })
    expect(again.status).toBe(303)
    expect(await storedReport(app, ticket)).toEqual(before.report)
    expect((await payloadsOf(app, ticket)).length).toBe(before.payloads)
    expect(await auditRowsOf(app, ticket, 'report.details_erased')).toHaveLength(1)
  })

  it('refuses later details with a sentence, so an old tab cannot bring them back', async () => {
    const app = await createTestApp()
    const { ticket, key } = await givenReportWithDetails(app)
    await app.postForm(`/r/${ticket}/erase`, { k: key, confirm: 'yes' })
    const res = await app.postForm(`/r/${ticket}/details`, { k: key, note: NOTE, phone: '0812 3456 7890' })
    expect(res.status).toBe(409)
    expect(await res.text()).toContain(id.reporterRights.problems.erased)
    expect((await storedReport(app, ticket)).note).toBeNull()
  })
})

describe('POST /r/:ticket/restrict', () => {
  it('withholds the details from the console, the search, the export, the desk and 123 at once, and keeps them for the reporter', async () => {
    const app = await createTestApp()
    const { ticket, key, page } = await givenReportWithDetails(app)
    const res = await app.postForm(`/r/${ticket}/restrict`, { k: key })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`${page}&done=restricted#your-data`)
    const report = await storedReport(app, ticket)
    expect([report.note, report.restrictedAt, report.revision]).toEqual([NOTE, app.clock.now(), 2])

    const last = (await payloadsOf(app, ticket)).at(-1)!
    expect(last).toMatchObject({ type: 'report.updated', data: { revision: 2, note: null, phone: null, location: null, detailsState: 'restricted' } })
    expect(await auditRowsOf(app, ticket, 'report.restricted')).toMatchObject([{ actor: 'reporter' }])

    const views = await staffViews(app, ticket)
    expectNoDetailsIn(views)
    for (const name of ['detail', 'queue', 'csv', 'desk'] as const) expect(views[name], name).toContain(id.reporterRights.staff.restricted)
    const admin = await signIn(app, (await givenUser(app, 'admin', null)).username)
    expect(await (await admin.get('/admin/reports?q=denda')).text()).not.toContain(ticket)

    const html = await (await app.request(page)).text()
    expect(html).toContain('data-details-state="restricted"')
    expect(html).toContain(NOTE)
    expect(html).toContain(id.reporterRights.restrict.noLift)
    expect(html).not.toContain(`action="/r/${ticket}/restrict"`)
  })
})

describe('a wrong tracking key', () => {
  it('changes nothing and is limited as the tracking page is', async () => {
    const app = await createTestApp()
    const { ticket } = await givenReportWithDetails(app)
    const before = await storedReport(app, ticket)
    const statuses: number[] = []
    for (let attempt = 0; attempt < 4; attempt++) {
      statuses.push((await app.postForm(`/r/${ticket}/erase`, { k: 'wrong-key', confirm: 'yes' })).status)
      statuses.push((await app.postForm(`/r/${ticket}/restrict`, { k: 'wrong-key' })).status)
      statuses.push((await app.postForm(`/r/${ticket}/details`, { k: 'wrong-key', note: 'bukan milik saya' })).status)
    }
    expect(statuses.slice(0, 9)).toEqual(Array(9).fill(404))
    expect(statuses.at(-1)).toBe(429)
    expect(await storedReport(app, ticket)).toEqual(before)
    expect(await payloadsOf(app, ticket)).toHaveLength(1)
  })
})
