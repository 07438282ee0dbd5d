import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { addUnit } from '../src/officers/officers.ts'
import { createTestApp, CUSTOMER_ID, faceOf, givenOfficer, givenPass, START, verdictOf } from './helpers.ts'
import { dropTable } from './support/test-database.ts'

/** The elements of a page that carry data-part, in document order. */
function partsOf(html: string): string[] {
  return [...html.matchAll(/data-part="([a-z-]+)"/g)].map((match) => match[1]!)
}

describe('the first screen of a green verdict', () => {
  it('marks the photo, name, purpose, KTP rule and customer check with data-part, in that order, before the report button', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services, { purpose: 'P2TL' })
    const html = await (await request(`/v/${pass.token}`)).text()
    expect(partsOf(html)).toEqual(['photo', 'name', 'purpose', 'ktp', 'customer-check'])
    expect(html).toMatch(/<img class="photo"[^>]*width="160"[^>]*data-part="photo"/)
    // One photo: the first screen's, not a second copy in the officer details below.
    expect(html.match(/<img class="photo"/g)).toHaveLength(1)
    expect(html).toContain('KTP: hanya boleh dilihat, tidak boleh difoto')
    // The calm report button comes after the facts, the existing data attributes still work.
    expect(html.indexOf('data-part="customer-check"')).toBeLessThan(html.indexOf('id="report-box"'))
    expect(html).toMatch(/class="button secondary report-calm"/)
    expect(html.match(/data-officer-name/g)).toHaveLength(1)
    expect(html).toContain('data-employee-no')
    expect(html).toContain('data-ktp="view"')
  })

  it('keeps the report button first and prominent on red and on amber', async () => {
    const { services, request, postForm } = await createTestApp()
    const red = await (await request('/v/x.y.z')).text()
    expect(red).toMatch(/class="button report"/)
    const pass = await givenPass(services)
    const amber = await (await postForm('/check-customer', { token: pass.token, customerId: '111122223333' })).text()
    expect(faceOf(amber)).toBe('amber')
    expect(amber).toMatch(/class="button report"/)
    expect(amber.indexOf('id="report-box"')).toBeLessThan(amber.indexOf('data-part="photo"'))
  })

  it('says "tulis di atas foto/fotokopi KTP" and keeps the full legal text behind a <details>', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services, { purpose: 'BALIK_NAMA', workOrder: 'BN/CKN/2026/0077' })
    const html = await (await request(`/v/${pass.token}`)).text()
    expect(html).toContain('Tulis di atas foto/fotokopi KTP')
    expect(html).not.toContain('tulis di atas KTP (')
    expect(html).toMatch(/<details class="legal"><summary>Teks lengkap dasar hukum<\/summary><p>Dasar hukum: UU No. 27 Tahun 2022/)
    expect(html).toContain('KTP: boleh difoto')
  })
})

describe('when and where every verdict was made', () => {
  it('states the time from the injected clock in the unit’s zone, and our host, on green, red and unavailable pages', async () => {
    const { services, request, clock } = await createTestApp()
    await addUnit(services.db, { code: 'ULP-AMP', name: 'ULP Ampenan', level: 'ULP', timeZone: 'Asia/Makassar', areaCode: '0370' })
    const jakarta = await givenPass(services)
    const lombok = await givenPass(services, { officer: await givenOfficer(services, { unitCode: 'ULP-AMP' }) })
    clock.set(START + 5 * 60 * 1000) // 09.05 WIB, 10.05 WITA
    const green = await (await request(`/v/${jakarta.token}`)).text()
    expect(green).toContain('Diperiksa pukul 09.05 WIB')
    expect(green).toContain('Periksa di HP Anda sendiri — alamat resmi: <strong class="host">cek.example.id</strong>')
    expect(await (await request(`/v/${lombok.token}`)).text()).toContain('Diperiksa pukul 10.05 WITA')
    const red = await (await request('/v/x.y.z?lang=en')).text()
    expect(red).toContain('Checked at 09:05 WIB')
    expect(red).toContain('official address: <strong class="host">cek.example.id</strong>')
    await dropTable(services.db, 'credentials')
    const unavailable = await request(`/v/${jakarta.token}`)
    expect(unavailable.status).toBe(503)
    expect(await unavailable.text()).toContain('Diperiksa pukul 09.05 WIB')
  })
})

describe('"not my house" changes the verdict itself', () => {
  it('without JavaScript: the page turns amber with the reason first, the answer box still says no', async () => {
    const { services, postForm } = await createTestApp()
    const pass = await givenPass(services)
    const html = await (await postForm('/check-customer', { token: pass.token, customerId: '111122223333' })).text()
    expect(verdictOf(html)).toBe('valid')
    expect(faceOf(html)).toBe('amber')
    expect(html).toMatch(/<div class="banner amber"/)
    const firstReason = /<p class="reason"[^>]*>([^<]+)<\/p>/.exec(html)?.[1]
    expect(firstReason).toContain('Bukan untuk rumah Anda')
    expect(html).toContain('data-match="false"')
    expect(html).toMatch(/<h1[^>]*autofocus/)
  })

  it('loads no htmx on the verdict page (half its weight): the customer check is a plain post answered by a whole amber page', async () => {
    const { services, postForm, request } = await createTestApp()
    const pass = await givenPass(services)
    const page = await (await request(`/v/${pass.token}`)).text()
    expect(page).not.toContain('htmx.min.js')
    expect(page).not.toContain('hx-post="/check-customer"')
    expect(page).toContain('<form method="post" action="/check-customer"')
    const html = await (await postForm('/check-customer', { code: pass.code, customerId: '111122223333' })).text()
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(faceOf(html)).toBe('amber')
    expect(html).toContain('data-match="false"')
  })

  it('answers a malformed ID pelanggan beside the field, keeps green, and sets no face of its own', async () => {
    const { services, postForm } = await createTestApp()
    const pass = await givenPass(services)
    const html = await (await postForm('/check-customer', { token: pass.token, customerId: '12345' })).text()
    expect(faceOf(html)).toBe('green')
    expect(html).toMatch(/<input id="customer-id"[^>]*aria-invalid="true"[^>]*aria-describedby="customer-id-error"[^>]*autofocus/)
    expect(html).toContain('<p id="customer-id-error" class="error" role="alert">ID pelanggan harus 12 angka')
    expect(html).not.toContain('data-match=')
  })

  it('asks the browser for no validation of its own on the customer check and the code forms', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    const verdict = await (await request(`/v/${pass.token}`)).text()
    expect(verdict).toMatch(/<form method="post" action="\/check-customer"[^>]*novalidate/)
    for (const path of ['/', '/scan', '/c/ABCD2345']) expect(await (await request(path)).text(), path).toMatch(/<form action="\/c" method="get" class="stack" novalidate/)
  })
})

describe('a typo is not a scam', () => {
  it('shows the unknown code as typed and a prefilled retype form before the scam advice', async () => {
    const { request } = await createTestApp()
    const html = await (await request('/c/ABCD2345?lang=en')).text()
    expect(verdictOf(html)).toBe('forged')
    expect(faceOf(html)).toBe('red')
    expect(html).toContain('Code not found')
    expect(html).toContain('<strong class="code" data-typed-code="true">ABCD-2345</strong>')
    expect(html).toMatch(/<input type="hidden" name="from" value="retype"\/><label for="code">[^<]+<\/label><input id="code" name="code" value="ABCD-2345"/)
    expect(html.indexOf('data-typo')).toBeLessThan(html.indexOf('class="advice"'))
  })

  it('answers a code of the wrong length on the page it was typed on, with the error beside the field and focus on it', async () => {
    const { request } = await createTestApp()
    const home = await request('/c?code=7K3M-Q9X')
    expect(home.status).toBe(400)
    const homeHtml = await home.text()
    expect(homeHtml).toContain('<h1>Cek Petugas PLN</h1>')
    expect(homeHtml).toMatch(/<input id="code" name="code" value="7K3M-Q9X"[^>]*aria-invalid="true" aria-describedby="code-error" autofocus/)
    expect(homeHtml).toContain('Kode harus 8 huruf/angka — yang Anda ketik 7.')

    const scan = await request('/c?code=7K3MQ9XDD&from=scan&lang=en')
    expect(scan.status).toBe(400)
    const scanHtml = await scan.text()
    expect(scanHtml).toContain('data-scanner')
    expect(scanHtml).toContain('The code has 8 letters or digits — you typed 9 characters.')
    expect(scanHtml).toMatch(/<input id="code" name="code" value="7K3MQ9XDD"[^>]*autofocus/)
    expect(scanHtml).toContain('<input type="hidden" name="from" value="scan"/>')

    expect(await (await request('/c?code=')).text()).toContain('Ketik kode 8 huruf/angka')
    expect(await (await request('/c?code=7K3M%21Q9X')).text()).toContain('Kode hanya berisi huruf dan angka')
  })
})

describe('the call button', () => {
  it('dials the area code of the pass’s unit, walking up to the Unit Induk when the ULP has none', async () => {
    const { services, request } = await createTestApp()
    // The test tree (UID-JKT › UP3-MTG › ULP-CKN) has no area codes; give one to a unit above the ULP.
    await services.db.rows(sql`update units set area_code = '021' where code = 'UID-JKT'`)
    const pass = await givenPass(services)
    const html = await (await request(`/v/${pass.token}`)).text()
    expect(html).toContain('href="tel:021123"')
    expect(html).toContain('Telepon PLN (021) 123')
    expect(html).toContain('https://wa.me/628122123123')

    // The nearest unit with a code wins: the UP3's own over the Unit Induk's.
    await services.db.rows(sql`update units set area_code = '0299' where code = 'UP3-MTG'`)
    const second = await givenPass(services)
    expect(await (await request(`/v/${second.token}`)).text()).toContain('href="tel:0299123"')
  })

  it('on a red page dials 123 with the two-step hint right under the button', async () => {
    const { request } = await createTestApp()
    const html = await (await request('/v/x.y.z')).text()
    expect(html).toMatch(/<a class="button call" href="tel:123" data-call="true">[\s\S]*?<\/a><p class="hint call-hint">Dari HP: tekan kode area kota Anda, lalu 123, contoh \(021\) 123<\/p>/)
    expect(html).not.toMatch(/tel:0\d+123/)
  })

  it('falls back to plain 123 with the hint when no unit above has an area code', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    const html = await (await request(`/v/${pass.token}`)).text()
    expect(html).toContain('href="tel:123"')
    expect(html).toContain('class="hint call-hint"')
    expect(html).toContain(CUSTOMER_ID.slice(-4))
  })
})
