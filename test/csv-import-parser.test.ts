import { describe, expect, it } from 'vitest'
import { officers } from '../db/schema.ts'
import { parseCsv, previewImport } from '../src/officers/csv-import.ts'
import { createTestApp, PUBLIC_URL } from './helpers.ts'
import { givenUser, signIn, type Browser } from './support/session.ts'

const HEADER = 'employee_no,name,role_title,employer,unit_code'

function upload(app: Awaited<ReturnType<typeof createTestApp>>, browser: Browser, csv: string, query = '') {
  const form = new FormData()
  form.set('_csrf', browser.csrf)
  form.set('file', new Blob([csv], { type: 'text/csv' }), 'officers.csv')
  return app.request(`/admin/officers/import${query}`, { method: 'POST', body: form, headers: { origin: PUBLIC_URL, cookie: browser.cookies } })
}

describe('parsing an officer CSV', () => {
  it('refuses text after a closing quote and names its line', () => {
    expect(parseCsv(`${HEADER}\nCSV-0001,Ani,Cater,PLN,ULP-CKN\n"ab"c,Budi,Cater,PLN,ULP-CKN\n`)).toEqual({ ok: false, line: 3, problem: 'stray_quote' })
    expect(parseCsv(`${HEADER}\nCSV-0001,An"i,Cater,PLN,ULP-CKN\n`)).toEqual({ ok: false, line: 2, problem: 'stray_quote' })
  })

  it('refuses an unterminated quote and names the line where it opened', () => {
    const csv = `${HEADER}\r\nCSV-0001,Ani,Cater,PLN,ULP-CKN\r\n\r\nCSV-0002,"Budi,Cater,PLN,ULP-CKN\r\nCSV-0003,Citra,Cater,PLN,ULP-CKN\r\n`
    expect(parseCsv(csv)).toEqual({ ok: false, line: 4, problem: 'quote_not_closed' })
  })

  it('reads quoted commas, doubled quotes, mixed line ends and blank lines, with each record’s own line', () => {
    const csv = `${HEADER}\r\nCSV-0001,"Wijaya, Ani",Cater,PLN,ULP-CKN\n\nCSV-0002,Budi,"PT ""Daya""",PLN,ULP-CKN\rCSV-0003,"Citra\nDewi",Cater,PLN,ULP-CKN\nCSV-0004,Eko,Cater,PLN,ULP-CKN`
    const parsed = parseCsv(csv)
    expect(parsed).toEqual({
      ok: true,
      records: [
        { line: 1, cells: HEADER.split(',') },
        { line: 2, cells: ['CSV-0001', 'Wijaya, Ani', 'Cater', 'PLN', 'ULP-CKN'] },
        { line: 4, cells: ['CSV-0002', 'Budi', 'PT "Daya"', 'PLN', 'ULP-CKN'] },
        { line: 5, cells: ['CSV-0003', 'Citra\nDewi', 'Cater', 'PLN', 'ULP-CKN'] },
        { line: 7, cells: ['CSV-0004', 'Eko', 'Cater', 'PLN', 'ULP-CKN'] },
      ],
    })
  })

  it('reports a bad row by the line it starts on, after a blank line', async () => {
    const app = await createTestApp()
    const preview = await previewImport(app.db, `${HEADER}\n\nCSV-0001,Ani,Cater,PLN,NO-SUCH-UNIT\n`)
    expect(preview.ok).toBe(false)
    expect(preview.rows.map((row) => [row.line, row.problems])).toEqual([[3, ['unknown_unit']]])
  })
})

describe('POST /admin/officers/import with a malformed file', () => {
  it('names the broken line in Bahasa Indonesia and in English, offers no confirm, and imports nothing', async () => {
    const app = await createTestApp()
    const admin = await givenUser(app, 'admin', null)
    const browser = await signIn(app, admin.username)
    const before = (await app.db.select().from(officers).all()).length
    const csv = `${HEADER}\nCSV-0001,Ani,Cater,PLN,ULP-CKN\n"CSV-0002"x,Budi,Cater,PLN,ULP-CKN\n`

    const id = await upload(app, browser, csv)
    expect(id.status).toBe(422)
    const idHtml = await id.text()
    expect(idHtml).toContain('Berkas CSV ini rusak di baris 3')
    expect(idHtml).toContain('tanda kutip (&quot;) di tengah kolom')
    expect(idHtml).not.toContain('action="/admin/officers/import/confirm"')

    const en = await upload(app, browser, `${HEADER}\nCSV-0001,"Ani,Cater,PLN,ULP-CKN\n`, '?lang=en')
    expect(en.status).toBe(422)
    expect(await en.text()).toContain('This CSV file is broken at line 2: a quote (&quot;) is opened and never closed.')

    // A tampered confirm meets the same parser.
    expect((await browser.post('/admin/officers/import/confirm', { csv })).status).toBe(422)
    expect((await app.db.select().from(officers).all()).length).toBe(before)
  })
})
