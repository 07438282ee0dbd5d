import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { auditLog, doorChecks } from '../db/schema.ts'
import { verifyAuditChain } from '../src/audit/audit.ts'
import { createSession } from '../src/auth/sessions.ts'
import { setVisitPassword } from '../src/households/visit-passwords.ts'
import { suspendOfficer } from '../src/officers/officers.ts'
import { revokeCredential } from '../src/passes/passes.ts'
import { createTestApp, CUSTOMER_ID, givenOfficer, givenPass, PUBLIC_URL } from './helpers.ts'
import { givenUser, mergeCookies, PASSWORD, signIn } from './support/session.ts'

type TestApp = Awaited<ReturnType<typeof createTestApp>>
const MINUTE = 60_000
const OTHER_CUSTOMER = '532100099999'

function stateOf(html: string) {
  const main = /<main[^>]*>/.exec(html)?.[0] ?? ''
  return { state: /data-door-state="([^"]+)"/.exec(main)?.[1] ?? null, face: /data-face="([^"]+)"/.exec(main)?.[1] ?? null, polls: main.includes('hx-trigger="every 2s"') }
}

/** A household starts a door check like a browser; returns its page's id, cookies and code. */
async function startCheck(app: TestApp, customer = '') {
  const res = await app.postForm('/door', { customer })
  expect(res.status).toBe(303)
  const location = res.headers.get('location') ?? ''
  const id = /^\/door\/([A-Za-z0-9_-]+)$/.exec(location)?.[1] ?? ''
  const cookies = mergeCookies('', res)
  const page = await app.request(location, { headers: { cookie: cookies } })
  const html = await page.text()
  const code = (/data-door-code[^>]*>([0-9 ]+)</.exec(html)?.[1] ?? '').replace(/\s/g, '')
  return { id, cookies, code, html }
}

async function householdView(app: TestApp, id: string, cookies = '') {
  const res = await app.request(`/door/${id}`, { headers: cookies ? { cookie: cookies } : {} })
  return { status: res.status, html: await res.text() }
}

/** An officer with an active pass for CUSTOMER_ID, signed in to the portal. */
async function givenSignedInOfficer(app: TestApp, options: { customerId?: string; purpose?: string } = {}) {
  const officer = await givenOfficer(app.services)
  const pass = await givenPass(app.services, { officer, customerId: options.customerId ?? CUSTOMER_ID, purpose: options.purpose ?? 'CATAT_METER' })
  const user = await givenUser(app, 'officer', officer)
  const browser = await signIn(app, user.username)
  return { officer, pass, user, browser }
}

async function doorChecksInDb(app: TestApp) {
  return app.db.select().from(doorChecks).all()
}

describe('POST /door and GET /door/<id>', () => {
  it('starts a waiting check: a 128-bit id, a 6-digit code in large digits and as a QR to the officer portal, polling every 2 s', async () => {
    const app = await createTestApp()
    const { id, code, html } = await startCheck(app)
    expect(Buffer.from(id, 'base64url')).toHaveLength(16)
    expect(code).toMatch(/^\d{6}$/)
    expect(stateOf(html)).toEqual({ state: 'waiting', face: 'neutral', polls: true })
    expect(html).toContain(`hx-get="/door/${id}/state"`)
    expect(html).toContain('<svg')
    expect(html).toContain('Periksa lagi')
    expect(html).toContain(`action="/door/${id}"`)
    // Only a keyed hash of the code is stored.
    const [row] = await doorChecksInDb(app)
    expect(row?.state).toBe('waiting')
    expect(row?.expiresAt).toBe(app.clock.now() + 10 * MINUTE)
    expect(JSON.stringify(row)).not.toContain(code)
  })

  it('encodes <origin>/officer/door?code=<code> in the QR', async () => {
    const app = await createTestApp()
    const { id } = await startCheck(app)
    const started = await app.request('/api/v1/door-checks', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', origin: PUBLIC_URL } })
    const body = (await started.json()) as { code: string }
    const { doorCodeUrl } = await import('../src/households/present.ts')
    expect(doorCodeUrl(app.services, body.code)).toBe(`${PUBLIC_URL}/officer/door?code=${body.code}`)
    expect(id).not.toBe('')
  })

  it('hashes a typed ID pelanggan as passes do and refuses one that is not 12 digits with a clear 400', async () => {
    const app = await createTestApp()
    await startCheck(app, '5321 0001 2345')
    const [row] = await doorChecksInDb(app)
    const { hashCustomerId } = await import('../src/passes/passes.ts')
    expect(row?.customerHash).toBe(hashCustomerId(app.services, CUSTOMER_ID))
    const bad = await app.postForm('/door', { customer: '12345' })
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('ID pelanggan harus tepat 12 angka')
    expect(await doorChecksInDb(app)).toHaveLength(1)
  })

  it('answers an unknown or malformed id with the 404 page', async () => {
    const app = await createTestApp()
    for (const path of ['/door/AAAAAAAAAAAAAAAAAAAAAA', '/door/x', '/door/%E0%A4%A', '/door/AAAAAAAAAAAAAAAAAAAAAA/state']) {
      const res = await app.request(path)
      expect(res.status, path).toBe(404)
    }
  })

  it('shows the code only on the device that started the check', async () => {
    const app = await createTestApp()
    const { id } = await startCheck(app)
    const { html } = await householdView(app, id)
    expect(stateOf(html).state).toBe('waiting')
    expect(html).not.toContain('data-door-code')
    expect(html).toContain('Kode hanya tampil di HP yang memulai')
  })

  it('limits how many checks one client starts', async () => {
    const app = await createTestApp()
    for (let i = 0; i < 60; i++) expect((await app.postForm('/door', { customer: '' })).status).toBe(303)
    const refused = await app.postForm('/door', { customer: '' })
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
  })
})

describe('POST /officer/door', () => {
  it('confirms the check of a genuine officer: the household sees the officer, the purpose, the KTP rule and green for its ID pelanggan', async () => {
    const app = await createTestApp()
    const { id, cookies, code } = await startCheck(app, CUSTOMER_ID)
    const { officer, pass, browser } = await givenSignedInOfficer(app, { purpose: 'P2TL' })
    const form = await browser.get(`/officer/door?code=${code}`)
    const formHtml = await form.text()
    expect(form.status).toBe(200)
    expect(formHtml).toContain(`value="${code}"`)
    expect(formHtml).toContain(`value="${pass.id}"`)

    const res = await browser.post('/officer/door', { code, pass: pass.id })
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('data-door-result="confirmed"')

    const { html } = await householdView(app, id, cookies)
    expect(stateOf(html)).toEqual({ state: 'confirmed', face: 'green', polls: false })
    expect(html).toContain(officer.name)
    expect(html).toContain(officer.employeeNo)
    expect(html).toContain('/photos/')
    expect(html).toContain('Penertiban Pemakaian Tenaga Listrik')
    expect(html).toContain('data-ktp="view"')
    expect(html).toContain('data-customer-match="true"')
    expect(html).not.toContain('data-ask-visit-password')
  })

  it('is amber when the pass is for another ID pelanggan, and amber when none was typed', async () => {
    const app = await createTestApp()
    const mismatch = await startCheck(app, OTHER_CUSTOMER)
    const none = await startCheck(app)
    const { pass, browser } = await givenSignedInOfficer(app)
    expect((await browser.post('/officer/door', { code: mismatch.code, pass: pass.id })).status).toBe(200)
    expect((await browser.post('/officer/door', { code: none.code, pass: pass.id })).status).toBe(200)

    const a = await householdView(app, mismatch.id, mismatch.cookies)
    expect(stateOf(a.html)).toEqual({ state: 'confirmed', face: 'amber', polls: false })
    expect(a.html).toContain('data-customer-match="false"')
    expect(a.html).toContain('BUKAN untuk ID pelanggan')
    const b = await householdView(app, none.id, none.cookies)
    expect(stateOf(b.html)).toEqual({ state: 'confirmed', face: 'amber', polls: false })
    expect(b.html).toContain('data-customer-match="null"')
  })

  it('asks the household to hear its visit password when the ID pelanggan matched, and never shows the word', async () => {
    const app = await createTestApp()
    await setVisitPassword(app.services, { customerId: CUSTOMER_ID, word: 'kembang sepatu', actor: 'test' })
    const { id, cookies, code } = await startCheck(app, CUSTOMER_ID)
    const { pass, browser } = await givenSignedInOfficer(app)
    await browser.post('/officer/door', { code, pass: pass.id })
    const { html } = await householdView(app, id, cookies)
    expect(html).toContain('Minta petugas menyebutkan kata sandi kunjungan Anda')
    expect(html).not.toContain('kembang sepatu')
    const json = await (await app.request(`/api/v1/door-checks/${id}`)).text()
    expect(json).not.toContain('kembang sepatu')
  })

  it('lists the pass for the household’s ID pelanggan first', async () => {
    const app = await createTestApp()
    const { officer, pass: other, browser } = await givenSignedInOfficer(app, { customerId: OTHER_CUSTOMER })
    const mine = await givenPass(app.services, { officer, customerId: CUSTOMER_ID })
    const { code } = await startCheck(app, CUSTOMER_ID)
    const html = await (await browser.get(`/officer/door?code=${code}`)).text()
    expect(html.indexOf(`value="${mine.id}"`)).toBeGreaterThan(-1)
    expect(html.indexOf(`value="${mine.id}"`)).toBeLessThan(html.indexOf(`value="${other.id}"`))
  })

  it('expires after 10 minutes without a genuine confirmation, and then cannot be confirmed', async () => {
    const app = await createTestApp()
    const { id, cookies, code } = await startCheck(app)
    app.clock.advance(10 * MINUTE - 1)
    expect(stateOf((await householdView(app, id, cookies)).html).state).toBe('waiting')
    app.clock.advance(1)
    const { html } = await householdView(app, id, cookies)
    expect(stateOf(html)).toEqual({ state: 'expired', face: 'red', polls: false })
    expect(html).toContain('Tidak ada petugas asli yang mengonfirmasi. Jangan buka pintu.')
    expect(html).toContain('action="/reports"')
    expect(html).toContain('tel:123')
    const { pass, browser } = await givenSignedInOfficer(app)
    const res = await browser.post('/officer/door', { code, pass: pass.id })
    expect(res.status).toBe(422)
    expect(stateOf((await householdView(app, id, cookies)).html).state).toBe('expired')
  })

  it('is single use: a confirmed code cannot be confirmed again, by the same officer or another', async () => {
    const app = await createTestApp()
    const { id, code } = await startCheck(app)
    const first = await givenSignedInOfficer(app)
    const second = await givenSignedInOfficer(app)
    expect((await first.browser.post('/officer/door', { code, pass: first.pass.id })).status).toBe(200)
    expect((await first.browser.post('/officer/door', { code, pass: first.pass.id })).status).toBe(422)
    const again = await second.browser.post('/officer/door', { code, pass: second.pass.id })
    expect(again.status).toBe(422)
    expect(await again.text()).toContain('tidak dikenal, sudah dipakai, atau sudah kedaluwarsa')
    const [row] = await app.db.select().from(doorChecks).where(eq(doorChecks.id, id)).all()
    expect(row?.officerId).toBe(first.officer.id)
  })

  it('refuses a revoked pass, an ended pass, another officer’s pass and a suspended officer', async () => {
    const app = await createTestApp()
    const { id, code } = await startCheck(app)
    const { officer, pass, browser } = await givenSignedInOfficer(app)
    await revokeCredential(app.services, pass.id, { reason: 'test', actor: 'test' })
    expect((await browser.post('/officer/door', { code, pass: pass.id })).status).toBe(422)

    const short = await givenPass(app.services, { officer, windowStart: app.clock.now(), windowEnd: app.clock.now() + 5 * MINUTE })
    const later = await startCheck(app)
    app.clock.advance(5 * MINUTE + 15 * MINUTE + 1)
    expect((await browser.post('/officer/door', { code: later.code, pass: short.id })).status).toBe(422)

    const fresh = await startCheck(app)
    const other = await givenPass(app.services)
    const live = await givenPass(app.services, { officer })
    expect((await browser.post('/officer/door', { code: fresh.code, pass: other.id })).status).toBe(422)
    await suspendOfficer(app.db, app.clock, officer.employeeNo, { reason: 'test', actor: 'test' })
    const suspended = await browser.post('/officer/door', { code: fresh.code, pass: live.id })
    expect(suspended.status).toBe(303)
    expect(suspended.headers.get('location')).toBe('/login')
    for (const row of await doorChecksInDb(app)) expect(row.state).toBe('waiting')
    expect(id).not.toBe('')
  })

  it('sends anyone without an officer session to /login and confirms nothing; a missing CSRF token is refused', async () => {
    const app = await createTestApp()
    const { code } = await startCheck(app)
    const { pass, browser } = await givenSignedInOfficer(app)
    const anonymous = await app.postForm('/officer/door', { code, pass: pass.id })
    expect(anonymous.status).toBe(303)
    expect(anonymous.headers.get('location')).toBe('/login')
    // Signing in comes back to the code (see "an officer who scans the door QR before signing in").
    expect((await app.request(`/officer/door?code=${code}`)).headers.get('location')).toMatch(/^\/login\?next=/)
    expect((await browser.post('/officer/door', { code, pass: pass.id }, { csrf: null })).status).toBe(403)
    const admin = await givenUser(app, 'admin', null)
    const adminBrowser = await signIn(app, admin.username)
    expect((await adminBrowser.post('/officer/door', { code, pass: pass.id })).status).toBe(403)
    for (const row of await doorChecksInDb(app)) expect(row.state).toBe('waiting')
  })

  it('throttles wrong codes per officer: after 10, even the right code waits, while other officers go on', async () => {
    const app = await createTestApp()
    const { id, code } = await startCheck(app)
    const guesser = await givenSignedInOfficer(app)
    const wrong = code === '000000' ? '000001' : '000000'
    for (let i = 0; i < 10; i++) expect((await guesser.browser.post('/officer/door', { code: wrong, pass: guesser.pass.id })).status).toBe(422)
    const blocked = await guesser.browser.post('/officer/door', { code, pass: guesser.pass.id })
    expect(blocked.status).toBe(429)
    expect(await blocked.text()).toContain('Terlalu banyak kode salah')
    const honest = await givenSignedInOfficer(app)
    expect((await honest.browser.post('/officer/door', { code, pass: honest.pass.id })).status).toBe(200)
    app.clock.advance(10 * MINUTE)
    const next = await startCheck(app)
    expect((await guesser.browser.post('/officer/door', { code: next.code, pass: guesser.pass.id })).status).toBe(200)
    expect(id).not.toBe('')
  })

  it('throttles wrong codes from all officers together', async () => {
    const app = await createTestApp()
    const { code } = await startCheck(app)
    const wrong = code === '000000' ? '000001' : '000000'
    // 30 officers' sessions made directly: signing in 30 times from one address would meet the login throttle.
    for (let i = 0; i < 30; i++) {
      const officer = await givenOfficer(app.services)
      const pass = await givenPass(app.services, { officer })
      const user = await givenUser(app, 'officer', officer)
      const session = await createSession(app.db, app.clock, user.id)
      for (let j = 0; j < 10; j++) {
        const res = await app.postForm('/officer/door', { _csrf: session.csrfToken, code: wrong, pass: pass.id }, { cookie: `cp_session=${session.token}` })
        expect(res.status).toBe(422)
      }
    }
    const latecomer = await givenSignedInOfficer(app)
    expect((await latecomer.browser.post('/officer/door', { code, pass: latecomer.pass.id })).status).toBe(429)
  }, 60_000)

  it('audits every confirmation in the hash chain, and nothing for a refusal', async () => {
    const app = await createTestApp()
    const { officer, pass, user, browser } = await givenSignedInOfficer(app)
    const before = (await app.db.select().from(auditLog).where(eq(auditLog.action, 'door_check.confirmed')).all()).length
    const checks = [await startCheck(app, CUSTOMER_ID), await startCheck(app)]
    for (const check of checks) await browser.post('/officer/door', { code: check.code, pass: pass.id })
    await browser.post('/officer/door', { code: checks[0]!.code, pass: pass.id })
    const rows = await app.db.select().from(auditLog).where(eq(auditLog.action, 'door_check.confirmed')).all()
    expect(rows).toHaveLength(before + 2)
    expect(rows.map((row) => row.subject)).toEqual(checks.map((check) => `door_check:${check.id}`))
    expect(rows.every((row) => row.actor === user.username)).toBe(true)
    expect(JSON.parse(rows[0]!.details)).toEqual({ officerId: officer.id, credentialId: pass.id, customerMatch: true })
    expect(await verifyAuditChain(app.db)).toMatchObject({ ok: true })
  })

  it('answers bad input with a clear 4xx, never a 500', async () => {
    const app = await createTestApp()
    const { pass, browser } = await givenSignedInOfficer(app)
    const cases: [Record<string, string>, number][] = [
      [{ code: 'abcdef', pass: pass.id }, 400],
      [{ code: '', pass: '' }, 400],
      [{ code: '1234567', pass: pass.id }, 400],
      [{ code: '123456', pass: '' }, 422],
      [{ code: '123456', pass: 'x'.repeat(5000) }, 422],
    ]
    for (const [fields, status] of cases) expect((await browser.post('/officer/door', fields)).status, JSON.stringify(fields).slice(0, 60)).toBe(status)
    const multipart = await app.request('/door', { method: 'POST', body: 'garbage', headers: { 'content-type': 'multipart/form-data', origin: PUBLIC_URL } })
    expect(multipart.status).toBe(400)
    const huge = await app.postForm('/door', { customer: '1'.repeat(10_000) })
    expect(huge.status).toBe(413)
    expect((await browser.get('/officer/door?code=<script>')).status).toBe(200)
  })
})

describe('GET /door/<id>/state (the fragment the page polls)', () => {
  it('answers a waiting htmx poll with 204 and the change with a <main> that stops polling', async () => {
    const app = await createTestApp()
    const { id, cookies, code } = await startCheck(app)
    const poll = () => app.request(`/door/${id}/state`, { headers: { cookie: cookies, 'hx-request': 'true' } })
    expect((await poll()).status).toBe(204)
    const direct = await app.request(`/door/${id}/state`, { headers: { cookie: cookies } })
    expect(stateOf(await direct.text()).state).toBe('waiting')
    const { pass, browser } = await givenSignedInOfficer(app)
    await browser.post('/officer/door', { code, pass: pass.id })
    const changed = await poll()
    expect(changed.status).toBe(200)
    const html = await changed.text()
    expect(html.startsWith('<main')).toBe(true)
    expect(stateOf(html)).toEqual({ state: 'confirmed', face: 'amber', polls: false })
  })
})

describe('an officer who scans the door QR before signing in', () => {
  /** GET /login?next=… and POST the form with what the page carried, as a browser does. */
  async function signInFrom(app: TestApp, loginPath: string, username: string) {
    const page = await app.request(loginPath)
    const cookies = mergeCookies('', page)
    const html = await page.text()
    const formToken = /name="_form" value="([^"]+)"/.exec(html)?.[1] ?? ''
    const next = /name="next" value="([^"]+)"/.exec(html)?.[1]
    return app.request('/login', {
      method: 'POST',
      body: new URLSearchParams({ _form: formToken, username, password: PASSWORD, ...(next === undefined ? {} : { next: next.replaceAll('&amp;', '&') }) }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL, cookie: cookies },
    })
  }

  it('comes back to the same code after signing in', async () => {
    const app = await createTestApp()
    const { code } = await startCheck(app)
    const scanned = await app.request(`/officer/door?code=${code}`)
    expect(scanned.status).toBe(303)
    const loginPath = scanned.headers.get('location') ?? ''
    expect(loginPath).toBe(`/login?next=${encodeURIComponent(`/officer/door?code=${code}`)}`)
    const officer = await givenOfficer(app.services)
    const user = await givenUser(app, 'officer', officer)
    const signedIn = await signInFrom(app, loginPath, user.username)
    expect(signedIn.status).toBe(303)
    expect(signedIn.headers.get('location')).toBe(`/officer/door?code=${code}`)
  })

  it('never leaves the site, whatever the link says to return to', async () => {
    const app = await createTestApp()
    const officer = await givenOfficer(app.services)
    const user = await givenUser(app, 'officer', officer)
    for (const next of ['//evil.example/officer', 'https://evil.example/officer', '/\\evil.example', '/officer/../../evil', 'javascript:alert(1)', '/r/LPR-0000']) {
      const signedIn = await signInFrom(app, `/login?next=${encodeURIComponent(next)}`, user.username)
      expect(signedIn.headers.get('location'), next).toBe('/officer')
    }
  })
})

describe('a held poll', () => {
  it('answers with the confirmation as soon as the officer confirms, instead of 204 and a wait for the next poll', async () => {
    const app = await createTestApp({ config: { doorPollHoldMs: 10_000 } })
    const { id, cookies, code } = await startCheck(app)
    const held = app.request(`/door/${id}/state`, { headers: { cookie: cookies, 'hx-request': 'true' } })
    const { pass, browser } = await givenSignedInOfficer(app)
    await browser.post('/officer/door', { code, pass: pass.id })
    const answer = await held
    expect(answer.status).toBe(200)
    expect(stateOf(await answer.text())).toEqual({ state: 'confirmed', face: 'amber', polls: false })
  })
})

describe('the JSON API', () => {
  const post = (app: TestApp, body: string) =>
    app.request('/api/v1/door-checks', { method: 'POST', body, headers: { 'content-type': 'application/json', origin: PUBLIC_URL } })

  it('POST /api/v1/door-checks → 201 {id, code, expiresAt, url}; GET → {state, officer, pass, customerMatch}', async () => {
    const app = await createTestApp()
    const res = await post(app, JSON.stringify({ customer: CUSTOMER_ID }))
    expect(res.status).toBe(201)
    const started = (await res.json()) as Record<string, string>
    expect(Object.keys(started).sort()).toEqual(['code', 'expiresAt', 'id', 'url'])
    expect(started.code).toMatch(/^\d{6}$/)
    expect(started.url).toBe(`${PUBLIC_URL}/door/${started.id}`)
    expect(Date.parse(started.expiresAt!)).toBe(app.clock.now() + 10 * MINUTE)

    const waiting = await (await app.request(`/api/v1/door-checks/${started.id}`)).json()
    expect(waiting).toEqual({ state: 'waiting', officer: null, pass: null, customerMatch: null })

    const { officer, pass, browser } = await givenSignedInOfficer(app)
    await browser.post('/officer/door', { code: started.code!, pass: pass.id })
    const confirmed = (await (await app.request(`/api/v1/door-checks/${started.id}`)).json()) as Record<string, unknown>
    expect(confirmed).toMatchObject({
      state: 'confirmed',
      officer: { employeeNo: officer.employeeNo, name: officer.name },
      pass: { id: pass.id, purpose: { code: 'CATAT_METER' }, ktpPolicy: 'none', customerLast4: '2345' },
      customerMatch: true,
    })
    expect(JSON.stringify(confirmed)).not.toContain(started.code)

    app.clock.advance(10 * MINUTE)
    const later = await post(app, '{}')
    const expired = (await later.json()) as { id: string }
    app.clock.advance(10 * MINUTE)
    expect(await (await app.request(`/api/v1/door-checks/${expired.id}`)).json()).toEqual({ state: 'expired', officer: null, pass: null, customerMatch: null })
    // A confirmed check stays confirmed.
    expect(((await (await app.request(`/api/v1/door-checks/${started.id}`)).json()) as { state: string }).state).toBe('confirmed')
  })

  it('refuses malformed JSON, a bad customer, and an unknown id with a JSON 4xx', async () => {
    const app = await createTestApp()
    for (const body of ['{', '[]', '{"customer": 12}', '{"customer": "12"}', 'null']) {
      const res = await post(app, body)
      expect(res.status, body).toBe(400)
      expect(((await res.json()) as { error: string }).error).toBeTruthy()
    }
    const missing = await app.request('/api/v1/door-checks/AAAAAAAAAAAAAAAAAAAAAA')
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as { error: string }).error).toBe('not_found')
    expect(await doorChecksInDb(app)).toHaveLength(0)
  })
})
