import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { credentials, sessions, users } from '../db/schema.ts'
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from '../src/auth/sessions.ts'
import { suspendOfficer } from '../src/officers/officers.ts'
import { addUnit } from '../src/officers/officers.ts'
import { createTestApp, givenOfficer, givenPass, PUBLIC_URL, verdictOf } from './helpers.ts'
import { givenUser, mergeCookies, PASSWORD, signIn, submitLogin } from './support/session.ts'

const HOUR = 3600_000

async function passCount(app: Awaited<ReturnType<typeof createTestApp>>) {
  return (await app.db.select().from(credentials).all()).length
}

/** datetime-local values in WIB for the test clock (09:00 WIB). */
const TODAY_10 = '2026-11-23T10:00'
const TODAY_15 = '2026-11-23T15:00'

function passFields(overrides: Record<string, string> = {}) {
  return { customerId: '532100012345', purpose: 'CATAT_METER', ktp: '', workOrder: '', windowStart: TODAY_10, windowEnd: TODAY_15, ...overrides }
}

describe('POST /login', () => {
  it('signs an officer in with a 64-character password, with a fresh HttpOnly session cookie', async () => {
    const app = await createTestApp()
    const officer = await givenOfficer(app.services)
    const long = 'p'.repeat(63) + '!'
    const { createUser } = await import('../src/auth/users.ts')
    await createUser(app.db, app.clock, { username: 'siti', password: long, role: 'officer', officerEmployeeNo: officer.employeeNo })
    const { res } = await submitLogin(app, 'siti', long)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/officer')
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('cp_session='))!
    expect(cookie).toMatch(/HttpOnly/i)
    expect(cookie).toMatch(/SameSite=Lax/i)
    // The stored id is a hash: the cookie value itself is nowhere in the database.
    const token = /cp_session=([^;]+)/.exec(cookie)![1]!
    expect(JSON.stringify(await app.db.select().from(sessions).all())).not.toContain(token)
  })

  it('never truncates: the 64-character password minus its last character is refused', async () => {
    const app = await createTestApp()
    const officer = await givenOfficer(app.services)
    const long = 'p'.repeat(63) + '!'
    const { createUser } = await import('../src/auth/users.ts')
    await createUser(app.db, app.clock, { username: 'siti', password: long, role: 'officer', officerEmployeeNo: officer.employeeNo })
    expect((await submitLogin(app, 'siti', long.slice(0, 63))).res.status).toBe(401)
  })

  it('uses __Host- and Secure cookies in production', async () => {
    const app = await createTestApp({ config: { production: true } })
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    const { res } = await submitLogin(app, user.username, PASSWORD)
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('__Host-cp_session='))!
    expect(cookie).toMatch(/Secure/)
    expect(cookie).toMatch(/Path=\//)
    expect(cookie).not.toMatch(/Domain=/i)
  })

  it('answers a wrong password and an unknown user identically', async () => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    const wrong = await submitLogin(app, user.username, 'not-the-password')
    const unknown = await submitLogin(app, 'nobody-here', 'not-the-password')
    expect(wrong.res.status).toBe(401)
    expect(unknown.res.status).toBe(401)
    const message = (html: string) => /<p id="login-error"[^>]*>([^<]+)</.exec(html)?.[1]
    expect(message(await wrong.res.text())).toBe('Nama pengguna atau kata sandi salah.')
    expect(message(await unknown.res.text())).toBe('Nama pengguna atau kata sandi salah.')
  })

  it('refuses a login form that was not served by us', async () => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    const res = await app.request('/login', {
      method: 'POST',
      body: new URLSearchParams({ username: user.username, password: PASSWORD, _form: 'guessed' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL, cookie: 'cp_login_form=other' },
    })
    expect(res.status).toBe(403)
    expect(await app.db.select().from(sessions).all()).toHaveLength(0)
  })

  it('throttles guessing with 429, but the officer’s own phone still gets in', async () => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    // The officer signed in on this phone before: it holds a device cookie.
    const earlier = await submitLogin(app, user.username, PASSWORD)
    const phone = earlier.cookies.split('; ').filter((c) => c.startsWith('cp_device=')).join('; ')
    const statuses: number[] = []
    for (let i = 0; i < 12; i++) statuses.push((await submitLogin(app, user.username, `guess-${i}`)).res.status)
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true)
    expect(statuses.at(-1)).toBe(429)
    const blocked = await submitLogin(app, user.username, PASSWORD)
    expect(blocked.res.status).toBe(429)
    expect(await blocked.res.text()).toContain('Terlalu banyak percobaan masuk')
    expect((await submitLogin(app, user.username, PASSWORD, phone)).res.status).toBe(303)
  })

  it('lets the lock lapse: it is never indefinite', async () => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    for (let i = 0; i < 11; i++) await submitLogin(app, user.username, `guess-${i}`)
    expect((await submitLogin(app, user.username, PASSWORD)).res.status).toBe(429)
    app.clock.advance(16 * 60_000)
    expect((await submitLogin(app, user.username, PASSWORD)).res.status).toBe(303)
  })
})

describe('sessions', () => {
  it('sends a signed-out visitor and a forged cookie to the login page', async () => {
    const app = await createTestApp()
    expect((await app.request('/officer')).headers.get('location')).toBe('/login')
    const forged = await app.request('/officer', { headers: { cookie: 'cp_session=forged-token' } })
    expect(forged.status).toBe(303)
    expect(forged.headers.get('location')).toBe('/login')
  })

  it('ends after an idle hour and after twelve hours in any case', async () => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    const browser = await signIn(app, user.username)
    app.clock.advance(SESSION_IDLE_MS + 1000)
    expect((await browser.get('/officer')).status).toBe(303)

    const again = await signIn(app, user.username)
    for (let elapsed = 0; elapsed < SESSION_ABSOLUTE_MS; elapsed += SESSION_IDLE_MS / 2) {
      app.clock.advance(SESSION_IDLE_MS / 2)
      await again.get('/officer')
    }
    expect((await again.get('/officer')).status).toBe(303)
  })

  it('logout ends the session on the server, not just in the browser', async () => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    const browser = await signIn(app, user.username)
    const stolenCookie = browser.cookies
    expect((await browser.post('/logout', {})).status).toBe(303)
    expect((await app.request('/officer', { headers: { cookie: stolenCookie } })).status).toBe(303)
  })

  it('disabling a user or suspending their officer ends their sessions', async () => {
    const app = await createTestApp()
    const officer = await givenOfficer(app.services)
    const first = await givenUser(app, 'officer', officer)
    const browser = await signIn(app, first.username)
    await suspendOfficer(app.db, app.clock, officer.employeeNo, { actor: 'test' })
    expect((await browser.get('/officer')).status).toBe(303)

    const other = await givenUser(app, 'officer', await givenOfficer(app.services))
    const second = await signIn(app, other.username)
    await app.db.update(users).set({ disabledAt: app.clock.now() }).where(eq(users.id, other.id)).run()
    expect((await second.get('/officer')).status).toBe(303)
    expect((await submitLogin(app, other.username, PASSWORD)).res.status).toBe(401)
  })

  it('gives a new session id at login, so a planted cookie is worthless', async () => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    const { res, cookies } = await submitLogin(app, user.username, PASSWORD, 'cp_session=planted-by-attacker')
    expect(res.status).toBe(303)
    const id = /cp_session=([^;]+)/.exec(cookies)?.[1]
    expect(id).toBeTruthy()
    expect(id).not.toBe('planted-by-attacker')
    expect((await app.request('/officer', { headers: { cookie: cookies } })).status).toBe(200)
  })
})

describe('issuing a visit pass', () => {
  it('shows the form with the purposes, their default KTP policy and a default window', async () => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    const html = await (await (await signIn(app, user.username)).get('/officer/passes/new')).text()
    expect(html).toContain('Penertiban Pemakaian Tenaga Listrik (pemeriksaan meter) — KTP: Cukup dilihat, tidak difoto')
    expect(html).toContain('value="2026-11-23T09:00"')
    expect(html).toContain('value="2026-11-23T17:00"')
    expect(html).not.toContain('name="officer"')
  })

  it('issues a pass and goes to the live QR, which a household sees as green', async () => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    const browser = await signIn(app, user.username)
    const res = await browser.post('/officer/passes', passFields({ customerId: '5321-0001-2345' }))
    expect(res.status).toBe(303)
    const live = await browser.get(res.headers.get('location')!)
    const html = await live.text()
    expect(html).toContain('<svg')
    expect(html).toContain('hx-trigger="every 60s"')
    expect(html).toContain(`${PUBLIC_URL}`)
    const pass = (await app.db.select().from(credentials).get())!
    expect(pass.customerLast4).toBe('2345')
  })

  it.each([
    ['an ID pelanggan that is not 12 digits', { customerId: '12345678901' }, 'ID pelanggan harus tepat 12 angka'],
    ['an unknown purpose', { purpose: 'JUAL_METER' }, 'Pilih tujuan kunjungan dari daftar'],
    ['a window in the past', { windowStart: '2026-11-22T08:00', windowEnd: '2026-11-22T10:00' }, 'tidak boleh di masa lalu'],
    ['a window longer than 12 hours', { windowStart: TODAY_10, windowEnd: '2026-11-24T10:00' }, 'paling lama 12 jam'],
    ['an end before the start', { windowStart: TODAY_15, windowEnd: TODAY_10 }, 'setelah waktu mulai'],
    ['a garbled time', { windowStart: '2026-13-45T99:00' }, 'Isi waktu kunjungan dengan benar'],
    ['a KTP photo for a name transfer without a work order', { purpose: 'BALIK_NAMA', ktp: 'photo' }, 'hanya boleh dengan nomor perintah kerja'],
    ['a looser KTP policy than the purpose', { ktp: 'view' }, 'hanya boleh lebih ketat'],
    ['an unknown KTP policy', { ktp: 'scan' }, 'Pilih kebijakan KTP'],
  ])('refuses %s with an inline Indonesian message and changes nothing', async (_name, fields, message) => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    const browser = await signIn(app, user.username)
    const res = await browser.post('/officer/passes', passFields(fields))
    expect(res.status).toBe(422)
    const html = await res.text()
    expect(html).toContain(message)
    expect(html).toContain('aria-invalid="true"')
    expect(await passCount(app)).toBe(0)
  })

  it('allows a stricter KTP policy, and a photo for a name transfer with a work-order number', async () => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    const browser = await signIn(app, user.username)
    expect((await browser.post('/officer/passes', passFields({ purpose: 'P2TL', ktp: 'none' }))).status).toBe(303)
    expect((await browser.post('/officer/passes', passFields({ purpose: 'BALIK_NAMA', ktp: 'photo', workOrder: 'WO/2026/7' }))).status).toBe(303)
    expect(await passCount(app)).toBe(2)
  })

  it('refuses a missing or wrong CSRF token and a cross-origin post, changing nothing', async () => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    const browser = await signIn(app, user.username)
    expect((await browser.post('/officer/passes', passFields(), { csrf: null })).status).toBe(403)
    expect((await browser.post('/officer/passes', passFields(), { csrf: 'wrong' })).status).toBe(403)
    expect((await browser.post('/officer/passes', passFields(), { headers: { origin: 'https://evil.example' } })).status).toBe(403)
    expect(await passCount(app)).toBe(0)
  })

  it('refuses a cross-origin post before looking at the session, so it cannot keep an idle session alive', async () => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    const browser = await signIn(app, user.username)
    const lastSeen = async () => (await app.db.select({ at: sessions.lastSeenAt }).from(sessions).all()).map((row) => row.at)
    const before = await lastSeen()
    app.clock.advance(10 * 60 * 1000)
    expect((await browser.post('/officer/passes', passFields(), { headers: { origin: 'https://evil.example' } })).status).toBe(403)
    expect(await lastSeen()).toEqual(before)
    // A same-origin request at that moment does count as activity.
    expect((await browser.get('/officer/passes/new')).status).toBe(200)
    expect(await lastSeen()).not.toEqual(before)
  })

  it('refuses an oversized body', async () => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    const browser = await signIn(app, user.username)
    expect((await browser.post('/officer/passes', passFields({ workOrder: 'x'.repeat(40_000) }))).status).toBe(413)
    expect(await passCount(app)).toBe(0)
  })
})

describe('the live QR', () => {
  it('re-mints the token after a minute, and stops once the pass is cancelled', async () => {
    const app = await createTestApp()
    const officer = await givenOfficer(app.services)
    const user = await givenUser(app, 'officer', officer)
    const browser = await signIn(app, user.username)
    const pass = await givenPass(app.services, { officer })
    const qr = async () => (await (await browser.get(`/officer/passes/${pass.id}/qr`)).text()).match(/<svg[\s\S]*<\/svg>/)?.[0]
    const first = await qr()
    expect(first).toBeTruthy()
    app.clock.advance(30_000)
    expect(await qr()).toBe(first)
    app.clock.advance(31_000)
    expect(await qr()).not.toBe(first)
    await browser.post(`/officer/passes/${pass.id}/cancel`, {})
    const stopped = await (await browser.get(`/officer/passes/${pass.id}/qr`)).text()
    expect(stopped).toContain('data-stopped="true"')
    expect(stopped).not.toContain('hx-trigger')
  })

  it('sends the fragment gzipped to a phone that accepts it, with the same content', async () => {
    const app = await createTestApp()
    const officer = await givenOfficer(app.services)
    const user = await givenUser(app, 'officer', officer)
    const browser = await signIn(app, user.username)
    const pass = await givenPass(app.services, { officer })
    const plain = await (await browser.get(`/officer/passes/${pass.id}/qr`)).text()
    const zipped = await browser.get(`/officer/passes/${pass.id}/qr`, { 'accept-encoding': 'gzip' })
    expect(zipped.headers.get('content-encoding')).toBe('gzip')
    const { gunzipSync } = await import('node:zlib')
    expect(gunzipSync(Buffer.from(await zipped.arrayBuffer())).toString()).toBe(plain)
  })

  it('tells the officer when the phone is offline and offers the printed pass', async () => {
    const app = await createTestApp()
    const officer = await givenOfficer(app.services)
    const user = await givenUser(app, 'officer', officer)
    const pass = await givenPass(app.services, { officer })
    const html = await (await (await signIn(app, user.username)).get(`/officer/passes/${pass.id}/live`)).text()
    expect(html).toContain('id="offline-notice"')
    expect(html).toContain('HP Anda sedang offline')
    expect(html).toContain(`/officer/passes/${pass.id}/print`)
    expect(html).toMatch(/<script src="\/assets\/officer\.js\?v=/)
  })
})

describe('printing', () => {
  it('prints a pass with QR, photo, name, unit, employer, short code and the real address', async () => {
    const app = await createTestApp()
    const officer = await givenOfficer(app.services, { employer: 'PT Mitra Daya Nusantara' })
    const user = await givenUser(app, 'officer', officer)
    const pass = await givenPass(app.services, { officer })
    const html = await (await (await signIn(app, user.username)).get(`/officer/passes/${pass.id}/print`)).text()
    expect(html).toContain('<svg')
    expect(html).toContain(officer.name)
    expect(html).toContain('UID Jakarta Raya › UP3 Menteng › ULP Cikini')
    expect(html).toContain('Mitra PLN: PT Mitra Daya Nusantara')
    expect(html).toContain(`${pass.code.slice(0, 4)}-${pass.code.slice(4)}`)
    expect(html).toContain(`Periksa keaslian hanya di <strong>${PUBLIC_URL}</strong>`)
  })

  it('issues a badge only on a POST, then prints it and reuses it', async () => {
    const app = await createTestApp()
    const officer = await givenOfficer(app.services)
    const user = await givenUser(app, 'officer', officer)
    const browser = await signIn(app, user.username)
    const before = await (await browser.get('/officer/badge')).text()
    expect(before).toContain('Terbitkan kartu petugas')
    expect(await app.db.select().from(credentials).where(eq(credentials.kind, 'badge')).all()).toHaveLength(0)
    const issued = await browser.post(`/officer/badge?officer=${officer.employeeNo}`, {})
    expect(issued.status).toBe(303)
    expect(await (await browser.get(issued.headers.get('location')!)).text()).toContain('badge-card')
    await browser.post(`/officer/badge?officer=${officer.employeeNo}`, {})
    expect(await app.db.select().from(credentials).where(eq(credentials.kind, 'badge')).all()).toHaveLength(1)
  })
})

describe('cancelling a pass', () => {
  it('turns the pass red on its next scan', async () => {
    const app = await createTestApp()
    const officer = await givenOfficer(app.services)
    const user = await givenUser(app, 'officer', officer)
    const pass = await givenPass(app.services, { officer })
    const browser = await signIn(app, user.username)
    expect(verdictOf(await (await app.request(`/v/${pass.token}`)).text())).toBe('valid')
    const res = await browser.post(`/officer/passes/${pass.id}/cancel`, {})
    expect(res.status).toBe(303)
    expect(verdictOf(await (await app.request(`/v/${pass.token}`)).text())).toBe('revoked')
    expect(await (await browser.get('/officer/passes?cancelled=1')).text()).toContain('data-status="revoked"')
  })
})

describe('roles', () => {
  async function world() {
    const app = await createTestApp()
    await addUnit(app.db, { code: 'ULP-GBR', name: 'ULP Gambir', level: 'ULP', parentCode: 'UP3-MTG' })
    await addUnit(app.db, { code: 'UID-JTY', name: 'UID Jawa Tengah & DIY', level: 'UID' })
    await addUnit(app.db, { code: 'ULP-JTB', name: 'ULP Jatibarang', level: 'ULP', parentCode: 'UID-JTY' })
    const mine = await givenOfficer(app.services, { unitCode: 'ULP-CKN' })
    const colleague = await givenOfficer(app.services, { unitCode: 'ULP-GBR' })
    const elsewhere = await givenOfficer(app.services, { unitCode: 'ULP-JTB' })
    const supervisorOfficer = await givenOfficer(app.services, { unitCode: 'UP3-MTG', roleTitle: 'Supervisor' })
    const officerUser = await givenUser(app, 'officer', mine)
    const supervisorUser = await givenUser(app, 'supervisor', supervisorOfficer)
    const adminUser = await givenUser(app, 'admin', null)
    return { app, mine, colleague, elsewhere, officerUser, supervisorUser, adminUser }
  }

  it('an officer issues and cancels only their own passes', async () => {
    const w = await world()
    const browser = await signIn(w.app, w.officerUser.username)
    expect((await browser.post('/officer/passes', passFields())).status).toBe(303)
    expect((await browser.post('/officer/passes', passFields({ officer: w.colleague.employeeNo }))).status).toBe(403)
    const theirs = await givenPass(w.app.services, { officer: w.colleague })
    expect((await browser.get(`/officer/passes/${theirs.id}/live`)).status).toBe(404)
    expect((await browser.get(`/officer/passes/${theirs.id}/print`)).status).toBe(404)
    expect((await browser.post(`/officer/passes/${theirs.id}/cancel`, {})).status).toBe(404)
    expect(verdictOf(await (await w.app.request(`/v/${theirs.token}`)).text())).toBe('valid')
    expect((await browser.get(`/officer/badge?officer=${w.colleague.employeeNo}`)).status).toBe(403)
    expect(await (await browser.get('/officer/passes')).text()).not.toContain(theirs.id)
  })

  it('a supervisor acts for officers of their unit and below, not elsewhere', async () => {
    const w = await world()
    const browser = await signIn(w.app, w.supervisorUser.username)
    expect((await browser.post('/officer/passes', passFields({ officer: w.mine.employeeNo }))).status).toBe(303)
    expect((await browser.post('/officer/passes', passFields({ officer: w.colleague.employeeNo }))).status).toBe(303)
    expect((await browser.post('/officer/passes', passFields({ officer: w.elsewhere.employeeNo }))).status).toBe(403)
    const far = await givenPass(w.app.services, { officer: w.elsewhere })
    expect((await browser.post(`/officer/passes/${far.id}/cancel`, {})).status).toBe(404)
    const near = await givenPass(w.app.services, { officer: w.colleague })
    expect((await browser.post(`/officer/passes/${near.id}/cancel`, {})).status).toBe(303)
    const form = await (await browser.get('/officer/passes/new')).text()
    expect(form).toContain(w.colleague.employeeNo)
    expect(form).not.toContain(w.elsewhere.employeeNo)
  })

  it('an admin acts for every officer', async () => {
    const w = await world()
    const browser = await signIn(w.app, w.adminUser.username)
    expect((await browser.post('/officer/passes', passFields({ officer: w.elsewhere.employeeNo }))).status).toBe(303)
    const far = await givenPass(w.app.services, { officer: w.elsewhere })
    expect((await browser.post(`/officer/passes/${far.id}/cancel`, {})).status).toBe(303)
  })

  it('an id tampered in the URL or form cannot reach another officer’s pass', async () => {
    const w = await world()
    const browser = await signIn(w.app, w.officerUser.username)
    for (const id of ['../../admin', 'x'.repeat(200), "' or 1=1 --", '%00']) {
      expect((await browser.get(`/officer/passes/${encodeURIComponent(id)}/live`)).status).toBe(404)
    }
    expect((await browser.post('/officer/passes', passFields({ officer: "' or 1=1 --" }))).status).toBe(403)
  })

  it('keeps households out of the portal', async () => {
    const w = await world()
    const res = await w.app.request('/officer/passes/new')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/login')
    expect(mergeCookies('', res)).toBe('')
  })
})

describe('GET /login', () => {
  it('is in Indonesian with labelled inputs, and says households need not sign in', async () => {
    const html = await (await (await createTestApp()).request('/login')).text()
    expect(html).toContain('<label for="username">Nama pengguna</label>')
    expect(html).toContain('<label for="password">Kata sandi</label>')
    expect(html).toContain('Warga tidak perlu masuk')
  })

  it('keeps a clock-independent session lifetime of at most 12 hours', () => {
    expect(SESSION_ABSOLUTE_MS).toBeLessThanOrEqual(12 * HOUR)
  })
})
