import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { credentials } from '../db/schema.ts'
import { addUnit, suspendOfficer } from '../src/officers/officers.ts'
import { createTestApp, givenOfficer, givenPass, PUBLIC_URL } from './helpers.ts'
import { givenUser, mergeCookies, PASSWORD, signIn, submitLogin } from './support/session.ts'

type TestApp = Awaited<ReturnType<typeof createTestApp>>

async function world() {
  const app = await createTestApp()
  await addUnit(app.db, { code: 'ULP-GBR', name: 'ULP Gambir', level: 'ULP', parentCode: 'UP3-MTG' })
  const officer = await givenOfficer(app.services, { unitCode: 'ULP-CKN' })
  const colleague = await givenOfficer(app.services, { unitCode: 'ULP-GBR' })
  const officerUser = await givenUser(app, 'officer', officer)
  const colleagueUser = await givenUser(app, 'officer', colleague)
  const supervisorUser = await givenUser(app, 'supervisor', await givenOfficer(app.services, { unitCode: 'UP3-MTG', roleTitle: 'Supervisor' }))
  const adminUser = await givenUser(app, 'admin', null)
  return { app, officer, colleague, officerUser, colleagueUser, supervisorUser, adminUser }
}

/** Opens /login?next=… as a browser would and submits its form, hidden `next` included. */
async function loginReturningTo(app: TestApp, username: string, next: string) {
  const page = await app.request(`/login?next=${encodeURIComponent(next)}`)
  const cookies = mergeCookies('', page)
  const html = await page.text()
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? ''
  return app.request('/login', {
    method: 'POST',
    body: new URLSearchParams({ _form: field('_form'), next: field('next').replaceAll('&amp;', '&'), username, password: PASSWORD }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL, cookie: cookies },
  })
}

async function isRevoked(app: TestApp, id: string) {
  const [row] = await app.db.select({ revokedAt: credentials.revokedAt }).from(credentials).where(eq(credentials.id, id))
  return row?.revokedAt !== null
}

describe('where staff land after signing in', () => {
  it('sends an officer to the portal and a supervisor and an admin to the console', async () => {
    const w = await world()
    expect((await submitLogin(w.app, w.officerUser.username, PASSWORD)).res.headers.get('location')).toBe('/officer')
    expect((await submitLogin(w.app, w.supervisorUser.username, PASSWORD)).res.headers.get('location')).toBe('/admin')
    expect((await submitLogin(w.app, w.adminUser.username, PASSWORD)).res.headers.get('location')).toBe('/admin')
  })

  it('sends a supervisor who is already signed in from /login to the console', async () => {
    const w = await world()
    const spv = await signIn(w.app, w.supervisorUser.username)
    expect((await spv.get('/login')).headers.get('location')).toBe('/admin')
    const officer = await signIn(w.app, w.officerUser.username)
    expect((await officer.get('/login')).headers.get('location')).toBe('/officer')
  })

  it('still follows a safe return path where the role may go: the door check for a supervisor, a console page for an admin', async () => {
    const w = await world()
    expect((await loginReturningTo(w.app, w.supervisorUser.username, '/officer/door?code=123456')).headers.get('location')).toBe('/officer/door?code=123456')
    expect((await loginReturningTo(w.app, w.adminUser.username, '/admin/officers')).headers.get('location')).toBe('/admin/officers')
    expect((await loginReturningTo(w.app, w.officerUser.username, '/officer/door?code=123456')).headers.get('location')).toBe('/officer/door?code=123456')
  })

  it('does not send an officer into the console they may not enter, nor anyone off the site', async () => {
    const w = await world()
    expect((await loginReturningTo(w.app, w.officerUser.username, '/admin/reports')).headers.get('location')).toBe('/officer')
    expect((await loginReturningTo(w.app, w.supervisorUser.username, '//evil.example/admin')).headers.get('location')).toBe('/admin')
    expect((await loginReturningTo(w.app, w.adminUser.username, 'https://evil.example/officer')).headers.get('location')).toBe('/admin')
  })
})

describe('cancelling a pass asks first', () => {
  it('offers "Batalkan" on the card as a link to a confirm step, away from the print button, and no cancel form on the list', async () => {
    const w = await world()
    const pass = await givenPass(w.app.services, { officer: w.officer })
    const browser = await signIn(w.app, w.officerUser.username)
    for (const [path, from] of [
      ['/officer/passes', ''],
      ['/officer', '?from=home'],
    ] as const) {
      const html = await (await browser.get(path)).text()
      expect(html).toContain(`href="/officer/passes/${pass.id}/cancel${from}" data-cancel-pass`)
      expect(html).not.toMatch(/<form[^>]*action="\/officer\/passes\/[^"]+\/cancel"/)
      const card = new RegExp(`data-pass-id="${pass.id}"[\\s\\S]*?</li>`).exec(html)?.[0] ?? ''
      const actions = /<div class="actions">([\s\S]*?)<\/div>/.exec(card)?.[1] ?? ''
      expect(actions).toContain('/print')
      expect(actions).not.toContain('/cancel')
      expect(card).toMatch(/<p class="card-end"><a class="button danger" href="[^"]+\/cancel/)
    }
  })

  it('shows the confirm step without cancelling anything: the pass, what cancelling does, "Ya, batalkan" as a CSRF-guarded post and "Tidak"', async () => {
    const w = await world()
    const pass = await givenPass(w.app.services, { officer: w.officer })
    const browser = await signIn(w.app, w.officerUser.username)
    const res = await browser.get(`/officer/passes/${pass.id}/cancel?from=home`)
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('<h1>Batalkan kartu kunjungan ini?</h1>')
    expect(html).toContain('Pencatatan meter')
    expect(html).toContain(`${pass.code.slice(0, 4)}-${pass.code.slice(4)}`)
    expect(html).toContain('tidak bisa diurungkan')
    const form = new RegExp(`<form method="post" action="/officer/passes/${pass.id}/cancel">([\\s\\S]*?)</form>`).exec(html)?.[1] ?? ''
    expect(form).toContain(`name="_csrf" value="${browser.csrf}"`)
    expect(form).toMatch(/<button type="submit" class="button danger" data-cancel-answer="yes">Ya, batalkan<\/button>/)
    expect(html).toContain('<a class="button" href="/officer" data-cancel-answer="no">Tidak</a>')
    expect(await isRevoked(w.app, pass.id)).toBe(false)

    const fromList = await (await browser.get(`/officer/passes/${pass.id}/cancel`)).text()
    expect(fromList).toContain('href="/officer/passes" data-cancel-answer="no"')
    // Only our own two places are ever the way back.
    const odd = await (await browser.get(`/officer/passes/${pass.id}/cancel?from=https://evil.example`)).text()
    expect(odd).toContain('href="/officer/passes" data-cancel-answer="no"')
    expect(odd).not.toContain('evil.example')
  })

  it('in English too', async () => {
    const w = await world()
    const pass = await givenPass(w.app.services, { officer: w.officer })
    const browser = await signIn(w.app, w.officerUser.username)
    const html = await (await browser.get(`/officer/passes/${pass.id}/cancel?lang=en`)).text()
    expect(html).toContain('<h1>Cancel this visit pass?</h1>')
    expect(html).toContain('Yes, cancel it</button>')
    expect(html).toContain('data-cancel-answer="no">No</a>')
  })

  it('cancels only with the confirm step’s post and its CSRF token', async () => {
    const w = await world()
    const pass = await givenPass(w.app.services, { officer: w.officer })
    const browser = await signIn(w.app, w.officerUser.username)
    expect((await browser.post(`/officer/passes/${pass.id}/cancel`, {}, { csrf: null })).status).toBe(403)
    expect((await browser.post(`/officer/passes/${pass.id}/cancel`, {}, { csrf: 'forged' })).status).toBe(403)
    expect(await isRevoked(w.app, pass.id)).toBe(false)
    const res = await browser.post(`/officer/passes/${pass.id}/cancel`, {})
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/officer/passes?cancelled=1')
    expect(await isRevoked(w.app, pass.id)).toBe(true)
  })

  it('says so, with no form, for a pass that is already cancelled', async () => {
    const w = await world()
    const pass = await givenPass(w.app.services, { officer: w.officer })
    const browser = await signIn(w.app, w.officerUser.username)
    await browser.post(`/officer/passes/${pass.id}/cancel`, {})
    const html = await (await browser.get(`/officer/passes/${pass.id}/cancel`)).text()
    expect(html).toContain('Kartu kunjungan ini sudah dibatalkan.')
    expect(html).not.toContain('Ya, batalkan')
    expect(html).not.toMatch(/<form method="post" action="\/officer\/passes\/[^"]+\/cancel"/)
  })

  it('hides another officer’s pass and any tampered id behind a 404', async () => {
    const w = await world()
    const theirs = await givenPass(w.app.services, { officer: w.colleague })
    const browser = await signIn(w.app, w.officerUser.username)
    expect((await browser.get(`/officer/passes/${theirs.id}/cancel`)).status).toBe(404)
    for (const id of ['../../admin', 'x'.repeat(200), "' or 1=1 --", '%00']) {
      expect((await browser.get(`/officer/passes/${encodeURIComponent(id)}/cancel`)).status).toBe(404)
    }
    expect((await w.app.request(`/officer/passes/${theirs.id}/cancel`)).headers.get('location')).toBe('/login')
    expect(await isRevoked(w.app, theirs.id)).toBe(false)
  })
})

describe('the KTP choice on the pass form', () => {
  it('names every option in plain words, with no "bawaan", and says what the household will read', async () => {
    const w = await world()
    const browser = await signIn(w.app, w.officerUser.username)
    const html = await (await browser.get('/officer/passes/new')).text()
    const select = /<select id="ktp"[^>]*>([\s\S]*?)<\/select>/.exec(html)?.[1] ?? ''
    const options = [...select.matchAll(/<option value="([^"]*)"[^>]*>([^<]*)<\/option>/g)].map(([, value, text]) => [value, text])
    expect(options).toEqual([
      ['', 'Sesuai tujuan kunjungan (disarankan untuk tujuan ini)'],
      ['none', 'Tidak perlu KTP'],
      ['view', 'Cukup dilihat, tidak difoto'],
      ['photo', 'Boleh difoto (dengan tanda air)'],
    ])
    expect(html).not.toMatch(/bawaan/i)
    expect(html).toContain('data-default-template="Sesuai tujuan: {policy} (disarankan untuk tujuan ini)"')
    expect(html).toContain('<li data-ktp-effect="none">Tidak perlu KTP: warga diminta tidak menunjukkan KTP sama sekali.</li>')
    expect(html).toContain('<li data-ktp-effect="view">Cukup dilihat: Anda boleh melihat KTP, tetapi tidak memotret, memfotokopi, atau membawanya.</li>')
    expect(html).toMatch(/<li data-ktp-effect="photo">Boleh difoto: [^<]*di foto atau fotokopinya, tidak pernah di KTP-nya\.<\/li>/)
    // Each purpose carries its own recommended policy for the page script to name.
    expect(html).toContain('<option value="P2TL" data-ktp-default="view">Penertiban Pemakaian Tenaga Listrik (pemeriksaan meter) — KTP: Cukup dilihat, tidak difoto</option>')
    expect(html).toMatch(/<script src="\/assets\/officer\.js\?v=/)
  })

  it('in English, with no "default" jargon', async () => {
    const w = await world()
    const browser = await signIn(w.app, w.officerUser.username)
    const html = await (await browser.get('/officer/passes/new?lang=en')).text()
    const select = /<select id="ktp"[^>]*>([\s\S]*?)<\/select>/.exec(html)?.[1] ?? ''
    expect([...select.matchAll(/>([^<]+)<\/option>/g)].map(([, text]) => text)).toEqual([
      'As the purpose says (recommended for this purpose)',
      'No KTP needed',
      'Look only, no photo',
      'Photo allowed (with a watermark)',
    ])
    expect(select).not.toMatch(/\bdefault\b/i)
  })

  it('keeps the refusal of a looser policy plain and tied to the KTP field', async () => {
    const w = await world()
    const browser = await signIn(w.app, w.officerUser.username)
    const res = await browser.post('/officer/passes', {
      customerId: '532100012345',
      purpose: 'CATAT_METER',
      ktp: 'view',
      workOrder: '',
      windowStart: '2026-11-23T10:00',
      windowEnd: '2026-11-23T15:00',
    })
    expect(res.status).toBe(422)
    const html = await res.text()
    expect(html).toContain('<p id="ktp-error" class="error">Pilihan KTP hanya boleh lebih ketat dari yang disarankan untuk tujuan ini.</p>')
    expect(html).toMatch(/<select id="ktp" name="ktp"[^>]*aria-describedby="ktp-error ktp-effects-title"[^>]*aria-invalid="true"/)
    expect(html).not.toMatch(/bawaan/i)
    expect(await w.app.db.select().from(credentials).all()).toHaveLength(0)
  })
})

describe('the live QR page', () => {
  it('puts the QR first and the navigation after the page content, with a wake-lock state for the page script', async () => {
    const w = await world()
    const pass = await givenPass(w.app.services, { officer: w.officer })
    const browser = await signIn(w.app, w.officerUser.username)
    const html = await (await browser.get(`/officer/passes/${pass.id}/live`)).text()
    expect(html).toContain('<div class="live-page" data-wake-lock="off">')
    expect(html.indexOf('id="live-qr"')).toBeLessThan(html.indexOf('class="portal-nav below"'))
    expect(html.indexOf('</main>')).toBeLessThan(html.indexOf('class="portal-nav below"'))
    expect(html.indexOf('class="big-code"')).toBeLessThan(html.indexOf(`Tunjukkan QR ini kepada warga`))
    expect(html).toContain('data-wake-lock-note="true" hidden=""')
    // Every attribute the refresh and the other tests rely on is still there.
    expect(html).toContain(`hx-get="/officer/passes/${pass.id}/qr"`)
    expect(html).toContain('hx-trigger="every 60s"')
    expect(html).toContain('data-expires=')
    expect(html).toContain('data-countdown')
    expect(html).toContain('data-door-action')
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]|\sstyle="/)
    // Other portal pages keep their navigation on top.
    const list = await (await browser.get('/officer/passes')).text()
    expect(list.indexOf('class="portal-nav"')).toBeLessThan(list.indexOf('<main'))
  })
})

describe('a suspended officer’s passes on the supervisor’s list', () => {
  it('say the pass is not valid because the officer is suspended, and offer no live QR', async () => {
    const w = await world()
    const pass = await givenPass(w.app.services, { officer: w.officer })
    await suspendOfficer(w.app.db, w.app.services.clock, w.officer.employeeNo, { reason: 'test', actor: 'test' })
    const supervisor = await signIn(w.app, w.supervisorUser.username)
    const html = await (await supervisor.get('/officer/passes')).text()
    const card = new RegExp(`data-pass-id="${pass.id}"[\\s\\S]*?</li>`).exec(html)?.[0] ?? ''
    expect(card).toContain('data-status="suspended"')
    expect(card).toContain('Tidak berlaku: petugas diberhentikan sementara')
    expect(card).not.toContain('/live')
  })
})
