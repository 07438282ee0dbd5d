import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import { PUBLIC_DIR } from '../views/assets.ts'
import { decodeSvgQr } from './support/browser.ts'
import { createTestApp, givenPass, PUBLIC_URL } from './helpers.ts'
import { givenUser, signIn } from './support/session.ts'

interface Manifest {
  name: string
  short_name: string
  start_url: string
  scope: string
  display: string
  theme_color: string
  icons: { src: string; sizes: string; type: string }[]
}

/** No inline script, style attribute or event handler: the CSP allows none. */
function expectCspClean(html: string) {
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
  expect(html).not.toMatch(/\sstyle=/)
  expect(html).not.toMatch(/\son[a-z]+=/)
}

describe('GET /manifest.webmanifest', () => {
  it('is a Web App Manifest that starts the installed app at /app, standalone, with PNG icons of 192 and 512 pixels', async () => {
    const { request } = await createTestApp()
    const res = await request('/manifest.webmanifest')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/manifest\+json\b/)
    const manifest = (await res.json()) as Manifest
    expect(manifest.name).toBe('Cek Petugas PLN')
    expect(manifest.short_name).toBe('Cek Petugas')
    expect(manifest.start_url).toBe('/app')
    expect(manifest.scope).toBe('/')
    expect(manifest.display).toBe('standalone')
    expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/)
    expect(manifest.icons.map((icon) => [icon.sizes, icon.type])).toEqual([
      ['192x192', 'image/png'],
      ['512x512', 'image/png'],
    ])
    for (const icon of manifest.icons) {
      const file = await request(icon.src)
      expect(file.status, icon.src).toBe(200)
      expect(file.headers.get('content-type')).toBe('image/png')
      const image = PNG.sync.read(Buffer.from(await file.arrayBuffer()))
      expect(`${image.width}x${image.height}`).toBe(icon.sizes)
    }
  })

  it('is linked from every household page, with the theme colour', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    const { theme_color } = (await (await request('/manifest.webmanifest')).json()) as Manifest
    for (const path of ['/', '/app', `/v/${pass.token}`, '/scan']) {
      const html = await (await request(path)).text()
      expect(html, path).toContain('<link rel="manifest" href="/manifest.webmanifest"/>')
      expect(html, path).toContain(`<meta name="theme-color" content="${theme_color}"/>`)
    }
  })
})

describe('GET /sw.js', () => {
  it('is JavaScript from the root (so its scope is the whole origin) that the browser always revalidates', async () => {
    const { request } = await createTestApp()
    const res = await request('/sw.js')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript\b/)
    expect(res.headers.get('cache-control')).toBe('no-cache')
    expect(res.headers.get('service-worker-allowed')).toBeNull()
    const script = await res.text()
    expect(script).toContain(readFileSync(join(PUBLIC_DIR, 'sw.js'), 'utf8'))
  })

  it('caches the shell: /app, its offline page, the stylesheet, the scripts, the icons and the JWKS, under a versioned name', async () => {
    const { request } = await createTestApp()
    const script = await (await request('/sw.js')).text()
    const shell = JSON.parse(/^const SHELL = (.*)$/m.exec(script)![1]!) as { version: string; urls: string[]; offline: string }
    expect(shell.version).toMatch(/^[0-9a-f]{12}$/)
    expect(shell.offline).toBe('/app/offline')
    expect(shell.urls).toEqual(expect.arrayContaining(['/app', '/app/offline', '/.well-known/jwks.json', '/manifest.webmanifest']))
    for (const file of ['app.css', 'app.js', 'vendor/htmx.min.js', 'icons/icon-192.png', 'icons/icon-512.png']) {
      expect(shell.urls.some((url) => url.startsWith(`/assets/${file}?v=`)), file).toBe(true)
    }
    for (const url of shell.urls) expect((await request(url)).status, url).toBe(200)
    // The same deploy gives the same worker, byte for byte: browsers then keep the installed one.
    expect(await (await request('/sw.js')).text()).toBe(script)
  })
})

describe('GET /app', () => {
  it('shows the real address and three large actions: the door check, the scanner and the code form', async () => {
    const { request } = await createTestApp()
    const res = await request('/app')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('data-app-home')
    expect(html).toContain(`<strong class="origin" data-real-address="true">${new URL(PUBLIC_URL).host}</strong>`)
    expect(html).toMatch(/<form method="post" action="\/door"[^>]*data-action="door"/)
    expect(html).toContain('name="customer"')
    expect(html).toContain('Minta petugas memindai kode saya')
    expect(html).toMatch(/<a class="button big secondary" href="\/scan">Pindai QR petugas<\/a>/)
    expect(html).toContain('Ketik kode')
    expect(html).toContain('<form action="/c" method="get"')
    expectCspClean(html)
  })

  it('starts a door check from its first action, with or without the ID pelanggan', async () => {
    const { postForm } = await createTestApp()
    for (const customer of ['', '5321 0001 2345']) {
      const res = await postForm('/door', { customer })
      expect(res.status, customer).toBe(303)
      expect(res.headers.get('location')).toMatch(/^\/door\/[A-Za-z0-9_-]{22}$/)
    }
  })

  it('loads no htmx and inlines its stylesheet: the first screen waits for nothing', async () => {
    const { request } = await createTestApp()
    const html = await (await request('/app')).text()
    expect(html).not.toContain('htmx')
    expect(html).toContain('<style>')
    expect(html).not.toContain('rel="stylesheet"')
    expect(html).toMatch(/<script src="\/assets\/app\.js\?v=[0-9a-f]+" defer=""><\/script>/)
  })

  it('speaks English with ?lang=en', async () => {
    const { request } = await createTestApp()
    const html = await (await request('/app?lang=en')).text()
    expect(html).toContain('<html lang="en">')
    expect(html).toContain('Ask the officer to scan my code')
  })
})

describe('GET /app/offline', () => {
  it('says in Indonesian what still works offline, and that the door check needs a signal', async () => {
    const { request } = await createTestApp()
    const res = await request('/app/offline')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('data-offline')
    expect(html).toContain('Tidak ada sinyal')
    expect(html).toContain('Yang tetap bisa tanpa sinyal')
    expect(html).toContain('Pemeriksaan pintu')
    expect(html).toContain('harus tersambung')
    expect(html).toContain('href="tel:123"')
    expect(html).toContain('href="/app"')
    expectCspClean(html)
  })
})

describe('GET /app/leaflet', () => {
  it('is an A6 leaflet with the real address in large type, a QR to /app and the three rules', async () => {
    const { request } = await createTestApp()
    const res = await request('/app/leaflet')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain(`<p class="leaflet-address" data-real-address="true">${new URL(PUBLIC_URL).host}/app</p>`)
    const svg = /<div class="qr" role="img" aria-label="[^"]+" data-leaflet-qr="true">(<svg[\s\S]*?<\/svg>)/.exec(html)?.[1] ?? ''
    expect(decodeSvgQr(svg)).toBe(`${PUBLIC_URL}/app`)
    expect(html).toContain('foto KTP, kode OTP, atau uang tunai')
    expect(html).toContain('Periksa sendiri di aplikasi Cek Petugas')
    expect(html).toContain('Laporkan ke PLN 123')
    expectCspClean(html)
    const css = readFileSync(join(PUBLIC_DIR, 'app.css'), 'utf8')
    expect(css).toMatch(/@page leaflet \{[^}]*size: 105mm 148mm/)
    expect(css).toMatch(/\.leaflet-page \{ page: leaflet; \}/)
  })
})

describe('"Pasang di layar utama"', () => {
  it('is on the home page, the verdict pages and /app, with steps for Chrome, Samsung Internet and Safari that need no JavaScript', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    for (const path of ['/', `/v/${pass.token}`, '/v/bad', '/app']) {
      const html = await (await request(path)).text()
      expect(html, path).toContain('Pasang di layar utama')
      // The prompt button stays hidden until public/app.js sees beforeinstallprompt.
      expect(html, path).toMatch(/<button type="button" class="button" data-install-button="true" hidden="">/)
      const steps = /<details class="install-steps" data-install-steps="true">([\s\S]*?)<\/details>/.exec(html)?.[1] ?? ''
      expect(steps, path).toContain('Android — Chrome')
      expect(steps, path).toContain('Samsung Internet')
      expect(steps, path).toContain('iPhone — Safari')
      expect(steps, path).toContain('Tambah ke Layar Utama')
      expect(html, path).toMatch(/<script src="\/assets\/app\.js\?v=[0-9a-f]+" defer=""><\/script>/)
    }
  })
})

describe('the green verdict page', () => {
  it('says the door check in the installed app is the strongest check, with a link to /app; red pages do not', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    const green = await (await request(`/v/${pass.token}`)).text()
    expect(green).toContain('data-face="green"')
    expect(green).toMatch(/data-app-hint="true">Pemeriksaan terkuat adalah pemeriksaan pintu[^<]*<a href="\/app">/)
    const red = await (await request('/v/bad')).text()
    expect(red).toContain('data-face="red"')
    expect(red).not.toContain('data-app-hint')
  })
})

describe('the stylesheets households download', () => {
  it('carry no rules of the staff screens: the verdict page inlines app.css only, while the portal and console link staff.css after it', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    const verdict = await (await request(`/v/${pass.token}`)).text()
    const inlined = /<style>([\s\S]*?)<\/style>/.exec(verdict)?.[1] ?? ''
    expect(inlined).toContain('.banner')
    expect(inlined).not.toMatch(/\.admin-nav|\.portal-nav|\.chart-|\.badge-card/)
    expect(verdict).not.toContain('staff.css')
    const login = await (await request('/login')).text()
    expect(login).not.toContain('staff.css')
    const staffCss = readFileSync(join(PUBLIC_DIR, 'staff.css'), 'utf8')
    expect(staffCss).toMatch(/\.admin-nav \{/)
    expect(staffCss).toMatch(/\.live-qr \{/)
    const app = await createTestApp()
    const admin = await signIn(app, (await givenUser(app, 'admin', null)).username)
    const consolePage = await (await admin.get('/admin/reports')).text()
    const staffHref = /<link rel="stylesheet" href="(\/assets\/staff\.css\?v=[0-9a-f]+)"/.exec(consolePage)?.[1]
    expect(consolePage.indexOf('app.css')).toBeLessThan(consolePage.indexOf('staff.css'))
    expect((await app.request(staffHref ?? 'missing')).status).toBe(200)
  })
})
