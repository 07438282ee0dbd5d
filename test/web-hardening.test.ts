import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { acceptsGzip } from '../src/http/compress.ts'
import { createTestApp, givenOfficer, givenPass, PUBLIC_URL } from './helpers.ts'
import { givenUser, signIn } from './support/session.ts'

/** The href of the language switch on a page. */
function languageLinkOf(html: string, lang: 'en' | 'id'): string | null {
  return new RegExp(`href="([^"]*lang=${lang})"`).exec(html)?.[1]?.replaceAll('&amp;', '&') ?? null
}

describe('the language link stays on our site', () => {
  it.each([
    ['a protocol-relative path', '//evil.example/x'],
    ['many slashes', '////evil.example/x'],
    ['a backslash after the slash', '/\\evil.example/x'],
    ['an encoded slash', '/%2F%2Fevil.example/x'],
  ])('for %s, links to a path on our own origin', async (_name, path) => {
    const { request } = await createTestApp()
    const res = await request(path)
    expect(res.status).toBe(404)
    const href = languageLinkOf(await res.text(), 'en')
    expect(href).not.toBeNull()
    expect(href).toMatch(/^\/(?![/\\])/)
    expect(new URL(href!, PUBLIC_URL).origin).toBe(PUBLIC_URL)
  })

  it('keeps the page’s own path on an ordinary page', async () => {
    const { request } = await createTestApp()
    expect(languageLinkOf(await (await request('/scan')).text(), 'en')).toBe('/scan?lang=en')
  })
})

describe('gzip follows Accept-Encoding', () => {
  it.each([
    ['gzip;q=0', false],
    ['gzip; q=0.000, deflate', false],
    ['GZIP;Q=0', false],
    ['br, gzip;q=0, *;q=1', false],
    ['identity', false],
    ['', false],
    ['gzip', true],
    ['gzip;q=0.5', true],
    ['x-gzip', true],
    ['*', true],
    ['*;q=0', false],
    ['gzip;q=nonsense', false],
  ])('Accept-Encoding "%s" takes gzip: %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected)
  })

  it('sends a page uncompressed when the client says gzip;q=0, and compressed when it takes gzip', async () => {
    const { request } = await createTestApp()
    const refused = await request('/', { headers: { 'accept-encoding': 'gzip;q=0' } })
    expect(refused.headers.get('content-encoding')).toBeNull()
    expect(await refused.text()).toContain('<html')
    const taken = await request('/', { headers: { 'accept-encoding': 'gzip' } })
    expect(taken.headers.get('content-encoding')).toBe('gzip')
    expect(gunzipSync(Buffer.from(await taken.arrayBuffer())).toString('utf8')).toContain('<html')
  })

  it('sends the cached live QR fragment uncompressed to a client that says gzip;q=0', async () => {
    const app = await createTestApp()
    const officer = await givenOfficer(app.services)
    const user = await givenUser(app, 'officer', officer)
    const pass = await givenPass(app.services, { officer })
    const browser = await signIn(app, user.username)
    const refused = await browser.get(`/officer/passes/${pass.id}/qr`, { 'accept-encoding': 'gzip;q=0' })
    expect(refused.status).toBe(200)
    expect(refused.headers.get('content-encoding')).toBeNull()
    expect(await refused.text()).toContain('<svg')
    const taken = await browser.get(`/officer/passes/${pass.id}/qr`, { 'accept-encoding': 'gzip' })
    expect(taken.headers.get('content-encoding')).toBe('gzip')
  })
})

describe('BREACH: secrets are never compressed next to echoed input', () => {
  it('sends an admin search page, which holds the CSRF token and echoes the query, uncompressed', async () => {
    const app = await createTestApp()
    await givenOfficer(app.services, { name: 'Dekat Sekali' })
    const admin = await givenUser(app, 'admin', null)
    const browser = await signIn(app, admin.username)
    const probe = `csrf-guess-${'A'.repeat(8)}`
    const res = await browser.get(`/admin/officers?q=${probe}`, { 'accept-encoding': 'gzip, deflate, br' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-encoding')).toBeNull()
    const html = await res.text()
    expect(html).toContain(`name="_csrf" value="${browser.csrf}"`)
    expect(html).toContain(probe)
    expect(html.length).toBeGreaterThan(1024)
  })

  it('sends the officer portal, which holds the CSRF token, uncompressed too', async () => {
    const app = await createTestApp()
    const officer = await givenOfficer(app.services)
    const user = await givenUser(app, 'officer', officer)
    const browser = await signIn(app, user.username)
    const res = await browser.get('/officer/passes/new', { 'accept-encoding': 'gzip' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-encoding')).toBeNull()
    expect(await res.text()).toContain('name="_csrf"')
  })
})
