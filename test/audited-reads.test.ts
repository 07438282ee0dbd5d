import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { auditLog } from '../db/schema.ts'
import { createUser } from '../src/auth/users.ts'
import { REREAD_WINDOW_MS } from '../src/privacy/reads.ts'
import { createTestApp } from './helpers.ts'
import { givenReport } from './support/reports.ts'
import { givenUser, PASSWORD, signIn, submitLogin } from './support/session.ts'

type TestApp = Awaited<ReturnType<typeof createTestApp>>

const DETAILS = { phone: '+6281234567890', note: 'Minta uang tunai', location: 'Cikini' }

function auditRows(app: TestApp, action: string) {
  return app.db.select().from(auditLog).where(eq(auditLog.action, action))
}

async function signedInAdmin(app: TestApp) {
  const admin = await givenUser(app, 'admin', null, 'admin-baca')
  return { username: admin.username, browser: await signIn(app, admin.username) }
}

describe("who read a report's personal details", () => {
  it('records report.details_viewed when the console shows a report with a phone, note or place', async () => {
    const app = await createTestApp()
    const { username, browser } = await signedInAdmin(app)
    const report = await givenReport(app, DETAILS)
    const res = await browser.get(`/admin/reports/${report.ticket}`)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain(DETAILS.note)
    const rows = await auditRows(app, 'report.details_viewed')
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ actor: username, subject: `report:${report.ticket}` })
    expect(JSON.parse(rows[0]!.details)).toEqual({ page: 'console', fields: 'phone,note,location' })
  })

  it('records nothing for a report without personal details, or with them erased', async () => {
    const app = await createTestApp()
    const { browser } = await signedInAdmin(app)
    const bare = await givenReport(app)
    const erased = await givenReport(app, { detailsErasedAt: app.clock.now() })
    for (const report of [bare, erased]) expect((await browser.get(`/admin/reports/${report.ticket}`)).status).toBe(200)
    expect(await auditRows(app, 'report.details_viewed')).toHaveLength(0)
  })

  it('writes one row for re-reads within a minute, and a new one after it', async () => {
    const app = await createTestApp()
    const { browser } = await signedInAdmin(app)
    const report = await givenReport(app, DETAILS)
    await browser.get(`/admin/reports/${report.ticket}`)
    app.clock.advance(REREAD_WINDOW_MS - 1)
    await browser.get(`/admin/reports/${report.ticket}`)
    expect(await auditRows(app, 'report.details_viewed')).toHaveLength(1)
    const other = await givenReport(app, DETAILS)
    await browser.get(`/admin/reports/${other.ticket}`)
    expect(await auditRows(app, 'report.details_viewed')).toHaveLength(2)
    app.clock.advance(1)
    await browser.get(`/admin/reports/${report.ticket}`)
    expect(await auditRows(app, 'report.details_viewed')).toHaveLength(3)
  })

  it("records the 123 desk's reads of a report's note and place", async () => {
    const app = await createTestApp()
    await createUser(app.db, app.clock, { username: 'agen-baca', password: PASSWORD, role: 'cso', officerEmployeeNo: null })
    const { cookies } = await submitLogin(app, 'agen-baca', PASSWORD)
    const report = await givenReport(app, DETAILS)
    const res = await app.request(`/cso/reports/${report.ticket}`, { headers: { cookie: cookies } })
    expect(res.status).toBe(200)
    const rows = await auditRows(app, 'report.details_viewed')
    expect(rows.map((row) => [row.actor, row.subject, JSON.parse(row.details)])).toEqual([['agen-baca', `report:${report.ticket}`, { page: 'desk', fields: 'note,location' }]])
  })
})

describe('who read the audit log', () => {
  it('records audit.viewed with the filters, once a minute per page and filter', async () => {
    const app = await createTestApp()
    const { username, browser } = await signedInAdmin(app)
    expect((await browser.get('/admin/audit?action=login.succeeded&actor=admin-baca')).status).toBe(200)
    await browser.get('/admin/audit?action=login.succeeded&actor=admin-baca')
    await browser.get('/admin/audit')
    const rows = await app.db.select().from(auditLog).where(and(eq(auditLog.action, 'audit.viewed'), eq(auditLog.actor, username)))
    expect(rows.map((row) => JSON.parse(row.details))).toEqual([
      { action: 'login.succeeded', actor: 'admin-baca', subject: '', page: 1 },
      { action: '', actor: '', subject: '', page: 1 },
    ])
    expect(rows[0]!.subject).toBe('audit')
  })
})
