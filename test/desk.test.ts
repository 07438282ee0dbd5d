import { and, asc, eq, ne } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { auditLog, reports, visitPasswords } from '../db/schema.ts'
import { createUser } from '../src/auth/users.ts'
import { changeReportStatusAtDesk } from '../src/desk/triage.ts'
import { DomainError } from '../src/errors.ts'
import { setVisitPassword } from '../src/households/visit-passwords.ts'
import { messagesFor } from '../src/i18n/index.ts'
import { hashCustomerId, revokeCredential } from '../src/passes/passes.ts'
import { findReportByTicket } from '../src/reports/triage.ts'
import { createTestApp, CUSTOMER_ID, givenOfficer, givenPass, PUBLIC_URL } from './helpers.ts'
import { givenReport } from './support/reports.ts'
import { givenUser, mergeCookies, PASSWORD, submitLogin } from './support/session.ts'

type TestApp = Awaited<ReturnType<typeof createTestApp>>

const t = messagesFor('id')
const d = t.desk
const OTHER_CUSTOMER = '532100099999'
const WORD = 'Kembang Sepatu'

interface Agent {
  username: string
  cookies: string
  csrf: string
  get: (path: string) => Promise<Response>
  post: (path: string, fields: Record<string, string> | URLSearchParams, options?: { csrf?: string | null }) => Promise<Response>
}

/** Signs a 123 agent in and returns a tiny browser holding the desk's CSRF token. */
async function signInAgent(app: TestApp, username = `agen-${Math.random().toString(36).slice(2, 8)}`, role: 'cso' | 'admin' = 'cso'): Promise<Agent> {
  await createUser(app.db, app.clock, { username, password: PASSWORD, role, officerEmployeeNo: null })
  const { res, cookies } = await submitLogin(app, username, PASSWORD)
  expect(res.status).toBe(303)
  expect(res.headers.get('location')).toBe(role === 'cso' ? '/cso' : '/admin')
  const desk = await app.request('/cso', { headers: { cookie: cookies } })
  expect(desk.status).toBe(200)
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await desk.text())?.[1] ?? ''
  const browser: Agent = {
    username,
    cookies: mergeCookies(cookies, desk),
    csrf,
    get: async (path) => app.request(path, { headers: { cookie: browser.cookies } }),
    post: async (path, fields, options = {}) => {
      const body = new URLSearchParams(fields)
      const token = options.csrf === undefined ? browser.csrf : options.csrf
      if (token !== null) body.set('_csrf', token)
      return app.request(path, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL, cookie: browser.cookies } })
    },
  }
  return browser
}

const search = (agent: Agent, q: string) => agent.post('/cso/lookup', { q })

function answerOf(html: string): { kind: string | null; verdict: string | null } {
  const tag = /<section[^>]*data-desk-answer="[^"]*"[^>]*>/.exec(html)?.[0] ?? ''
  return { kind: /data-desk-answer="([^"]+)"/.exec(tag)?.[1] ?? null, verdict: /data-verdict="([^"]+)"/.exec(tag)?.[1] ?? null }
}

/** The page's text, tags dropped and entities of apostrophes and quotes undone, for sentence checks. */
function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
}

async function lookupRows(app: TestApp) {
  return app.db.select().from(auditLog).where(eq(auditLog.action, 'desk.lookup')).orderBy(asc(auditLog.id)).all()
}

describe('who may use the desk', () => {
  it('sends a signed-out visitor to /login and refuses officers and supervisors', async () => {
    const app = await createTestApp()
    const signedOut = await app.request('/cso')
    expect(signedOut.status).toBe(303)
    expect(signedOut.headers.get('location')).toBe('/login')
    for (const role of ['officer', 'supervisor'] as const) {
      const user = await givenUser(app, role, await givenOfficer(app.services))
      const { cookies } = await submitLogin(app, user.username, PASSWORD)
      for (const path of ['/cso', '/cso/reports/new', '/cso/visit-password']) expect((await app.request(path, { headers: { cookie: cookies } })).status, `${role} ${path}`).toBe(403)
    }
  })

  it('opens the desk to agents and admins, and keeps the portal and the console closed to agents', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app)
    const page = await (await agent.get('/cso')).text()
    expect(page).toMatch(/<input id="desk-q" name="q"[^>]*autofocus/)
    expect(page).toContain('method="post" action="/cso/lookup"')
    for (const path of ['/officer', '/officer/passes', '/admin', '/admin/reports', '/admin/users']) expect((await agent.get(path)).status, path).toBe(403)
    const admin = await signInAgent(app, 'admin-desk', 'admin')
    expect((await admin.get('/cso')).status).toBe(200)
  })

  it('refuses a search or a change without the CSRF token, and looks nothing up', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app)
    const pass = await givenPass(app.services)
    expect((await agent.post('/cso/lookup', { q: pass.code }, { csrf: null })).status).toBe(403)
    expect((await agent.post('/cso/lookup', { q: pass.code }, { csrf: 'wrong' })).status).toBe(403)
    const vp = await agent.post('/cso/visit-password', { action: 'set', customerId: CUSTOMER_ID, word: WORD, confirmed: 'yes' }, { csrf: null })
    expect(vp.status).toBe(403)
    expect(await lookupRows(app)).toEqual([])
    expect(await app.db.select().from(visitPasswords).all()).toEqual([])
  })
})

describe('POST /cso/lookup', () => {
  it('answers a live pass’s short code with the household’s verdict, the facts and a script', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app)
    const pass = await givenPass(app.services, { purpose: 'GANTI_METER' })
    const res = await search(agent, pass.code.toLowerCase())
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const html = await res.text()
    expect(answerOf(html)).toEqual({ kind: 'credential', verdict: 'valid' })
    const text = textOf(html)
    expect(text).toContain(t.verdict.faces.green)
    expect(text).toContain(pass.officer.name)
    expect(html).toMatch(/<img[^>]+src="\/photos\/[^"]+"/)
    expect(text).toContain('Penggantian kWh meter')
    expect(html).toMatch(/data-customer-last4[^>]*>2345</)
    expect(text).toMatch(/Petugas ini asli dan ditugaskan PLN untuk Penggantian kWh meter, .+ 4 angka terakhir ID pelanggan .+: 2345/)
    expect(html).toContain('data-ktp=')
    expect(html).not.toContain('data-report-for-caller')
    expect(html).not.toContain(CUSTOMER_ID)
  })

  it('says "Jangan buka pintu" for a revoked pass, with the reason and a report prefilled with the code', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app)
    const pass = await givenPass(app.services)
    await revokeCredential(app.services, pass.id, { actor: 'test' })
    const html = await (await search(agent, pass.code)).text()
    expect(answerOf(html)).toEqual({ kind: 'credential', verdict: 'revoked' })
    const text = textOf(html)
    expect(text).toContain(`Jangan buka pintu. ${d.scripts.reasons.revoked}`)
    expect(html).toContain(`href="/cso/reports/new?code=${pass.code}" data-report-for-caller`)
    // A red answer never repeats who the pass named.
    expect(text).not.toContain(pass.officer.name)
  })

  it('answers a token (or its pasted /v/ link) as the household’s page would', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app)
    const pass = await givenPass(app.services)
    expect(answerOf(await (await search(agent, pass.token)).text())).toEqual({ kind: 'credential', verdict: 'valid' })
    expect(answerOf(await (await search(agent, `${PUBLIC_URL}/v/${pass.token}`)).text())).toEqual({ kind: 'credential', verdict: 'valid' })
  })

  it('calls a code-shaped word that names nothing "bukan kode kami", and asks for an unreadable one again', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app)
    const unknown = await (await search(agent, 'ZZZZ-ZZZZ')).text()
    expect(answerOf(unknown).kind).toBe('none')
    expect(textOf(unknown)).toContain(d.noneTitles.code)
    expect(textOf(unknown)).toContain(d.scripts.unknownCode)
    expect(unknown).toContain('href="/cso/reports/new?code=ZZZZZZZZ" data-report-for-caller')
    const unreadable = await (await search(agent, '?? halo ??')).text()
    expect(answerOf(unreadable).kind).toBe('none')
    expect(textOf(unreadable)).toContain(d.noneTitles.unreadable)
    expect(textOf(unreadable)).toContain(d.scripts.unreadable)
    const rows = await lookupRows(app)
    expect(rows.map((row) => row.subject)).toEqual(['code:ZZZZZZZZ', 'lookup:unreadable'])
  })

  it('answers an ID pelanggan yes, with the officer and the visit-password sentence, and never another customer’s visit', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app)
    const pass = await givenPass(app.services, { purpose: 'GANTI_METER' })
    const stranger = await givenOfficer(app.services, { name: 'Orang Lain Sekali' })
    await givenPass(app.services, { officer: stranger, customerId: '532100077777' })
    await setVisitPassword(app.services, { customerId: CUSTOMER_ID, word: WORD, actor: 'test' })

    const yes = await (await search(agent, '5321 0001 2345')).text()
    expect(answerOf(yes).kind).toBe('customer')
    expect(yes).toContain('data-active-visit="true"')
    const text = textOf(yes)
    expect(text).toContain(d.customerQuestion)
    expect(text).toContain(`Dicari: …2345`)
    expect(text).toContain(pass.officer.name)
    expect(text).toContain(pass.officer.employeeNo)
    expect(text).toMatch(/Petugas ini asli dan ditugaskan ke rumah Bapak\/Ibu untuk Penggantian kWh meter, /)
    expect(text).toContain(d.scripts.customerPassword)
    expect(yes).not.toContain(CUSTOMER_ID)
    expect(yes).not.toContain(WORD)
    expect(text).not.toContain(stranger.name)

    const no = await (await search(agent, OTHER_CUSTOMER)).text()
    expect(no).toContain('data-active-visit="false"')
    expect(textOf(no)).toContain(d.scripts.customerNo)
    expect(no).toContain('href="/cso/reports/new" data-report-for-caller')
    expect(no).not.toContain(OTHER_CUSTOMER)
    for (const officer of [pass.officer, stranger]) expect(textOf(no)).not.toContain(officer.name)
  })

  it('leaves the visit-password sentence out for a customer without one, and answers no once the pass is revoked', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app)
    const pass = await givenPass(app.services)
    const yes = textOf(await (await search(agent, CUSTOMER_ID)).text())
    expect(yes).toContain(pass.officer.name)
    expect(yes).not.toContain(d.scripts.customerPassword)
    expect(yes).toContain(d.noVisitPassword)
    await revokeCredential(app.services, pass.id, { actor: 'test' })
    const no = await (await search(agent, CUSTOMER_ID)).text()
    expect(no).toContain('data-active-visit="false"')
  })

  it('opens the report of a ticket, and says so when no report has it', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app)
    const report = await givenReport(app, { note: 'Minta transfer 500 ribu' })
    const res = await search(agent, report.ticket.toLowerCase())
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/cso/reports/${report.ticket}`)
    const page = await (await agent.get(`/cso/reports/${report.ticket}`)).text()
    expect(page).toContain('data-desk-answer="report"')
    expect(textOf(page)).toContain('Minta transfer 500 ribu')
    expect(textOf(page)).toContain(d.report.statusScripts.new)
    const missing = await (await search(agent, 'LPR-ZZZZZZZZ')).text()
    expect(answerOf(missing).kind).toBe('none')
    expect(textOf(missing)).toContain(d.scripts.unknownTicket)
  })

  it('shows an officer’s status and photo by employee number: active, or suspended with "Jangan buka pintu"', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app)
    const active = await givenOfficer(app.services, { employeeNo: 'MDN-12345', name: 'Dewi Lestari' })
    const suspended = await givenOfficer(app.services, { employeeNo: 'MDN-54321', name: 'Joko Susilo', suspended: true })
    const first = await (await search(agent, 'mdn-12345')).text()
    expect(answerOf(first).kind).toBe('officer')
    expect(first).toContain('data-officer-status="active"')
    expect(textOf(first)).toContain(`${active.name}, nomor induk MDN-12345, memang petugas ULP Cikini yang aktif`)
    expect(first).toMatch(/<img[^>]+src="\/photos\/[^"]+"/)
    const second = await (await search(agent, suspended.employeeNo)).text()
    expect(second).toContain('data-officer-status="suspended"')
    expect(textOf(second)).toContain(d.officerStatuses.suspended)
    expect(textOf(second)).toContain('tidak lagi bertugas untuk PLN. Jangan buka pintu')
    const unknown = await (await search(agent, 'NOPE-77')).text()
    expect(textOf(unknown)).toContain(d.scripts.unknownOfficer)
  })

  it('writes one audit row per search: the agent, and what was looked up without a full ID pelanggan or token', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app, 'agen-audit')
    const pass = await givenPass(app.services)
    const report = await givenReport(app)
    const officer = await givenOfficer(app.services, { employeeNo: 'AUD-0001' })
    for (const q of [pass.code, pass.token, CUSTOMER_ID, report.ticket, officer.employeeNo]) await search(agent, q)
    const rows = await lookupRows(app)
    expect(rows.map((row) => row.actor)).toEqual(Array(5).fill('agen-audit'))
    expect(rows.map((row) => row.subject)).toEqual([
      `credential:${pass.id}`,
      `credential:${pass.id}`,
      `customer:${hashCustomerId(app.services, CUSTOMER_ID)}`,
      `report:${report.ticket}`,
      'officer:AUD-0001',
    ])
    const stored = JSON.stringify(rows)
    expect(stored).not.toContain(CUSTOMER_ID)
    expect(stored).not.toContain(pass.token)
  })
})

describe('the per-agent limits', () => {
  it('refuses the 121st search in an hour with 429 and looks nothing up', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app)
    const other = await signInAgent(app)
    for (let i = 0; i < 120; i++) expect((await search(agent, 'LPR-ZZZZZZZZ')).status).toBe(200)
    const refused = await search(agent, 'LPR-ZZZZZZZZ')
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    const html = await refused.text()
    expect(html).toContain('data-desk-answer="limited"')
    expect(textOf(html)).toContain(d.limitedTitle)
    expect(await lookupRows(app)).toHaveLength(120)
    // Another agent is not held back.
    expect((await search(other, 'LPR-ZZZZZZZZ')).status).toBe(200)
  })

  it('refuses the 41st ID pelanggan in an hour while other kinds of search still pass until their own limit', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app)
    for (let i = 0; i < 40; i++) expect((await search(agent, `5321000${String(i).padStart(5, '0')}`)).status).toBe(200)
    const refused = await search(agent, '532100099998')
    expect(refused.status).toBe(429)
    expect(await refused.text()).toContain('data-desk-answer="limited"')
    // 41 searches counted so far: 79 more of another kind pass, the 80th is the 121st.
    for (let i = 0; i < 79; i++) expect((await search(agent, 'ZZZZZZZZ')).status, `search ${i}`).toBe(200)
    expect((await search(agent, 'ZZZZZZZZ')).status).toBe(429)
  })
})

describe('report by phone', () => {
  async function formNonce(agent: Agent, path = '/cso/reports/new') {
    const html = await (await agent.get(path)).text()
    return { html, nonce: /name="nonce" value="([^"]+)"/.exec(html)?.[1] ?? '' }
  }

  it('files a report with channel phone and the agent as its filer, shows the ticket and key once, and a reload files nothing', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app, 'agen-lapor')
    const pass = await givenPass(app.services)
    const { html: form, nonce } = await formNonce(agent, `/cso/reports/new?code=${pass.code}`)
    expect(form).toContain(`value="${pass.code}"`)
    for (const category of ['money', 'otp', 'ktp_photo', 'threat', 'apk_link', 'other']) expect(form).toContain(`value="${category}"`)
    const fields = new URLSearchParams({ nonce, subject: pass.code, note: 'Minta uang untuk ganti meter', phone: '0812 3456 7890', location: 'Cikini' })
    fields.append('category', 'money')
    fields.append('category', 'otp')
    const res = await agent.post('/cso/reports', fields)
    expect(res.status).toBe(201)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const html = await res.text()
    const ticket = /data-ticket="(LPR-[0-9A-Z]{8})"/.exec(html)?.[1] ?? ''
    const key = /data-tracking-key="([^"]+)"/.exec(html)?.[1] ?? ''
    expect(ticket).not.toBe('')
    expect(key).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(html).toContain(`${PUBLIC_URL}/r/${ticket}?k=${key}`)
    expect(html).toContain(`href="/cso/reports/${ticket}" data-read-out`)

    const [row] = await app.db.select().from(reports).where(eq(reports.ticket, ticket)).all()
    expect(row).toMatchObject({ channel: 'phone', filedBy: 'agen-lapor', verdict: 'valid', phone: '+6281234567890', location: 'Cikini', category: 'money', clientHash: null })
    const tracking = await app.request(`/r/${ticket}?k=${encodeURIComponent(key)}`)
    expect(tracking.status).toBe(200)
    expect(await tracking.text()).toContain(ticket)

    const again = await agent.post('/cso/reports', fields)
    expect(again.status).toBe(409)
    expect(await again.text()).toContain('data-already-filed')
    expect(await app.db.select().from(reports).all()).toHaveLength(1)
  })

  it('files a report without any detail, and refuses a subject that is no code or a bad phone number with the form again', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app)
    const bad = await agent.post('/cso/reports', { nonce: (await formNonce(agent)).nonce, subject: 'bukan kode sama sekali', phone: '12' })
    expect(bad.status).toBe(422)
    const html = textOf(await bad.text())
    expect(html).toContain(d.phoneReport.subjectInvalid)
    expect(html).toContain(t.report.problems.invalid_phone)
    expect(await app.db.select().from(reports).all()).toEqual([])
    expect((await agent.post('/cso/reports', { nonce: 'short' })).status).toBe(400)
    const plain = await agent.post('/cso/reports', { nonce: (await formNonce(agent)).nonce, subject: '' })
    expect(plain.status).toBe(201)
    expect(await app.db.select().from(reports).all()).toHaveLength(1)
  })
})

describe('the report page at the desk', () => {
  it('moves a report new → in_review → forwarded, with a note, audited with the agent', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app, 'agen-status')
    const report = await givenReport(app)
    const page = await (await agent.get(`/cso/reports/${report.ticket}`)).text()
    const options = [...page.matchAll(/<option value="([a-z_]+)"/g)].map((match) => match[1])
    expect(options).toEqual(['in_review', 'forwarded'])
    const moved = await agent.post(`/cso/reports/${report.ticket}/status`, { to: 'in_review', revision: String(report.revision) })
    expect(moved.status).toBe(303)
    expect(moved.headers.get('location')).toBe(`/cso/reports/${report.ticket}?notice=status`)
    const inReview = (await findReportByTicket(app.services, report.ticket))!
    expect(inReview.status).toBe('in_review')
    expect((await agent.post(`/cso/reports/${report.ticket}/notes`, { note: 'Penelepon menelepon lagi' })).status).toBe(303)
    expect((await agent.post(`/cso/reports/${report.ticket}/status`, { to: 'forwarded', revision: String(inReview.revision) })).status).toBe(303)
    const forwarded = await (await agent.get(`/cso/reports/${report.ticket}`)).text()
    expect(forwarded).toContain('data-status="forwarded"')
    expect(textOf(forwarded)).toContain('Penelepon menelepon lagi')
    expect(textOf(forwarded)).toContain(d.report.noDeskMoves)
    expect(forwarded).not.toContain(`action="/cso/reports/${report.ticket}/status"`)
    const rows = await app.db.select().from(auditLog).where(and(eq(auditLog.actor, 'agen-status'), eq(auditLog.subject, `report:${report.ticket}`))).orderBy(asc(auditLog.id)).all()
    expect(rows.map((row) => row.action)).toEqual(['report.status_changed', 'report.note_added', 'report.status_changed'])
  })

  it('refuses the final statuses, in the domain as over HTTP, and keeps a closed report read-only', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app)
    const report = await givenReport(app, { status: 'in_review' })
    for (const to of ['resolved_scam', 'resolved_genuine', 'rejected', 'new', 'nonsense']) {
      const res = await agent.post(`/cso/reports/${report.ticket}/status`, { to, revision: String(report.revision) })
      expect(res.status, to).toBe(422)
      expect(textOf(await res.text())).toContain(d.report.errors.desk_status_not_allowed)
    }
    expect((await findReportByTicket(app.services, report.ticket))!.status).toBe('in_review')
    const refused: unknown = await changeReportStatusAtDesk(app.services, { report, to: 'resolved_scam', expectedRevision: report.revision, actor: 'x' }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(DomainError)
    expect(refused).toMatchObject({ code: 'desk_status_not_allowed' })

    const closed = await givenReport(app, { status: 'resolved_scam' })
    const page = await (await agent.get(`/cso/reports/${closed.ticket}`)).text()
    expect(page).toContain('data-read-only')
    expect(page).not.toContain('<textarea')
    expect(textOf(page)).toContain(d.report.statusScripts.resolved_scam)
    expect((await agent.post(`/cso/reports/${closed.ticket}/status`, { to: 'forwarded', revision: String(closed.revision) })).status).toBe(422)
    expect((await agent.post(`/cso/reports/${closed.ticket}/notes`, { note: 'x' })).status).toBe(422)
    expect((await agent.get('/cso/reports/LPR-ZZZZZZZZ')).status).toBe(404)
  })

  it('tells the agent when someone else changed the report first', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app)
    const report = await givenReport(app)
    const res = await agent.post(`/cso/reports/${report.ticket}/status`, { to: 'in_review', revision: String(report.revision + 5) })
    expect(res.status).toBe(409)
    expect(textOf(await res.text())).toContain(d.report.errors.report_changed)
  })
})

describe('visit passwords at the desk', () => {
  it('shows the SOP steps and refuses a change without the confirmation box, changing nothing', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app)
    const page = textOf(await (await agent.get('/cso/visit-password')).text())
    for (const step of d.visitPassword.sopSteps) expect(page).toContain(step)
    expect(page).toContain(d.visitPassword.confirmLabel)
    for (const action of ['set', 'remove']) {
      const res = await agent.post('/cso/visit-password', { action, customerId: CUSTOMER_ID, word: WORD })
      expect(res.status).toBe(422)
      expect(textOf(await res.text())).toContain(d.visitPassword.errors.not_confirmed)
    }
    expect(await app.db.select().from(visitPasswords).all()).toEqual([])
    expect(await app.db.select().from(auditLog).where(eq(auditLog.action, 'visit_password.set')).all()).toEqual([])
  })

  it('sets, changes and removes a word with the agent as the actor, and shows only whether one is set', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app, 'agen-sandi')
    const before = await agent.post('/cso/visit-password', { action: 'check', customerId: CUSTOMER_ID })
    expect(before.status).toBe(200)
    expect(await before.text()).toContain('data-has-visit-password="false"')

    const set = await agent.post('/cso/visit-password', { action: 'set', customerId: CUSTOMER_ID, word: WORD, confirmed: 'yes' })
    expect(set.status).toBe(303)
    expect(set.headers.get('location')).toBe('/cso/visit-password?done=set&last4=2345')
    const done = textOf(await (await agent.get(set.headers.get('location')!)).text())
    expect(done).toContain('Kata sandi kunjungan disimpan untuk pelanggan berakhiran 2345.')

    const check = await (await agent.post('/cso/visit-password', { action: 'check', customerId: CUSTOMER_ID })).text()
    expect(check).toContain('data-has-visit-password="true"')
    expect(check).not.toContain(WORD)

    const change = await agent.post('/cso/visit-password', { action: 'set', customerId: CUSTOMER_ID, word: 'Melati Putih', confirmed: 'yes' })
    expect(change.headers.get('location')).toBe('/cso/visit-password?done=change&last4=2345')
    const remove = await agent.post('/cso/visit-password', { action: 'remove', customerId: CUSTOMER_ID, confirmed: 'yes' })
    expect(remove.headers.get('location')).toBe('/cso/visit-password?done=remove&last4=2345')
    expect(await app.db.select().from(visitPasswords).all()).toEqual([])

    const rows = await app.db.select().from(auditLog).where(and(eq(auditLog.actor, 'agen-sandi'), ne(auditLog.action, 'login.succeeded'))).orderBy(asc(auditLog.id)).all()
    expect(rows.map((row) => row.action)).toEqual(['desk.lookup', 'visit_password.set', 'desk.lookup', 'visit_password.change', 'visit_password.remove'])
  })

  it('refuses a bad ID pelanggan, a word out of bounds or with invisible characters, and removing a word that is not there', async () => {
    const app = await createTestApp()
    const agent = await signInAgent(app)
    const cases: [Record<string, string>, string][] = [
      [{ action: 'set', customerId: '1234', word: WORD, confirmed: 'yes' }, d.visitPassword.errors.invalid_customer_id!],
      [{ action: 'check', customerId: 'abc' }, d.visitPassword.errors.invalid_customer_id!],
      [{ action: 'set', customerId: CUSTOMER_ID, word: 'ab', confirmed: 'yes' }, d.visitPassword.errors.visit_password_length!],
      [{ action: 'set', customerId: CUSTOMER_ID, word: 'a'.repeat(33), confirmed: 'yes' }, d.visitPassword.errors.visit_password_length!],
      [{ action: 'set', customerId: CUSTOMER_ID, word: 'kata\u200bsandi', confirmed: 'yes' }, d.visitPassword.errors.visit_password_control!],
      [{ action: 'remove', customerId: CUSTOMER_ID, confirmed: 'yes' }, d.visitPassword.errors.no_visit_password!],
    ]
    for (const [fields, message] of cases) {
      const res = await agent.post('/cso/visit-password', fields)
      expect(res.status, JSON.stringify(fields)).toBe(422)
      expect(textOf(await res.text())).toContain(message)
    }
    expect(await app.db.select().from(visitPasswords).all()).toEqual([])
  })
})
