import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { declaredCampaigns } from '../db/schema.ts'
import { rawGet } from './support/http.ts'
import { createTestApp, CUSTOMER_ID, faceOf, givenBadge, givenOfficer, givenPass, listen, PUBLIC_URL, verdictOf } from './helpers.ts'

describe('GET /', () => {
  it('offers the QR advice, the code form, the never-asks list and the official channels in Indonesian', async () => {
    const { request } = await createTestApp()
    const res = await request('/')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('<html lang="id">')
    expect(html).toContain('Pindai kode QR petugas')
    expect(html).toContain(`${PUBLIC_URL}/`)
    expect(html).toContain('<form action="/c" method="get"')
    expect(html).toContain('TIDAK PERNAH meminta')
    expect(html).toContain('href="tel:123"')
    expect(html).toContain('https://wa.me/628122123123')
  })

  it('switches to English with ?lang=en and remembers it in a cookie', async () => {
    const { request } = await createTestApp()
    const res = await request('/?lang=en')
    const html = await res.text()
    expect(html).toContain('<html lang="en">')
    expect(html).toContain('Scan the officer’s QR code')
    const cookie = res.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/lang=en/)
    expect(cookie).toMatch(/HttpOnly/i)
    const again = await request('/', { headers: { cookie: 'lang=en' } })
    expect(await again.text()).toContain('<html lang="en">')
  })

  it('sends the security headers of DESIGN §7 on every page', async () => {
    const { request } = await createTestApp()
    for (const path of ['/', '/v/abc', '/nope']) {
      const res = await request(path)
      const csp = res.headers.get('content-security-policy') ?? ''
      expect(csp).toContain("script-src 'self'")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).not.toContain('unsafe-inline')
      expect(res.headers.get('referrer-policy')).toBe('no-referrer')
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    }
  })

  it('sends the same headers over real HTTP, where a route’s own CSP and cache lifetime win', async () => {
    const { app, services } = await createTestApp()
    const pass = await givenPass(services)
    const server = await listen(app)
    try {
      const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers })
      const html = await (await get(`/v/${pass.token}`)).text()
      const photo = /<img class="photo" src="([^"]+)"/.exec(html)![1]!
      const css = /href="(\/assets\/app\.css\?v=[0-9a-f]+)"/.exec(await (await get('/')).text())![1]!
      for (const path of ['/', `/v/${pass.token}`, `/api/v1/verify/${pass.token}`, '/nope', photo, css]) {
        const res = await get(path)
        expect(res.headers.get('referrer-policy'), path).toBe('no-referrer')
        expect(res.headers.get('x-content-type-options'), path).toBe('nosniff')
        expect(res.headers.get('x-frame-options'), path).toBe('DENY')
        expect(res.headers.get('vary'), path).toBe('Accept-Encoding')
      }
      for (const path of ['/', `/v/${pass.token}`, `/api/v1/verify/${pass.token}`, '/nope']) {
        const res = await get(path)
        expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'")
        expect(res.headers.get('cache-control'), path).toBe('no-store')
      }
      const photoRes = await get(photo)
      expect(photoRes.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox")
      expect(photoRes.headers.get('cache-control')).toContain('immutable')
      expect((await get(css)).headers.get('cache-control')).toContain('immutable')

      const zipped = await get(`/v/${pass.token}`, { 'accept-encoding': 'gzip' })
      expect(zipped.headers.get('content-encoding')).toBe('gzip')
      expect(zipped.headers.get('vary')).toBe('Accept-Encoding')
      expect(zipped.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
      expect(await zipped.text()).toContain('data-verdict="valid"')
    } finally {
      await server.close()
    }
  })

  it('gzips pages whole with their length, streams assets gzipped, and leaves small answers as they are', async () => {
    const { app, services } = await createTestApp()
    const pass = await givenPass(services)
    const server = await listen(app)
    const getEncoded = (path: string, encoding: string) => rawGet(`${server.url}${path}`, { headers: { 'accept-encoding': encoding } })
    try {
      const plain = await getEncoded(`/v/${pass.token}`, 'identity')
      const zipped = await getEncoded(`/v/${pass.token}`, 'gzip, deflate, br')
      expect(zipped.headers['content-encoding']).toBe('gzip')
      expect(Number(zipped.headers['content-length'])).toBe(zipped.body.length)
      expect(zipped.body.length).toBeLessThan(plain.body.length / 2)
      expect(gunzipSync(zipped.body).toString()).toBe(plain.body.toString())

      const css = /href="(\/assets\/app\.css\?v=[0-9a-f]+)"/.exec((await getEncoded('/', 'identity')).body.toString())![1]!
      const stylesheet = await getEncoded(css, 'gzip')
      expect(stylesheet.headers['content-encoding']).toBe('gzip')
      expect(gunzipSync(stylesheet.body).toString()).toBe((await getEncoded(css, 'identity')).body.toString())

      const answer = await getEncoded(`/api/v1/verify/${pass.token}`, 'gzip')
      expect(answer.headers['content-encoding']).toBeUndefined()
      expect((JSON.parse(answer.body.toString()) as { verdict: string }).verdict).toBe('valid')
    } finally {
      await server.close()
    }
  })

  it('uses no inline script, no style attribute and no inline event handler (the one inline stylesheet is allowed by its CSP hash)', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    for (const path of ['/', `/v/${pass.token}`, '/v/bad']) {
      const html = await (await request(path)).text()
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
      expect(html).not.toMatch(/\sstyle=/)
      expect(html).not.toMatch(/\son[a-z]+=/)
    }
  })

  it('turns on HSTS only in production', async () => {
    expect((await (await createTestApp()).request('/')).headers.get('strict-transport-security')).toBeNull()
    const production = await (await createTestApp({ config: { production: true } })).request('/')
    expect(production.headers.get('strict-transport-security')).toContain('max-age=')
  })
})

describe('the verdict page', () => {
  it('says in plain words that no KTP is needed for a meter reading', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services, { purpose: 'CATAT_METER' })
    const html = await (await request(`/v/${pass.token}`)).text()
    expect(html).toContain('data-ktp="none"')
    expect(html).toContain('Kunjungan ini tidak memerlukan KTP')
  })

  it('explains why, the legal basis, retention and the watermark text when a KTP photo is allowed', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services, { purpose: 'BALIK_NAMA', workOrder: 'BN/CKN/2026/0077' })
    const html = await (await request(`/v/${pass.token}`)).text()
    expect(html).toContain('data-ktp="photo"')
    expect(html).toContain('identitas pemilik baru')
    expect(html).toContain('UU No. 27 Tahun 2022')
    expect(html).toContain('Hanya untuk PLN – Balik nama – 23-11-2026')
    expect(html).toContain('BN/CKN/2026/0077')
  })

  it('shows the officer photo from our own server, with text that says so', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    const html = await (await request(`/v/${pass.token}`)).text()
    const src = /<img class="photo" src="([^"]+)"/.exec(html)?.[1]
    expect(src).toMatch(/^\/photos\//)
    const photo = await request(src!)
    expect(photo.status).toBe(200)
    expect(photo.headers.get('content-type')).toBe('image/png')
    expect(photo.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(Buffer.from(await photo.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG')
  })

  it('shows the visit window in the unit’s local time', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    const html = await (await request(`/v/${pass.token}`)).text()
    expect(html).toContain('Senin, 23 November 2026, 09.00–13.00 WIB')
  })

  it('is in English with ?lang=en, verdict included', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    const html = await (await request(`/v/${pass.token}?lang=en`)).text()
    expect(html).toContain('<html lang="en">')
    expect(html).toContain('Genuine PLN officer')
    expect(html).toContain('Meter reading')
  })

  it('on red, tells the household what to do and offers the call button first', async () => {
    const { request } = await createTestApp()
    const html = await (await request('/v/x.y.z')).text()
    expect(faceOf(html)).toBe('red')
    expect(html).toContain('Jangan berikan apa pun')
    expect(html.indexOf('href="tel:123"')).toBeLessThan(html.indexOf('TIDAK PERNAH meminta'))
  })
})

describe('POST /check-customer', () => {
  it('confirms a pass is for the household’s ID pelanggan', async () => {
    const { services, postForm } = await createTestApp()
    const pass = await givenPass(services)
    const html = await (await postForm('/check-customer', { token: pass.token, customerId: '5321 0001 2345' })).text()
    expect(faceOf(html)).toBe('green')
    expect(html).toContain('data-match="true"')
  })

  it('turns amber when the pass is for someone else’s ID pelanggan', async () => {
    const { services, postForm } = await createTestApp()
    const pass = await givenPass(services)
    const html = await (await postForm('/check-customer', { token: pass.token, customerId: '111122223333' })).text()
    expect(verdictOf(html)).toBe('valid')
    expect(faceOf(html)).toBe('amber')
    expect(html).toContain('BUKAN untuk ID pelanggan Anda')
  })

  it('asks again, in Indonesian, for an ID pelanggan that is not 12 digits', async () => {
    const { services, postForm } = await createTestApp()
    const pass = await givenPass(services)
    const html = await (await postForm('/check-customer', { token: pass.token, customerId: '12345' })).text()
    expect(html).toContain('ID pelanggan harus 12 angka')
  })

  it('answers a badge scan from keyed hashes: yes only for a customer the officer has a live pass for', async () => {
    const { services, postForm } = await createTestApp()
    const officer = await givenOfficer(services)
    const badge = await givenBadge(services, officer)
    await givenPass(services, { officer, customerId: CUSTOMER_ID })
    const yes = await (await postForm('/check-customer', { token: badge.token, customerId: CUSTOMER_ID })).text()
    expect(yes).toContain('data-match="true"')
    const no = await (await postForm('/check-customer', { token: badge.token, customerId: '999988887777' })).text()
    expect(no).toContain('data-match="false"')
    expect(no).not.toContain(CUSTOMER_ID.slice(-4))
  })

  it('answers the customer check with the whole verdict page, answer box included, even when asked by a script', async () => {
    const { services, postForm } = await createTestApp()
    const pass = await givenPass(services)
    const res = await postForm('/check-customer', { token: pass.token, customerId: CUSTOMER_ID }, { 'hx-request': 'true' })
    const html = await res.text()
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).toContain('<div id="customer-answer"')
    expect(html).toContain('data-match="true"')
  })

  it('refuses a form posted from another origin and changes nothing', async () => {
    const { services, postForm } = await createTestApp()
    const pass = await givenPass(services)
    const res = await postForm('/check-customer', { token: pass.token, customerId: CUSTOMER_ID }, { origin: 'https://evil.example' })
    expect(res.status).toBe(403)
    expect(await res.text()).toContain('Permintaan ditolak')
  })

  it('refuses a post whose Origin is null when the browser says it came from another site', async () => {
    const { services, postForm } = await createTestApp()
    const pass = await givenPass(services)
    const crossSite = await postForm('/check-customer', { token: pass.token, customerId: CUSTOMER_ID }, { origin: 'null', 'sec-fetch-site': 'cross-site' })
    expect(crossSite.status).toBe(403)
    const sameSite = await postForm('/check-customer', { token: pass.token, customerId: CUSTOMER_ID }, { origin: 'null', 'sec-fetch-site': 'same-origin' })
    expect(sameSite.status).toBe(200)
  })

  it('refuses an oversized body with 413', async () => {
    const { services, postForm } = await createTestApp()
    const pass = await givenPass(services)
    const res = await postForm('/check-customer', { token: pass.token, customerId: CUSTOMER_ID, padding: 'x'.repeat(20_000) })
    expect(res.status).toBe(413)
  })

  it('limits guesses against one credential', async () => {
    const { services, postForm } = await createTestApp()
    const pass = await givenPass(services)
    const statuses: number[] = []
    for (let i = 0; i < 25; i++) statuses.push((await postForm('/check-customer', { token: pass.token, customerId: `1111222233${String(i).padStart(2, '0')}` })).status)
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true)
    expect(statuses.at(-1)).toBe(429)
  })
})

describe('machine routes', () => {
  it('GET /healthz answers {"ok":true}', async () => {
    const res = await (await createTestApp()).request('/healthz')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true })
  })

  it('GET /api/v1/verify without a token is a 400, not a verdict', async () => {
    const res = await (await createTestApp()).request('/api/v1/verify')
    expect(res.status).toBe(400)
  })

  it('an unknown page is a calm 404 in Indonesian', async () => {
    const res = await (await createTestApp()).request('/does-not-exist')
    expect(res.status).toBe(404)
    expect(await res.text()).toContain('Halaman tidak ditemukan')
  })

  it('serves assets with a long cache lifetime', async () => {
    const { request } = await createTestApp()
    const html = await (await request('/')).text()
    const css = /href="(\/assets\/app\.css\?v=[0-9a-f]+)"/.exec(html)?.[1]
    const res = await request(css!)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toContain('immutable')
  })

  it('does not treat PEMADANAN_DATA photo as allowed outside a declared campaign, and does inside one', async () => {
    const { services, clock } = await createTestApp()
    const officer = await givenOfficer(services)
    await expect(givenPass(services, { officer, purpose: 'PEMADANAN_DATA', ktp: 'photo' })).rejects.toThrow(/declared campaign/)
    await services.db
      .insert(declaredCampaigns)
      .values({ purpose: 'PEMADANAN_DATA', name: 'Pemadanan NIK 2026', unitCode: null, startsAt: clock.now() - 1000, endsAt: clock.now() + 86_400_000 })
      .run()
    const pass = await givenPass(services, { officer, purpose: 'PEMADANAN_DATA', ktp: 'photo' })
    expect(pass.token).toBeTruthy()
  })
})
