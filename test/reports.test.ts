import { describe, expect, it } from 'vitest'
import { outboxDeliveries, reports } from '../db/schema.ts'
import { normalizeIndonesianPhone } from '../src/reports/details.ts'
import { createTestApp, givenBadge, givenOfficer, givenPass, PUBLIC_URL } from './helpers.ts'
import { dropTable } from './support/test-database.ts'

type TestApp = Awaited<ReturnType<typeof createTestApp>>

/** A request from a given client address, as the Node server would see it. */
function requestFrom(app: TestApp, address: string, path: string, init: RequestInit) {
  return app.app.request(`${PUBLIC_URL}${path}`, init, { incoming: { socket: { remoteAddress: address, remotePort: 40000, remoteFamily: 'IPv4' } } })
}

function postJson(app: TestApp, body: unknown, address?: string) {
  const init: RequestInit = { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }
  return address ? requestFrom(app, address, '/api/v1/reports', init) : app.request('/api/v1/reports', init)
}

function postFormFrom(app: TestApp, address: string, path: string, fields: Record<string, string>) {
  return requestFrom(app, address, path, {
    method: 'POST',
    body: new URLSearchParams(fields),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL },
  })
}

function ticketOf(html: string): string | null {
  return /data-ticket="(LPR-[^"]+)"/.exec(html)?.[1] ?? null
}

/** The hidden fields and action of the one-tap report form on a page. */
function reportFormOf(html: string): { action: string; fields: Record<string, string> } | null {
  const form = /<form method="post" action="(\/reports)"[^>]*>([\s\S]*?)<\/form>/.exec(html)
  if (!form) return null
  const fields: Record<string, string> = {}
  for (const [, name = '', value = ''] of (form[2] ?? '').matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[name] = value
  return { action: form[1] ?? '', fields }
}

/** Files a report from a verdict page without JavaScript and follows the redirect. */
async function tapReport(app: TestApp, pagePath: string) {
  const page = await (await app.request(pagePath)).text()
  const form = reportFormOf(page)
  expect(form, 'the page has a report form').not.toBeNull()
  const res = await app.postForm('/reports', form!.fields)
  expect(res.status).toBe(303)
  const location = res.headers.get('location') ?? ''
  const ticketPage = await app.request(location)
  return { location, res, html: await ticketPage.text(), status: ticketPage.status }
}

function forgedTokenOf(token: string): string {
  const [header, payload, signature = ''] = token.split('.')
  const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11)
  return `${header}.${payload}.${flipped}`
}

describe('the "Laporkan penipuan" button', () => {
  it('is on a green verdict page, carrying the token the page was for', async () => {
    const app = await createTestApp()
    const pass = await givenPass(app.services)
    const html = await (await app.request(`/v/${pass.token}`)).text()
    expect(html).toContain('data-face="green"')
    expect(html).toContain('Laporkan penipuan')
    expect(reportFormOf(html)?.fields).toEqual({ token: pass.token })
  })

  it('is on a red page for a typed code, and on the home page without any hidden field', async () => {
    const app = await createTestApp()
    const red = await (await app.request('/c/ABCD2345')).text()
    expect(red).toContain('data-face="red"')
    expect(reportFormOf(red)?.fields).toEqual({ code: 'ABCD2345' })
    const home = await (await app.request('/')).text()
    expect(reportFormOf(home)?.fields).toEqual({})
  })

  it('comes right after the reasons and the red advice', async () => {
    const app = await createTestApp()
    const html = await (await app.request('/v/x.y.z')).text()
    expect(html.indexOf('action="/reports"')).toBeGreaterThan(html.indexOf('class="advice"'))
    expect(html.indexOf('action="/reports"')).toBeLessThan(html.indexOf('TIDAK PERNAH meminta'))
  })
})

describe('POST /reports', () => {
  it('without JavaScript commits the report and redirects to its ticket page, which shows the ticket at once', async () => {
    const app = await createTestApp()
    const { location, html, status } = await tapReport(app, '/v/x.y.z')
    expect(location).toMatch(/^\/r\/LPR-[0-9A-HJKMNP-TV-Z]{8}\?k=[A-Za-z0-9_-]{22}$/)
    expect(status).toBe(200)
    const ticket = ticketOf(html)
    expect(ticket).toMatch(/^LPR-[0-9A-HJKMNP-TV-Z]{8}$/)
    expect(location).toContain(ticket!)
    expect(await app.db.select().from(reports).all()).toHaveLength(1)
  })

  it('with htmx answers the ticket fragment only, to swap in place of the form', async () => {
    const app = await createTestApp()
    const res = await app.postForm('/reports', { code: 'ABCD2345' }, { 'hx-request': 'true' })
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).not.toContain('<html')
    expect(html).toMatch(/^<section id="report-ticket"/)
    expect(ticketOf(html)).toMatch(/^LPR-/)
    expect(html).toMatch(/href="\/r\/LPR-[^"?]+\?k=[^"]+"/)
  })

  it('shows what to do now, tel:123 and WhatsApp to 0812-2123-123 with the ticket and a one-line summary', async () => {
    const app = await createTestApp()
    const { html } = await tapReport(app, '/c/ABCD2345')
    const ticket = ticketOf(html)!
    expect(html).toContain('Jangan serahkan apa pun')
    expect(html).toContain('Tutup pintu')
    expect(html).toContain('href="tel:123"')
    const whatsapp = /href="(https:\/\/wa\.me\/628122123123\?text=[^"]+)"/.exec(html)?.[1] ?? ''
    const text = new URL(whatsapp.replace(/&amp;/g, '&')).searchParams.get('text') ?? ''
    expect(text).toContain(ticket)
    expect(text).toContain('kode tidak diterbitkan PLN')
    expect(text).not.toMatch(/[\r\n]/)
  })

  it('keeps the verdict, the token hash and the claims labelled unverified — never the token, never officer ids for a forged token', async () => {
    const app = await createTestApp()
    const pass = await givenPass(app.services)
    const forged = forgedTokenOf(pass.token)
    await tapReport(app, `/v/${forged}`)
    const [report] = await app.db.select().from(reports).all()
    expect(report?.verdict).toBe('forged')
    expect(report?.subjectKind).toBe('token')
    expect(report?.subjectHash).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(report?.officerEmployeeNo).toBeNull()
    expect(report?.credentialId).toBeNull()
    expect(JSON.parse(report?.unverifiedClaims ?? '{}')).toMatchObject({ sub: pass.officer.employeeNo, pur: 'CATAT_METER', jti: pass.id })
    const everything = JSON.stringify([app.db.select().from(reports).all(), app.db.select().from(outboxDeliveries).all()])
    expect(everything).not.toContain(forged)
    expect(everything).not.toContain(forged.split('.')[2])
  })

  it('links the genuine officer and pass only when the verdict was valid', async () => {
    const app = await createTestApp()
    const pass = await givenPass(app.services)
    const { html } = await tapReport(app, `/v/${pass.token}`)
    const [report] = await app.db.select().from(reports).all()
    expect(report).toMatchObject({ verdict: 'valid', officerEmployeeNo: pass.officer.employeeNo, credentialId: pass.id })
    expect(html).toContain(`Petugas terdaftar (dipastikan PLN): ${pass.officer.name} (${pass.officer.employeeNo})`)
  })

  it('puts what a forged token claims into the evidence summary only under an "unverified" label', async () => {
    const app = await createTestApp()
    const pass = await givenPass(app.services)
    const { html } = await tapReport(app, `/v/${forgedTokenOf(pass.token)}`)
    expect(html).toContain(`Data tertulis di kode QR (BELUM terverifikasi, bisa palsu): nomor induk ${pass.officer.employeeNo}; tujuan CATAT_METER`)
    expect(html).not.toContain('Petugas terdaftar (dipastikan PLN)')
    expect(html).not.toContain(pass.officer.name)
  })

  it('reports from a badge page and from the home page work too', async () => {
    const app = await createTestApp()
    const badge = await givenBadge(app.services, await givenOfficer(app.services))
    expect(ticketOf((await tapReport(app, `/v/${badge.token}`)).html)).toMatch(/^LPR-/)
    expect(ticketOf((await tapReport(app, '/')).html)).toMatch(/^LPR-/)
  })

  it('files identical reports (same code, same network, within 10 minutes) as tickets of their own: every household counts', async () => {
    const app = await createTestApp()
    const first = await postFormFrom(app, '10.1.2.3', '/reports', { code: 'ABCD2345' })
    const again = await postFormFrom(app, '10.1.2.77', '/reports', { code: 'abcd-2345' })
    const otherNetwork = await postFormFrom(app, '10.9.9.9', '/reports', { code: 'ABCD2345' })
    app.clock.advance(11 * 60 * 1000)
    const later = await postFormFrom(app, '10.1.2.3', '/reports', { code: 'ABCD2345' })
    const locations = [first, again, otherNetwork, later].map((res) => res.headers.get('location'))
    expect(new Set(locations).size).toBe(4)
    expect(await app.db.select().from(reports).all()).toHaveLength(4)
    expect((await app.db.select().from(outboxDeliveries).all()).map((delivery) => delivery.eventType)).toEqual(Array(4).fill('report.created'))
  })

  it('never folds two bare taps from the home page: behind one NAT they may be two households', async () => {
    const app = await createTestApp()
    const one = await postFormFrom(app, '10.1.2.3', '/reports', {})
    const two = await postFormFrom(app, '10.1.2.3', '/reports', {})
    expect(one.headers.get('location')).not.toBe(two.headers.get('location'))
  })

  it('limits reports per client generously and per reported code strictly, with a clear Indonesian message', async () => {
    const app = await createTestApp()
    for (let i = 0; i < 10; i++) expect((await postFormFrom(app, '10.0.99.1', '/reports', { code: 'ABCD2345' })).status).toBe(303)
    const perTarget = await postFormFrom(app, '10.0.99.1', '/reports', { code: 'ABCD2345' })
    expect(perTarget.status).toBe(429)
    expect(await perTarget.text()).toContain('Terlalu banyak laporan')
    // From anywhere, one code draws at most 100 reports in ten minutes.
    for (let i = 0; i < 90; i++) expect((await postFormFrom(app, `10.0.${i}.1`, '/reports', { code: 'ABCD2345' })).status).toBe(303)
    expect((await postFormFrom(app, '10.0.200.1', '/reports', { code: 'ABCD2345' })).status).toBe(429)

    for (let i = 0; i < 200; i++) expect((await postFormFrom(app, '10.7.7.7', '/reports', {})).status).toBe(303)
    const perClient = await postFormFrom(app, '10.7.7.7', '/reports', {})
    expect(perClient.status).toBe(429)
    expect(perClient.headers.get('retry-after')).toMatch(/^\d+$/)
    const text = await perClient.text()
    expect(text).toContain('Laporan belum tersimpan')
    expect(text).toContain('BELUM tersimpan. Telepon PLN 123 sekarang')
    expect(text).toContain('href="tel:123"')
    // Another household elsewhere is not affected.
    expect((await postFormFrom(app, '10.8.8.8', '/reports', {})).status).toBe(303)
  })

  it('answers a limited htmx tap with the form and the message, ready to swap', async () => {
    const app = await createTestApp()
    for (let i = 0; i < 10; i++) await postFormFrom(app, '10.7.7.7', '/reports', { code: 'ABCD2345' })
    const res = await requestFrom(app, '10.7.7.7', '/reports', {
      method: 'POST',
      body: new URLSearchParams({ code: 'ABCD2345' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL, 'hx-request': 'true' },
    })
    expect(res.status).toBe(429)
    const html = await res.text()
    expect(html).toMatch(/^<form method="post" action="\/reports"/)
    expect(html).toContain('name="code" value="ABCD2345"')
    expect(html).toContain('Terlalu banyak laporan')
  })

  it('refuses a report posted from another origin', async () => {
    const app = await createTestApp()
    const res = await app.postForm('/reports', {}, { origin: 'https://evil.example' })
    expect(res.status).toBe(403)
    expect(await app.db.select().from(reports).all()).toHaveLength(0)
  })

  it('caps the size of what is posted', async () => {
    const app = await createTestApp()
    const res = await app.postForm('/reports', { token: 'a'.repeat(20_000) })
    expect(res.status).toBe(413)
  })
})

describe('GET /r/:ticket', () => {
  it('shows the status timeline in plain words to the holder of the key', async () => {
    const app = await createTestApp()
    const { location } = await tapReport(app, '/c/ABCD2345')
    const html = await (await app.request(location)).text()
    expect(html).toContain('Status laporan')
    expect(html).toContain('Baru diterima')
    expect(html).toContain('Laporan diterima dan disimpan')
    expect(html).toContain('Senin, 23 November 2026 09.00 WIB')
    expect(html).toContain('Menunggu diteruskan ke PLN 123')
  })

  it('answers 404 for a wrong key, a missing key and an unknown ticket alike', async () => {
    const app = await createTestApp()
    const { location } = await tapReport(app, '/c/ABCD2345')
    const ticket = /\/r\/(LPR-[^?]+)/.exec(location)?.[1]
    const wrong = await app.request(`/r/${ticket}?k=AAAAAAAAAAAAAAAAAAAAAA`)
    const missing = await app.request(`/r/${ticket}`)
    const unknown = await app.request(`/r/LPR-00000000?k=AAAAAAAAAAAAAAAAAAAAAA`)
    const garbage = await app.request(`/r/whatever?k=x`)
    for (const res of [wrong, missing, unknown, garbage]) expect(res.status).toBe(404)
    const bodies = await Promise.all([wrong, missing, unknown].map(async (res) => (await res.text()).replaceAll(/LPR-[0-9A-Z]{8}/g, 'LPR-…')))
    expect(new Set(bodies).size).toBe(1)
  })

  it('keeps the tracking key in the language switch and speaks English with ?lang=en', async () => {
    const app = await createTestApp()
    const { location } = await tapReport(app, '/c/ABCD2345')
    const html = await (await app.request(`${location}&lang=en`)).text()
    expect(html).toContain('<html lang="en">')
    expect(html).toContain('Your report has been saved')
    expect(html).toContain(`href="${location.replace(/&/g, '&amp;')}&amp;lang=id"`)
  })

  it('uses no inline script, style or event handler, and is never cached', async () => {
    const app = await createTestApp()
    const { location } = await tapReport(app, '/c/ABCD2345')
    const res = await app.request(location)
    const html = await res.text()
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    expect(html).not.toMatch(/\sstyle=/)
    expect(html).not.toMatch(/\son[a-z]+=/)
    expect(html).toContain('/assets/report.js?v=')
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
  })
})

describe('POST /r/:ticket/details', () => {
  async function givenReport() {
    const app = await createTestApp()
    const { location } = await tapReport(app, '/c/ABCD2345')
    const url = new URL(location, PUBLIC_URL)
    const ticket = url.pathname.slice('/r/'.length)
    const key = url.searchParams.get('k') ?? ''
    return { app, location, ticket, key }
  }

  it('adds category, note, phone and kelurahan, normalises the phone, and sends the update to 123', async () => {
    const { app, ticket, key, location } = await givenReport()
    const res = await app.postForm(`/r/${ticket}/details`, { k: key, category: 'money', note: 'Minta transfer Rp 500.000 ke rekening pribadi', phone: '0812-3456-7890', location: 'Cikini' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`${location}&saved=1#details-saved`)
    const html = await (await app.request(res.headers.get('location')!)).text()
    expect(html).toContain('Detail tersimpan')
    expect(html).toContain('value="money" checked')
    expect(html).toContain('value="+6281234567890"')
    expect(html).toContain('Anda menambahkan detail')
    const [report] = await app.db.select().from(reports).all()
    expect(report).toMatchObject({ category: 'money', phone: '+6281234567890', location: 'Cikini', revision: 2 })
    const deliveries = await app.db.select().from(outboxDeliveries).all()
    expect(deliveries.map((d) => d.eventType)).toEqual(['report.created', 'report.updated'])
    expect(JSON.parse(deliveries[1]!.payload).data).toMatchObject({ ticket, revision: 2, category: 'money', phone: '+6281234567890' })
  })

  it('keeps the evidence summary free of the phone number and of the tracking key', async () => {
    const { app, ticket, key, location } = await givenReport()
    await app.postForm(`/r/${ticket}/details`, { k: key, category: 'otp', note: 'Minta kode OTP', phone: '+62 812 3456 7890', location: 'Menteng' })
    const html = await (await app.request(location)).text()
    const summary = /<textarea id="evidence-summary"[^>]*>([\s\S]*?)<\/textarea>/.exec(html)?.[1] ?? ''
    expect(summary).toContain(`Nomor tiket: ${ticket}`)
    expect(summary).toContain('Kejadian: Meminta kode OTP atau PIN')
    expect(summary).toContain('Lokasi: Menteng')
    expect(summary).toContain('Catatan: Minta kode OTP')
    expect(summary).toContain('Kode petugas: ABCD-2345')
    expect(summary).not.toContain('812')
    expect(summary).not.toContain(key)
  })

  it('refuses a phone number that is not Indonesian with a clear message, keeping what was typed', async () => {
    const { app, ticket, key } = await givenReport()
    const res = await app.postForm(`/r/${ticket}/details`, { k: key, note: 'catatan saya', phone: '+1 555 0100' })
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(html).toContain('Tulis nomor HP Indonesia')
    expect(html).toContain('value="+1 555 0100"')
    expect(html).toContain('catatan saya')
    expect((await app.db.select().from(reports).all())[0]?.note).toBeNull()
  })

  it('refuses a note over 1,000 characters', async () => {
    const { app, ticket, key } = await givenReport()
    const res = await app.postForm(`/r/${ticket}/details`, { k: key, note: 'x'.repeat(1001) })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('maksimal 1.000 huruf')
  })

  it('takes coordinates only as a pair of numbers in range', async () => {
    const { app, ticket, key } = await givenReport()
    expect((await app.postForm(`/r/${ticket}/details`, { k: key, latitude: '-6.19', longitude: 'x' })).status).toBe(400)
    expect((await app.postForm(`/r/${ticket}/details`, { k: key, latitude: '-6.195431', longitude: '106.842369' })).status).toBe(303)
    expect((await app.db.select().from(reports).all())[0]).toMatchObject({ latitude: -6.1954, longitude: 106.8424 })
  })

  it('with htmx answers the updated panel', async () => {
    const { app, ticket, key } = await givenReport()
    const res = await app.postForm(`/r/${ticket}/details`, { k: key, category: 'threat' }, { 'hx-request': 'true' })
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toMatch(/^<section id="report-ticket"/)
    expect(html).toContain('Detail tersimpan')
  })

  it('answers 404 without the right key and changes nothing', async () => {
    const { app, ticket } = await givenReport()
    const res = await app.postForm(`/r/${ticket}/details`, { k: 'wrong', note: 'overwritten?' })
    expect(res.status).toBe(404)
    expect((await app.db.select().from(reports).all())[0]?.note).toBeNull()
  })

  it('stores report text as text and always renders it escaped: <script>, hx-* attributes, CR/LF', async () => {
    const { app, ticket, key, location } = await givenReport()
    const note = 'Dia bilang <script>alert(1)</script>\r\n<img src=x hx-get="/officer" hx-trigger="load">\r\nSet-Cookie: x=1'
    const res = await app.postForm(`/r/${ticket}/details`, { k: key, note, location: 'Cikini\r\nX-Injected: 1 <b hx-post="/x">' })
    expect(res.status).toBe(303)
    const [report] = await app.db.select().from(reports).all()
    expect(report?.note).toBe(note.replace(/\r\n/g, '\n'))
    expect(report?.location).toBe('Cikini X-Injected: 1 <b hx-post="/x">')
    const html = await (await app.request(location)).text()
    expect(html).not.toContain('<script>alert(1)')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    // No element carries an hx-* attribute we did not write ourselves.
    const tags = html.replace(/="[^"]*"/g, '=""').match(/<[a-z]+\b[^>]*>/g) ?? []
    expect(tags.filter((tag) => /\shx-[a-z:-]+=/.test(tag))).toEqual([expect.stringMatching(/^<form method="" action="" hx-post=""/)])
    expect(html).not.toMatch(/<img src=x/)
    expect(html).not.toMatch(/<b hx-post/)
    const whatsapp = /href="(https:\/\/wa\.me\/[^"]+)"/.exec(html)?.[1] ?? ''
    expect(whatsapp).not.toMatch(/[\r\n<>"]/)
    const payload = JSON.parse((await app.db.select().from(outboxDeliveries).all())[1]!.payload) as { data: { note: string } }
    expect(payload.data.note).toBe(note.replace(/\r\n/g, '\n'))
  })
})

describe('POST /api/v1/reports', () => {
  it('answers 201 with exactly the ticket and the tracking URL', async () => {
    const app = await createTestApp()
    const res = await postJson(app, { code: 'ABCD2345', category: 'apk_link', note: 'Kirim PLN.apk', phone: '6281234567890' })
    expect(res.status).toBe(201)
    const body = (await res.json()) as { ticket: string; trackingUrl: string }
    expect(Object.keys(body).sort()).toEqual(['ticket', 'trackingUrl'])
    expect(body.ticket).toMatch(/^LPR-[0-9A-HJKMNP-TV-Z]{8}$/)
    expect(body.trackingUrl).toMatch(new RegExp(`^${PUBLIC_URL}/r/${body.ticket}\\?k=`))
    const page = await app.request(body.trackingUrl.slice(PUBLIC_URL.length))
    expect(page.status).toBe(200)
    expect(ticketOf(await page.text())).toBe(body.ticket)
    expect((await app.db.select().from(reports).all())[0]).toMatchObject({ verdict: 'forged', shortCode: 'ABCD2345', category: 'apk_link', phone: '+6281234567890' })
  })

  it('accepts a report with a token, with nothing at all, and without an Origin header', async () => {
    const app = await createTestApp()
    const pass = await givenPass(app.services)
    expect((await postJson(app, { token: pass.token })).status).toBe(201)
    expect((await postJson(app, {})).status).toBe(201)
    expect((await app.db.select().from(reports).all()).map((r) => r.verdict)).toEqual(['valid', null])
  })

  it('answers 400 with an error code and a message for what it cannot take', async () => {
    const app = await createTestApp()
    const cases: [unknown, string][] = [
      ['{not json', 'invalid_json'],
      [[1, 2], 'invalid_fields'],
      [{ note: 42 }, 'invalid_fields'],
      [{ token: 'a.b.c', code: 'ABCD2345' }, 'token_and_code'],
      [{ category: 'lottery' }, 'unknown_category'],
      [{ note: 'x'.repeat(1001) }, 'note_too_long'],
      [{ phone: '021 123' }, 'invalid_phone'],
    ]
    for (const [body, error] of cases) {
      const res = await postJson(app, body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      const json = (await res.json()) as { error: string; message: string }
      expect(json.error).toBe(error)
      expect(json.message.length).toBeGreaterThan(10)
    }
    expect(await app.db.select().from(reports).all()).toHaveLength(0)
  })

  it('files a repeated identical report as its own ticket, related to the first, and leaves the first as it was', async () => {
    const app = await createTestApp()
    const first = (await (await postJson(app, { code: 'ABCD2345' }, '10.1.1.1')).json()) as { ticket: string; trackingUrl: string }
    const retry = (await (await postJson(app, { code: 'ABCD2345', category: 'money' }, '10.1.1.1')).json()) as { ticket: string; trackingUrl: string }
    expect(retry.ticket).not.toBe(first.ticket)
    expect(retry.trackingUrl).not.toBe(first.trackingUrl)
    expect(await app.db.select().from(reports).all()).toMatchObject([
      { ticket: first.ticket, category: null, revision: 1 },
      { ticket: retry.ticket, category: 'money', revision: 1 },
    ])
  })

  it('limits reports per client with a JSON 429', async () => {
    const app = await createTestApp()
    for (let i = 0; i < 200; i++) expect((await postJson(app, { note: `laporan ${i}` }, '10.2.2.2')).status).toBe(201)
    const res = await postJson(app, { note: 'satu lagi' }, '10.2.2.2')
    expect(res.status).toBe(429)
    expect(((await res.json()) as { message: string }).message).toContain('Terlalu banyak laporan')
  })

  it('refuses a body over 16 KB with 413', async () => {
    const app = await createTestApp()
    const res = await postJson(app, { note: 'x'.repeat(20_000) })
    expect(res.status).toBe(413)
    expect(((await res.json()) as { error: string }).error).toBeTruthy()
  })

  it('commits the report and its 123 delivery together or not at all', async () => {
    const app = await createTestApp()
    await dropTable(app.db, 'outbox_deliveries')
    const errors: unknown[] = []
    const original = console.error
    console.error = (...args: unknown[]) => void errors.push(args)
    try {
      const res = await postJson(app, { note: 'tidak boleh hilang setengah' })
      expect(res.status).toBe(503)
    } finally {
      console.error = original
    }
    expect(errors).toHaveLength(1)
    expect(await app.db.select().from(reports).all()).toHaveLength(0)
  })
})

describe('normalizeIndonesianPhone', () => {
  it.each([
    ['081234567890', '+6281234567890'],
    ['0812-3456-7890', '+6281234567890'],
    ['0812 3456 7890', '+6281234567890'],
    ['6281234567890', '+6281234567890'],
    ['+62 812 3456 7890', '+6281234567890'],
    ['+62 (812) 3456-7890', '+6281234567890'],
    ['0812345678', '+62812345678'],
  ])('turns %s into %s', (input, expected) => {
    expect(normalizeIndonesianPhone(input)).toBe(expected)
  })

  it.each(['021123456', '+1 555 0100', '12345', '08123', '0812345678901234', '+6221123456', '0812abc45678', '0812\r\n34567890'])('refuses %j', (input) => {
    expect(normalizeIndonesianPhone(input)).toBeNull()
  })
})
