import { createHash } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { auditLog, sessions, users } from '../db/schema.ts'
import { SESSION_IDLE_MS } from '../src/auth/sessions.ts'
import { createTestApp, givenOfficer, PUBLIC_URL } from './helpers.ts'
import { givenReport } from './support/reports.ts'
import { givenUser, mergeCookies, PASSWORD, signIn, submitLogin } from './support/session.ts'

type TestApp = Awaited<ReturnType<typeof createTestApp>>

function auditRows(app: TestApp, action: string) {
  return app.db.select().from(auditLog).where(eq(auditLog.action, action)).all()
}

function cookieNamed(cookies: string, name: string): string {
  return cookies
    .split('; ')
    .filter((pair) => pair.startsWith(`${name}=`))
    .join('; ')
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('failed logins in the audit log', () => {
  it('never stores a typed name that is no user (it may be a password), only "unknown user" and a keyed hash', async () => {
    const app = await createTestApp()
    const typed = 'Rahasia-Sekali-2026!'
    await submitLogin(app, typed, 'whatever-was-typed')
    await submitLogin(app, typed, 'another-try-here')
    await submitLogin(app, 'someone-else', 'another-try-here')
    const rows = await auditRows(app, 'login.failed')
    expect(rows).toHaveLength(3)
    const everything = JSON.stringify(await app.db.select().from(auditLog).all()).toLowerCase()
    expect(everything).not.toContain(typed.toLowerCase())
    expect(everything).not.toContain('someone-else')
    const details = rows.map((row) => JSON.parse(row.details) as { known: boolean; usernameHmac?: string })
    expect(rows.map((row) => row.actor)).toEqual(['unknown user', 'unknown user', 'unknown user'])
    expect(details.every((d) => d.known === false)).toBe(true)
    // The same typed name gives the same hash, so repeated guessing still shows as one pattern…
    expect(details[0]!.usernameHmac).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(details[1]!.usernameHmac).toBe(details[0]!.usernameHmac)
    expect(details[2]!.usernameHmac).not.toBe(details[0]!.usernameHmac)
    // …but it is keyed: a plain hash of the name does not find it.
    const plain = createHash('sha256').update(typed.toLowerCase()).digest('base64url')
    expect(details[0]!.usernameHmac).not.toBe(plain)
  })

  it('still names a real user whose password was wrong', async () => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    await submitLogin(app, user.username, 'not-the-password')
    const [row] = await auditRows(app, 'login.failed')
    expect(row!.actor).toBe(user.username)
    expect(row!.subject).toBe(`user:${user.username}`)
  })
})

describe('login throttling and the trusted device', () => {
  it('lets the officer’s own phone in with the right password while its address is locked by 30 wrong passwords', async () => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    const earlier = await submitLogin(app, user.username, PASSWORD)
    const phone = cookieNamed(earlier.cookies, 'cp_device')
    expect(phone).not.toBe('')
    // An attacker on the same address (carrier NAT, the office Wi-Fi) guesses other accounts and this one.
    const statuses: number[] = []
    for (let i = 0; i < 31; i++) statuses.push((await submitLogin(app, i % 2 ? user.username : `guess-${i}`, `wrong-${i}`)).res.status)
    expect(statuses.at(-1)).toBe(429)
    expect((await submitLogin(app, user.username, PASSWORD)).res.status).toBe(429)
    const own = await submitLogin(app, user.username, PASSWORD, phone)
    expect(own.res.status).toBe(303)
    expect(own.res.headers.get('location')).toBe('/officer')
  })

  it('gives the device cookie its own limit, and it works only for the account it was issued to', async () => {
    const app = await createTestApp()
    const siti = await givenUser(app, 'officer', await givenOfficer(app.services))
    const budi = await givenUser(app, 'officer', await givenOfficer(app.services))
    const phone = cookieNamed((await submitLogin(app, siti.username, PASSWORD)).cookies, 'cp_device')
    for (let i = 0; i < 31; i++) await submitLogin(app, `guess-${i}`, `wrong-${i}`)
    // Siti's cookie does not open the locked address for Budi.
    expect((await submitLogin(app, budi.username, PASSWORD, phone)).res.status).toBe(429)
    // Someone holding Siti's phone gets ten guesses, then that device is locked too.
    const guesses: number[] = []
    for (let i = 0; i < 11; i++) guesses.push((await submitLogin(app, siti.username, `phone-guess-${i}`, phone)).res.status)
    expect(guesses.slice(0, 10)).toEqual(Array(10).fill(401))
    expect(guesses.at(-1)).toBe(429)
    expect((await submitLogin(app, siti.username, PASSWORD, phone)).res.status).toBe(429)
  })
})

describe('sessions at login and logout', () => {
  it('deletes the old session row at login, not just the cookie', async () => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    // A login form left open in another tab, then a sign-in elsewhere in the same browser.
    const formPage = await app.request('/login')
    const formCookies = mergeCookies('', formPage)
    const formToken = /name="_form" value="([^"]+)"/.exec(await formPage.text())![1]!
    const first = await signIn(app, user.username)
    expect(await app.db.select().from(sessions).all()).toHaveLength(1)
    const res = await app.request('/login', {
      method: 'POST',
      body: new URLSearchParams({ _form: formToken, username: user.username, password: PASSWORD }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL, cookie: mergeCookies(formCookies, new Response(null, { headers: [['set-cookie', first.cookies.split('; ').find((c) => c.startsWith('cp_session='))!]] })) },
    })
    expect(res.status).toBe(303)
    const rows = await app.db.select().from(sessions).all()
    expect(rows).toHaveLength(1)
    expect((await first.get('/officer')).status).toBe(303)
  })

  it('takes a tab whose session already ended from logout to /login, never a 403', async () => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    const browser = await signIn(app, user.username)
    app.clock.advance(SESSION_IDLE_MS + 1000)
    const res = await browser.post('/logout', {})
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/login')
    expect(res.headers.getSetCookie().some((c) => c.startsWith('cp_session=') && /Max-Age=0/i.test(c))).toBe(true)
    // With no cookie at all, the same.
    const bare = await app.request('/logout', { method: 'POST', headers: { origin: PUBLIC_URL } })
    expect(bare.status).toBe(303)
    expect(bare.headers.get('location')).toBe('/login')
    // Its body is never read, so not even an unreadable one stops it.
    const broken = await app.request('/logout', { method: 'POST', headers: { origin: PUBLIC_URL, 'content-type': 'multipart/form-data; boundary=x' }, body: '--x\r\nbroken' })
    expect(broken.status).toBe(303)
    expect(broken.headers.get('location')).toBe('/login')
  })

  it('still refuses a logout of a live session without its CSRF token', async () => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    const browser = await signIn(app, user.username)
    expect((await browser.post('/logout', {}, { csrf: 'forged' })).status).toBe(403)
    expect((await browser.get('/officer')).status).toBe(200)
  })
})

describe('cookies in production', () => {
  it('gives every cookie the __Host- prefix, Secure and Path=/', async () => {
    const app = await createTestApp({ config: { production: true } })
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    const lang = await app.request('/?lang=en')
    const { res } = await submitLogin(app, user.username, PASSWORD)
    const page = await app.request('/login')
    const all = [...lang.headers.getSetCookie(), ...res.headers.getSetCookie(), ...page.headers.getSetCookie()]
    const names = all.map((line) => line.slice(0, line.indexOf('=')))
    expect(names).toEqual(expect.arrayContaining(['__Host-lang', '__Host-cp_session', '__Host-cp_device', '__Host-cp_login_form']))
    for (const line of all) {
      expect(line).toMatch(/^__Host-/)
      expect(line).toMatch(/; Secure/i)
      expect(line).toMatch(/; Path=\//)
      expect(line).not.toMatch(/Domain=/i)
    }
  })

  it('keeps the trusted device working in production under its __Host- name', async () => {
    const app = await createTestApp({ config: { production: true } })
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    const phone = cookieNamed((await submitLogin(app, user.username, PASSWORD)).cookies, '__Host-cp_device')
    expect(phone).not.toBe('')
    for (let i = 0; i < 31; i++) await submitLogin(app, `guess-${i}`, `wrong-${i}`)
    expect((await submitLogin(app, user.username, PASSWORD, phone)).res.status).toBe(303)
  })

  it('remembers the language under the __Host- name in production and the plain name in development', async () => {
    const prod = await createTestApp({ config: { production: true } })
    expect(await (await prod.request('/', { headers: { cookie: '__Host-lang=en' } })).text()).toContain('<html lang="en"')
    const dev = await createTestApp()
    expect((await dev.request('/?lang=en')).headers.getSetCookie()[0]).toMatch(/^lang=en;/)
    expect(await (await dev.request('/', { headers: { cookie: 'lang=en' } })).text()).toContain('<html lang="en"')
  })
})

describe('report export and cross-site requests', () => {
  async function exportWorld() {
    const app = await createTestApp({ config: { rateLimit: false } })
    const admin = await givenUser(app, 'admin', null)
    await givenReport(app, { note: 'catatan ekspor' })
    return { app, browser: await signIn(app, admin.username) }
  }

  it('refuses a GET export that a cross-site page started, and writes no audit row', async () => {
    const { app, browser } = await exportWorld()
    const crossSite: Record<string, string>[] = [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { referer: 'https://evil.example/page' }, { origin: 'https://evil.example' }]
    for (const headers of crossSite) {
      const res = await browser.get('/admin/reports.csv?status=new', headers)
      expect(res.status, JSON.stringify(headers)).toBe(403)
      expect(res.headers.get('content-type')).not.toMatch(/csv/)
    }
    expect(await auditRows(app, 'reports.exported')).toHaveLength(0)
  })

  it('keeps the old GET form working from our own pages, a bookmark, or a client without fetch metadata', async () => {
    const { app, browser } = await exportWorld()
    const ours: Record<string, string>[] = [{ 'sec-fetch-site': 'same-origin' }, { 'sec-fetch-site': 'none' }, {}, { referer: `${PUBLIC_URL}/admin/reports` }]
    for (const headers of ours) {
      const res = await browser.get('/admin/reports.csv', headers)
      expect(res.status, JSON.stringify(headers)).toBe(200)
      expect(await res.text()).toContain('catatan ekspor')
    }
    expect(await auditRows(app, 'reports.exported')).toHaveLength(4)
  })

  it('exports from a POST form carrying the CSRF token, with the queue’s filters', async () => {
    const { app, browser } = await exportWorld()
    const page = await (await browser.get('/admin/reports?status=new')).text()
    const form = /<form[^>]*action="\/admin\/reports\.csv"[^>]*>([\s\S]*?)<\/form>/.exec(page)
    expect(form?.[0]).toMatch(/method="post"/)
    expect(form?.[1]).toContain('name="_csrf"')
    expect(form?.[1]).toMatch(/name="status" value="new"/)
    const res = await browser.post('/admin/reports.csv', { status: 'new' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toMatch(/attachment/)
    expect(await res.text()).toContain('catatan ekspor')
    const [row] = await auditRows(app, 'reports.exported')
    expect(JSON.parse(row!.details)).toMatchObject({ status: 'new' })
    expect((await browser.post('/admin/reports.csv', {}, { csrf: 'forged' })).status).toBe(403)
    expect(await auditRows(app, 'reports.exported')).toHaveLength(1)
  })
})

describe('the last admin', () => {
  it('cannot disable or demote itself by writing its name in capitals', async () => {
    const app = await createTestApp()
    const admin = await givenUser(app, 'admin', null, 'kepala')
    const browser = await signIn(app, admin.username)
    expect((await browser.post('/admin/users/KEPALA/disable', {})).status).toBe(409)
    expect((await browser.post('/admin/users/Kepala/role', { role: 'supervisor' })).status).toBe(409)
    const row = (await app.db.select().from(users).where(eq(users.id, admin.id)).get())!
    expect(row.disabledAt).toBeNull()
    expect(row.role).toBe('admin')
    expect((await browser.get('/admin/users')).status).toBe(200)
  })

  it('cannot be disabled or demoted by anyone while it is the only enabled admin', async () => {
    const { setUserDisabled, changeUserRole } = await import('../src/auth/users.ts')
    const app = await createTestApp()
    const first = await givenUser(app, 'admin', await givenOfficer(app.services), 'admin-satu')
    const second = await givenUser(app, 'admin', null, 'admin-dua')
    await setUserDisabled(app.db, app.clock, second.username, true, first.username)
    await expect(setUserDisabled(app.db, app.clock, 'ADMIN-SATU', true, 'cli')).rejects.toThrow(/last enabled admin/)
    await expect(changeUserRole(app.db, app.clock, first.username, 'supervisor', 'cli')).rejects.toThrow(/last enabled admin/)
    expect((await app.db.select().from(users).where(eq(users.id, first.id)).get())!.disabledAt).toBeNull()
    await setUserDisabled(app.db, app.clock, second.username, false, 'cli')
    expect((await setUserDisabled(app.db, app.clock, first.username, true, 'cli')).disabledAt).not.toBeNull()
  })
})

describe('a corrupt stored password hash', () => {
  it('is logged once with the user id (never the hash or the password), and the login fails calmly', async () => {
    const app = await createTestApp()
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    const corrupt = '$argon2id$v=19$m=19456,t=2,p=1$broken'
    await app.db.update(users).set({ passwordHash: corrupt }).where(eq(users.id, user.id)).run()
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const { res } = await submitLogin(app, user.username, PASSWORD)
    expect(res.status).toBe(401)
    expect(await res.text()).toContain('Nama pengguna atau kata sandi salah.')
    expect(errors).toHaveBeenCalledTimes(1)
    const logged = errors.mock.calls[0]!.map(String).join(' ')
    expect(logged).toContain(`user ${user.id}`)
    expect(logged).not.toContain(corrupt)
    expect(logged).not.toContain('broken')
    expect(logged).not.toContain(PASSWORD)
  })
})
