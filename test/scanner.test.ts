import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createTestApp, PUBLIC_URL } from './helpers.ts'

type ScanCheck = { ok: true; url: string } | { ok: false; reason: 'other_site' | 'not_pass' | 'not_link' }
interface ScannerModule {
  checkScannedUrl(text: unknown, origin: string): ScanCheck
  displayableText(text: string): string
}

// The very file the browser runs: the URL rule lives in one place.
const scannerUrl = new URL('../public/scanner.js', import.meta.url)
const { checkScannedUrl, displayableText } = (await import(scannerUrl.href)) as ScannerModule

const ORIGIN = PUBLIC_URL
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiI5MDE1MjM0QSJ9.c2lnbmF0dXJlX2J5dGVz-_'
const reasonOf = (text: unknown) => {
  const result = checkScannedUrl(text, ORIGIN)
  return result.ok ? 'ok' : result.reason
}

describe('checkScannedUrl (public/scanner.js)', () => {
  it('opens our own verdict URLs for a token and for a short code', () => {
    expect(checkScannedUrl(`${ORIGIN}/v/${TOKEN}`, ORIGIN)).toEqual({ ok: true, url: `${ORIGIN}/v/${TOKEN}` })
    expect(checkScannedUrl(`${ORIGIN}/c/7K3MQ9XD`, ORIGIN)).toEqual({ ok: true, url: `${ORIGIN}/c/7K3MQ9XD` })
    expect(checkScannedUrl('http://127.0.0.1:3000/v/a.b.c', 'http://127.0.0.1:3000')).toEqual({ ok: true, url: 'http://127.0.0.1:3000/v/a.b.c' })
  })

  it.each([
    ['a lookalike domain with our name as a subdomain', `https://cek.example.id.evil.example/v/${TOKEN}`],
    ['a lookalike domain with a hyphen', `https://cek-example.id/v/${TOKEN}`],
    ['a lookalike domain with a digit for a letter', `https://cek.examp1e.id/v/${TOKEN}`],
    ['our host as a user name before another host', `https://cek.example.id@evil.example/v/${TOKEN}`],
    ['our host with an empty password before another host', `https://cek.example.id:@evil.example/v/${TOKEN}`],
    ['a user name in front of our host', `https://petugas@cek.example.id/v/${TOKEN}`],
    ['punycode', `https://xn--cek-xmple-9kf.id/v/${TOKEN}`],
    ['a Unicode lookalike (Cyrillic a)', `https://cek.ex\u0430mple.id/v/${TOKEN}`],
    ['http: where we are https:', `http://cek.example.id/v/${TOKEN}`],
    ['a trailing dot', `https://cek.example.id./v/${TOKEN}`],
    ['another port', `https://cek.example.id:8443/v/${TOKEN}`],
    ['the default port written out', `https://cek.example.id:443/v/${TOKEN}`],
    ['upper case', `HTTPS://CEK.EXAMPLE.ID/v/${TOKEN}`],
    ['a backslash before another host', `https://cek.example.id\\@evil.example/v/${TOKEN}`],
    ['backslashes for slashes', `https:\\\\cek.example.id\\v\\${TOKEN}`],
    ['a scheme-relative link', `//cek.example.id/v/${TOKEN}`],
    ['a javascript: link', 'javascript:alert(document.cookie)'],
    ['an Android intent', 'intent://scan/#Intent;scheme=zxing;package=com.evil;end'],
    ['a leading space', ` ${ORIGIN}/v/${TOKEN}`],
    ['a tab in the scheme', `ht\ttps://cek.example.id/v/${TOKEN}`],
  ])('refuses %s as another site', (_, text) => {
    expect(reasonOf(text)).toBe('other_site')
  })

  it.each([
    ['a page of ours that is not a verdict', `${ORIGIN}/login`],
    ['the home page', `${ORIGIN}/`],
    ['a query string', `${ORIGIN}/v/${TOKEN}?next=https://evil.example`],
    ['a fragment', `${ORIGIN}/v/${TOKEN}#x`],
    ['a trailing newline', `${ORIGIN}/v/${TOKEN}\n`],
    ['a token with two parts', `${ORIGIN}/v/abc.def`],
    ['a token with four parts', `${ORIGIN}/v/a.b.c.d`],
    ['a second slash that starts another host', `${ORIGIN}//evil.example/v/${TOKEN}`],
    ['dot segments', `${ORIGIN}/v/../admin`],
    ['encoded dot segments', `${ORIGIN}/v/%2e%2e/admin`],
    ['a backslash in the path', `${ORIGIN}/v\\${TOKEN}`],
    ['a code with letters Crockford leaves out', `${ORIGIN}/c/ILOU1234`],
    ['a code that is too long', `${ORIGIN}/c/7K3MQ9XD1`],
    ['a token longer than 2048 characters', `${ORIGIN}/v/${'a'.repeat(1500)}.${'b'.repeat(500)}.${'c'.repeat(100)}`],
  ])('refuses %s on our own origin as not a pass', (_, text) => {
    expect(reasonOf(text)).toBe('not_pass')
  })

  it.each([
    ['plain text', 'Saya petugas PLN'],
    ['an empty code', ''],
    ['a QRIS payment code', '00020101021126570011ID.DANA.WWW011893600915302259148102090225914810303UMI51440014ID.CO.QRIS.WWW0215ID10200176114730303UMI5204481453033605802ID'],
    ['a host without a scheme', `cek.example.id/v/${TOKEN}`],
    ['something that is not text', null],
    ['a number', 42],
  ])('refuses %s as not a link', (_, text) => {
    expect(reasonOf(text)).toBe('not_link')
  })

  it('refuses everything when the page gave no usable origin', () => {
    expect(checkScannedUrl(`${ORIGIN}/v/${TOKEN}`, '')).toEqual({ ok: false, reason: 'not_link' })
    expect(checkScannedUrl(`${ORIGIN}/v/${TOKEN}`, `${ORIGIN}/`)).toEqual({ ok: false, reason: 'not_link' })
  })

  it('only ever accepts a URL that starts with our origin exactly and that the URL parser leaves unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), fc.string({ maxLength: 40 }), (prefix, suffix) => {
        for (const text of [prefix, `${ORIGIN}${prefix}`, `${prefix}${ORIGIN}/v/${TOKEN}`, `${ORIGIN}/v/${TOKEN}${suffix}`, `${ORIGIN}/c/${suffix}`]) {
          const result = checkScannedUrl(text, ORIGIN)
          if (!result.ok) continue
          expect(result.url).toBe(text)
          expect(text.startsWith(`${ORIGIN}/v/`) || text.startsWith(`${ORIGIN}/c/`)).toBe(true)
          expect(new URL(text).href).toBe(text)
          expect(new URL(text).origin).toBe(ORIGIN)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('refuses our own URL after any one character of the origin is changed, removed or added', () => {
    const url = `${ORIGIN}/v/${TOKEN}`
    fc.assert(
      fc.property(fc.nat({ max: ORIGIN.length }), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constantFrom('replace', 'delete', 'insert'), (at, char, edit) => {
        const changed =
          edit === 'insert' ? url.slice(0, at) + char + url.slice(at) : edit === 'delete' ? url.slice(0, at) + url.slice(at + 1) : url.slice(0, at) + char + url.slice(at + 1)
        fc.pre(changed !== url)
        expect(checkScannedUrl(changed, ORIGIN).ok).toBe(false)
      }),
      { numRuns: 3000 },
    )
  })

  it('shows a refused code without control or direction-changing characters, cut to a readable length', () => {
    expect(displayableText('https://evil.example/\u202Egpj.exe')).toBe('https://evil.example/\uFFFDgpj.exe')
    expect(displayableText('a\u0000b\nc')).toBe('a\uFFFDb\uFFFDc')
    expect(displayableText('x'.repeat(1000))).toHaveLength(301)
  })
})

describe('GET /scan', () => {
  it('serves the scanner in Indonesian with our origin for the URL check, the code form beside it and the phone-camera advice', async () => {
    const { request } = await createTestApp()
    const res = await request('/scan')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('<html lang="id">')
    expect(html).toContain('<h1>Pindai QR petugas</h1>')
    expect(html).toContain(`data-origin="${PUBLIC_URL}"`)
    expect(html).toMatch(/<script type="module" src="\/assets\/scanner\.js\?v=[0-9a-f]+"><\/script>/)
    expect(html).toMatch(/data-decoder-src="\/assets\/vendor\/jsQR\.js\?v=[0-9a-f]+"/)
    expect(html).toContain('<form action="/c" method="get"')
    expect(html).toContain('Buka kamera HP Anda')
    expect(html).toContain(`${PUBLIC_URL}/`)
    // Without JavaScript the camera card stays hidden and the page says why.
    expect(html).toMatch(/<section class="card scanner"[^>]*\bhidden\b/)
    expect(html).toContain('data-scan-fallback')
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    expect(html).not.toMatch(/\sstyle=/)
  })

  it('switches to English with ?lang=en', async () => {
    const { request } = await createTestApp()
    const html = await (await request('/scan?lang=en')).text()
    expect(html).toContain('<html lang="en">')
    expect(html).toContain('Scan the officer’s QR')
    expect(html).toContain('Do not open this QR code')
  })

  it('is linked from the home page’s scan section', async () => {
    const { request } = await createTestApp()
    const html = await (await request('/')).text()
    expect(html).toMatch(/<section class="card" aria-labelledby="scan-title">[\s\S]*?href="\/scan"[\s\S]*?<\/section>/)
  })

  it('serves the scanner module and the vendored decoder from our origin, cached for a year', async () => {
    const { request } = await createTestApp()
    const html = await (await request('/scan')).text()
    for (const path of [/src="(\/assets\/scanner\.js\?v=[0-9a-f]+)"/.exec(html)?.[1], /data-decoder-src="([^"]+)"/.exec(html)?.[1]]) {
      const res = await request(path ?? '/missing')
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/javascript/)
      expect(res.headers.get('cache-control')).toContain('immutable')
    }
  })

  it('vendors jsQR byte for byte as the installed jsqr release ships it', () => {
    const require = createRequire(import.meta.url)
    const release = readFileSync(require.resolve('jsqr'))
    expect(readFileSync(new URL('../public/vendor/jsQR.js', import.meta.url)).equals(release)).toBe(true)
  })
})
