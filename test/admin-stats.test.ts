import { describe, expect, it } from 'vitest'
import { reportEvents, reportNotes, scans } from '../db/schema.ts'
import { buildDailyChart } from '../src/routes/admin/charts.ts'
import { plural } from '../src/i18n/plural.ts'
import { statsRange } from '../src/routes/admin/stats.tsx'
import { addUnit } from '../src/officers/officers.ts'
import { NO_REPORT_FILTERS } from '../src/reports/filters.ts'
import { countReportsByDayAndCategory, measureFirstAction, rankReportAreas, rankReportUnits } from '../src/reports/stats.ts'
import { countScansByDayAndVerdict } from '../src/verification/scan-stats.ts'
import { createTestApp, givenOfficer, givenPass, START } from './helpers.ts'
import { givenReport } from './support/reports.ts'
import { givenUser, signIn } from './support/session.ts'

const MINUTE = 60 * 1000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
/** 2026-11-22 09:00 WIB, the day before the clock's "today". */
const YESTERDAY = START - DAY

async function world() {
  const app = await createTestApp({ config: { rateLimit: false } })
  await addUnit(app.db, { code: 'UID-JTY', name: 'UID Jawa Tengah & DIY', level: 'UID' })
  await addUnit(app.db, { code: 'ULP-JTB', name: 'ULP Jatibarang', level: 'ULP', parentCode: 'UID-JTY' })
  const admin = await givenUser(app, 'admin', null, 'admin-statistik')
  const supervisor = await givenUser(app, 'supervisor', await givenOfficer(app.services, { unitCode: 'UP3-MTG' }), 'spv-menteng')
  const near = await givenOfficer(app.services, { unitCode: 'ULP-CKN' })
  const far = await givenOfficer(app.services, { unitCode: 'ULP-JTB' })
  const nearPass = await givenPass(app.services, { officer: near })
  const farPass = await givenPass(app.services, { officer: far })
  return { app, admin, supervisor, near, far, nearPass, farPass }
}

type World = Awaited<ReturnType<typeof world>>

async function givenScan(app: World['app'], verdict: string, scannedAt: number, credentialId: string | null = null) {
  await app.db.insert(scans).values({ tokenHash: `t-${Math.random()}`, credentialId, verdict, via: 'page', scannedAt }).run()
}

/**
 * Yesterday: 3 valid scans of the near officer's pass (one at 23:30 WIB) and 2 forged codes.
 * Today: 1 valid scan at 00:30 WIB (still yesterday in UTC) and 1 expired scan of the far pass.
 * Forty days ago: one scan outside the default range.
 */
async function givenScans({ app, nearPass, farPass }: World) {
  await givenScan(app, 'valid', YESTERDAY, nearPass.id)
  await givenScan(app, 'valid', YESTERDAY + HOUR, nearPass.id)
  await givenScan(app, 'valid', YESTERDAY + 14.5 * HOUR, nearPass.id)
  await givenScan(app, 'forged', YESTERDAY + 2 * HOUR)
  await givenScan(app, 'forged', YESTERDAY + 3 * HOUR)
  await givenScan(app, 'valid', YESTERDAY + 15.5 * HOUR, nearPass.id)
  await givenScan(app, 'expired', START, farPass.id)
  await givenScan(app, 'malformed', START - 40 * DAY)
}

/** Five reports in range and one before it; three were acted on after 10 min, 30 min and 1 h. */
async function givenReports({ app, near }: World) {
  const acted1 = await givenReport(app, { category: 'money', location: 'Kel. Cikini', verdict: 'valid', officerEmployeeNo: near.employeeNo, createdAt: YESTERDAY })
  const acted2 = await givenReport(app, { category: 'money', location: 'cikini', claims: { sub: 'X-1', unt: 'ULP-JTB' }, createdAt: YESTERDAY + HOUR })
  const acted3 = await givenReport(app, { category: 'money', location: 'Gondangdia', claims: { unt: 'ULP-JTB' }, createdAt: START })
  await givenReport(app, { category: 'otp', location: 'CIKINI', verdict: 'valid', officerEmployeeNo: near.employeeNo, createdAt: START + MINUTE })
  await givenReport(app, { category: null, createdAt: START + 2 * MINUTE })
  await givenReport(app, { category: 'threat', location: 'Cikini', createdAt: START - 40 * DAY })
  await app.db.insert(reportEvents).values({ reportId: acted1.id, kind: 'status_changed', status: 'in_review', at: acted1.createdAt + 10 * MINUTE }).run()
  await app.db.insert(reportNotes).values({ reportId: acted2.id, author: 'admin', text: 'cek', at: acted2.createdAt + 30 * MINUTE }).run()
  await app.db.insert(reportEvents).values({ reportId: acted3.id, kind: 'status_changed', status: 'in_review', at: acted3.createdAt + 2 * HOUR }).run()
  await app.db.insert(reportNotes).values({ reportId: acted3.id, author: 'admin', text: 'cek', at: acted3.createdAt + HOUR }).run()
  // A details_added event is the household's doing, not an action of the team.
  await app.db.insert(reportEvents).values({ reportId: acted3.id, kind: 'details_added', at: acted3.createdAt + MINUTE }).run()
}

/** A row of a chart's data table: the day, then each series shown, then the total. */
function tableRow(html: string, chartId: string, head: string): string[] | null {
  const figure = new RegExp(`<figure class="chart" id="${chartId}">([\\s\\S]*?)</figure>`).exec(html)?.[1] ?? ''
  const row = new RegExp(`<tr><th scope="row">${head}</th>(.*?)</tr>`).exec(figure)?.[1]
  return row ? [...row.matchAll(/<td class="number">(\d+)<\/td>/g)].map((match) => match[1]!) : null
}

describe('statistics queries', () => {
  it('counts verifications per Jakarta day and verdict, and only the officers in scope when asked', async () => {
    const w = await world()
    await givenScans(w)
    const range = { from: YESTERDAY - 9 * HOUR, to: START + 15 * HOUR }
    const all = await countScansByDayAndVerdict(w.app.db, range, null)
    expect(all.sort((a, b) => `${a.day}${a.verdict}`.localeCompare(`${b.day}${b.verdict}`))).toEqual([
      { day: '2026-11-22', verdict: 'forged', count: 2 },
      { day: '2026-11-22', verdict: 'valid', count: 3 },
      { day: '2026-11-23', verdict: 'expired', count: 1 },
      { day: '2026-11-23', verdict: 'valid', count: 1 },
    ])
    expect(await countScansByDayAndVerdict(w.app.db, range, new Set([w.near.id]))).toHaveLength(2)
    expect(await countScansByDayAndVerdict(w.app.db, range, new Set())).toEqual([])
  })

  it('counts reports per day and category, ranks places and units, and takes the median time to first action', async () => {
    const w = await world()
    await givenReports(w)
    const filters = { ...NO_REPORT_FILTERS, from: '2026-11-22', to: '2026-11-23' }
    expect((await countReportsByDayAndCategory(w.app.db, filters, null)).sort((a, b) => `${a.day}${a.category}`.localeCompare(`${b.day}${b.category}`))).toEqual([
      { day: '2026-11-22', category: 'money', count: 2 },
      { day: '2026-11-23', category: 'money', count: 1 },
      { day: '2026-11-23', category: null, count: 1 },
      { day: '2026-11-23', category: 'otp', count: 1 },
    ])
    expect(await rankReportAreas(w.app.db, filters, null, 10)).toEqual([
      { key: 'cikini', label: expect.any(String), count: 3 },
      { key: 'gondangdia', label: 'Gondangdia', count: 1 },
    ])
    expect(await rankReportUnits(w.app.db, filters, null, 10)).toEqual([
      { key: 'ULP-CKN', label: 'ULP Cikini (ULP-CKN)', count: 2 },
      { key: 'ULP-JTB', label: 'ULP Jatibarang (ULP-JTB)', count: 2 },
    ])
    expect(await measureFirstAction(w.app.db, filters, null)).toEqual({ medianMs: 30 * MINUTE, acted: 3, waiting: 2 })
  })

  it('defaults to the last 30 days in WIB and caps a range at a year', () => {
    expect(statsRange({}, START)).toEqual({ from: '2026-10-25', to: '2026-11-23' })
    // 20:00 UTC on the 23rd is already the 24th in Jakarta.
    expect(statsRange({}, Date.UTC(2026, 10, 23, 20))).toEqual({ from: '2026-10-26', to: '2026-11-24' })
    expect(statsRange({ from: '2026-11-23', to: '2026-11-01' }, START)).toEqual({ from: '2026-11-01', to: '2026-11-23' })
    expect(statsRange({ from: '2020-01-01', to: '2026-11-23' }, START)).toEqual({ from: '2025-11-23', to: '2026-11-23' })
    expect(statsRange({ from: '2026-02-30', to: 'kemarin' }, START)).toEqual({ from: '2026-10-25', to: '2026-11-23' })
  })
})

describe('daily charts', () => {
  it('stack each day’s series to scale, with whole-number ticks and the numbers as a table', () => {
    const counts: Record<string, number> = { '2026-11-22|a': 3, '2026-11-22|b': 2, '2026-11-23|a': 7 }
    const chart = buildDailyChart({
      id: 'c',
      title: 'Judul',
      texts: { desc: plural('id', { other: '{count} dari {from} sampai {to}; terbanyak {top}' }), day: 'Tanggal', total: 'Jumlah', noData: '—' },
      days: ['2026-11-22', '2026-11-23'],
      series: [
        { key: 'a', label: 'A', className: 'chart-s0' },
        { key: 'b', label: 'B', className: 'chart-s1' },
      ],
      count: (day, key) => counts[`${day}|${key}`] ?? 0,
      dayLabel: (day) => day.slice(8),
    })
    expect(chart.desc).toBe('12 dari 22 sampai 23; terbanyak A (10)')
    expect(chart.yTicks.map((tick) => tick.label)).toEqual(['0', '2', '4', '6', '8'])
    const [first, second] = chart.bars
    const height = (bar: typeof first) => (bar?.segments ?? []).reduce((sum, segment) => sum + segment.height, 0)
    expect(height(first) / height(second)).toBeCloseTo(5 / 7, 1)
    expect(second!.segments).toHaveLength(1)
    expect(chart.table.rows).toEqual([
      { head: '22', cells: ['3', '2', '5'] },
      { head: '23', cells: ['7', '0', '7'] },
    ])
  })
})

describe('/admin/stats', () => {
  it('shows an admin every chart as accessible SVG with its data table, for the last 30 days by default', async () => {
    const w = await world()
    await givenScans(w)
    await givenReports(w)
    const browser = await signIn(w.app, w.admin.username)
    const res = await browser.get('/admin/stats')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('Rentang: 2026-10-25 – 2026-11-23 (WIB)')
    for (const id of ['chart-verifications', 'chart-reports', 'chart-areas', 'chart-units']) {
      expect(html).toMatch(new RegExp(`<svg class="chart-svg"[^>]*role="img"[^>]*aria-labelledby="${id}-title ${id}-desc"`))
      expect(html).toContain(`<title id="${id}-title">`)
      expect(html).toContain(`<desc id="${id}-desc">`)
    }
    // Columns: valid, expired, forged (series with data, in verdict order), then the total.
    expect(tableRow(html, 'chart-verifications', '22/11')).toEqual(['3', '0', '2', '5'])
    expect(tableRow(html, 'chart-verifications', '23/11')).toEqual(['1', '1', '0', '2'])
    expect(html).toContain('<desc id="chart-verifications-desc">7 pemeriksaan dari 25/10 sampai 23/11; hasil terbanyak: kode asli, petugas terdaftar di PLN (4).</desc>')
    // Columns: money, otp, no category, total; the report of 40 days ago is outside the range.
    expect(tableRow(html, 'chart-reports', '22/11')).toEqual(['2', '0', '0', '2'])
    expect(tableRow(html, 'chart-reports', '23/11')).toEqual(['1', '1', '1', '3'])
    expect(html).not.toContain('Mengancam denda')
    expect(html).toMatch(/<th scope="row">Kel\. Cikini<\/th><td class="number">3<\/td>|<th scope="row">(cikini|CIKINI|Cikini)<\/th><td class="number">3<\/td>/)
    expect(html).toContain('<th scope="row">ULP Cikini (ULP-CKN)</th><td class="number">2</td>')
    expect(html).toContain('<dd data-figure="median">30 menit</dd>')
    expect(html).toContain('<dd data-figure="acted">3</dd>')
    expect(html).toContain('<dd data-figure="waiting">2</dd>')
    expect(html).toContain('<form method="get" action="/admin/stats" class="filters no-print">')
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/)
    expect(html).not.toMatch(/\sstyle="/)
  })

  it('narrows to the date range asked for', async () => {
    const w = await world()
    await givenScans(w)
    await givenReports(w)
    const browser = await signIn(w.app, w.admin.username)
    const html = await (await browser.get('/admin/stats?from=2026-11-23&to=2026-11-23')).text()
    expect(tableRow(html, 'chart-verifications', '22/11')).toBeNull()
    expect(tableRow(html, 'chart-verifications', '23/11')).toEqual(['1', '1', '2'])
    expect(html).toContain('<dd data-figure="median">1 jam 0 menit</dd>')
    const empty = await (await browser.get('/admin/stats?from=2026-01-01&to=2026-01-31')).text()
    expect(empty).toContain('Tidak ada data pada rentang ini.')
    expect(empty).toContain('<dd data-figure="median">—</dd>')
  })

  it('shows a supervisor only the verifications and reports of their units', async () => {
    const w = await world()
    await givenScans(w)
    await givenReports(w)
    const spv = await signIn(w.app, w.supervisor.username)
    const html = await (await spv.get('/admin/stats')).text()
    expect(tableRow(html, 'chart-verifications', '22/11')).toEqual(['3', '3'])
    expect(tableRow(html, 'chart-verifications', '23/11')).toEqual(['1', '1'])
    expect(html).toContain('pemeriksaan kartu petugas di wilayah Anda saja')
    // Their reports: the two of the near officer (money yesterday, otp today).
    expect(tableRow(html, 'chart-reports', '22/11')).toEqual(['1', '0', '1'])
    expect(tableRow(html, 'chart-reports', '23/11')).toEqual(['0', '1', '1'])
    expect(html).not.toContain('ULP Jatibarang')
    expect(html).toContain('<dd data-figure="median">10 menit</dd>')
  })

  it('refuses officers (403) and sends households to the login', async () => {
    const w = await world()
    const officer = await signIn(w.app, (await givenUser(w.app, 'officer', w.near)).username)
    expect((await officer.get('/admin/stats')).status).toBe(403)
    const household = await w.app.request('/admin/stats')
    expect(household.status).toBe(303)
    expect(household.headers.get('location')).toBe('/login')
  })
})
