/**
 * Bench section for the admin console (issue 5): on a database of 100,000 reports and 1,000,000
 * scans, the report queue with each single filter, the statistics page and the campaigns page
 * (p95 over sequential requests of a signed-in admin), and the streamed CSV export of every
 * report (time, and the server's memory before, at its peak during, and after the download).
 *
 * It runs its own server on its own temporary DATA_DIR, so no other section's rows change what
 * it measures.
 */
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import { sql } from 'drizzle-orm'
import { databasePath, openDatabase } from '../db/client.ts'
import { createUser } from '../src/auth/users.ts'
import { systemClock } from '../src/config.ts'
import { DAY_MS, wibDay } from '../src/i18n/time.ts'
import { NO_REPORT_FILTERS, parseReportFilters, reportFilterSql, type ReportFilters } from '../src/reports/filters.ts'
import { logIn, PASSWORD } from './portal.ts'
import { below, fmt, holds, printTable, type TargetCheck } from './report.ts'
import { startServer, type BenchServer } from './server.ts'

const SIZE = { reports: 100_000, scans: 1_000_000, officers: 2_000, days: 365 }
const SAMPLES = { warmup: 3, measured: 40 }
const TARGETS = { pageP95Ms: 150, exportSeconds: 5, exportRssGrowthMb: 64 }

const STATUSES = ['new', 'in_review', 'forwarded', 'resolved_scam', 'resolved_genuine', 'rejected'] as const
const CATEGORIES = ['money', 'otp', 'ktp_photo', 'threat', 'apk_link', 'other', null] as const
const VERDICTS = ['valid', 'valid', 'valid', 'valid', 'valid', 'valid', 'expired', 'not_yet_valid', 'revoked', 'officer_suspended', 'key_revoked', 'forged', 'forged', 'wrong_type', 'malformed'] as const
const PLACES = ['Cikini', 'Gondangdia', 'Menteng', 'Pegangsaan', 'Kebon Sirih', 'Ampenan Utara', 'Jatibarang Baru', 'Pekauman', 'Sukamaju', 'Karanganyar']

interface SectionResult {
  figures: Record<string, unknown>
  targets: TargetCheck[]
}

interface PageFigures {
  path: string
  status: number
  bytes: number
  p50Ms: number
  p95Ms: number
  maxMs: number
  /** The same filter's SQL (page of 50 and count) run in the bench process, without HTTP or rendering. */
  sqlP95Ms: number | null
}

export async function adminConsole(): Promise<SectionResult> {
  const server = await startServer()
  try {
    const seeded = seedAdminData(server.dataDir)
    const cookie = await signInAdmin(server)
    const probe = openDatabase(databasePath(server.dataDir))
    const samples = await sampleValues(probe)
    const queuePaths: [string, string][] = [
      ['no filter', '/admin/reports'],
      ['status', '/admin/reports?status=new'],
      ['verdict', '/admin/reports?verdict=forged'],
      ['category', '/admin/reports?category=otp'],
      ['unit', `/admin/reports?unit=${samples.unit}`],
      ['from', `/admin/reports?from=${samples.from}`],
      ['to', `/admin/reports?to=${samples.to}`],
      ['q (a common place name)', '/admin/reports?q=Gondangdia'],
      ['q (a word in no report)', '/admin/reports?q=zzkata'],
      ['q (a whole ticket)', `/admin/reports?q=${samples.ticket}`],
    ]
    const queue: PageFigures[] = []
    for (const [, path] of queuePaths) queue.push(await measurePage(server, cookie, path, () => measureFilterSql(probe, path)))
    const stats = await measurePage(server, cookie, '/admin/stats', null)
    const statsYear = await measurePage(server, cookie, `/admin/stats?from=${wibDay(Date.now() - 364 * DAY_MS)}&to=${wibDay(Date.now())}`, null)
    const campaigns = await measurePage(server, cookie, '/admin/campaigns', null)
    probe.$client.close()
    const exported = await measureExport(server, cookie)

    printTable(
      `Admin pages on ${fmt.int(seeded.reports)} reports and ${fmt.int(seeded.scans)} scans (seeded in ${seeded.seconds.toFixed(1)} s); ${SAMPLES.measured} sequential requests each, signed-in admin`,
      ['page', 'filter', 'status', 'bytes', 'p50', 'p95', 'max', 'SQL only p95'],
      [
        ...queue.map((figures, index) => pageRow(`queue`, queuePaths[index]![0], figures)),
        pageRow('statistics', 'default: last 30 days', stats),
        pageRow('statistics', 'a whole year', statsYear),
        pageRow('campaigns', `window: last 60 days`, campaigns),
      ],
    )
    printTable(
      'CSV export: GET /admin/reports.csv (every report), body read as it streams',
      ['figure', 'value'],
      [
        ['rows / bytes', `${fmt.int(exported.rows)} / ${fmt.bytes(exported.bytes)}`],
        ['first byte after', fmt.ms(round(exported.firstByteMs))],
        ['whole download', `${exported.seconds.toFixed(2)} s`],
        ['server RSS before / peak during / after', `${exported.rssBeforeMb.toFixed(1)} / ${exported.rssPeakMb.toFixed(1)} / ${exported.rssAfterMb.toFixed(1)} MB`],
        ['RSS samples taken during the download', fmt.int(exported.rssSamples)],
      ],
    )
    const allOk = [...queue, stats, campaigns].every((figures) => figures.status === 200)
    return {
      figures: { seeded, queue: queue.map((figures, index) => ({ filter: queuePaths[index]![0], ...figures })), stats, statsYear, campaigns, export: exported },
      targets: [
        ...queue.map((figures, index) => below(`queue p95, ${queuePaths[index]![0]}`, figures.p95Ms, TARGETS.pageP95Ms, fmt.ms)),
        below('statistics page p95 (30 days)', stats.p95Ms, TARGETS.pageP95Ms, fmt.ms),
        holds('admin pages answered 200', allOk),
        below('CSV export of every report', exported.seconds, TARGETS.exportSeconds, (n) => `${n.toFixed(2)} s`),
        holds(`CSV export complete (${fmt.int(seeded.reports)} rows)`, exported.rows === seeded.reports),
        below('server RSS growth during the export (peak − before)', exported.rssPeakMb - exported.rssBeforeMb, TARGETS.exportRssGrowthMb, (n) => `${n.toFixed(1)} MB`),
      ],
    }
  } catch (error) {
    const log = server.stderrLines().slice(0, 20).join('\n')
    throw log ? new Error(`${error instanceof Error ? error.message : String(error)}; the admin bench server wrote:\n${log}`) : error
  } finally {
    await server.stop()
  }
}

function pageRow(page: string, filter: string, figures: PageFigures): string[] {
  return [page, filter, String(figures.status), fmt.bytes(figures.bytes), fmt.ms(round(figures.p50Ms)), fmt.ms(round(figures.p95Ms)), fmt.ms(round(figures.maxMs)), figures.sqlP95Ms === null ? '' : fmt.ms(round(figures.sqlP95Ms))]
}

/**
 * Writes the data straight into the server's database file in one transaction with prepared
 * statements (the server keeps running: WAL lets it read on). Times span the last year.
 */
export function seedAdminData(dataDir: string): { reports: number; scans: number; seconds: number } {
  const start = performance.now()
  const db = new Database(databasePath(dataDir))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = OFF')
  const now = Date.now()
  const random = seededRandom(20261123)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
  const units: string[] = []
  db.transaction(() => {
    const insertUnit = db.prepare('insert or ignore into units (code, name, level, parent_code, time_zone) values (?, ?, ?, ?, ?)')
    for (let uid = 0; uid < 5; uid++) {
      insertUnit.run(`B-UID-${uid}`, `UID Bench ${uid}`, 'UID', null, 'Asia/Jakarta')
      for (let up3 = 0; up3 < 4; up3++) {
        insertUnit.run(`B-UP3-${uid}${up3}`, `UP3 Bench ${uid}.${up3}`, 'UP3', `B-UID-${uid}`, 'Asia/Jakarta')
        for (let ulp = 0; ulp < 5; ulp++) {
          const code = `B-ULP-${uid}${up3}${ulp}`
          insertUnit.run(code, `ULP Bench ${uid}.${up3}.${ulp}`, 'ULP', `B-UP3-${uid}${up3}`, 'Asia/Jakarta')
          units.push(code)
        }
      }
    }
    const insertOfficer = db.prepare("insert into officers (employee_no, name, role_title, employer, unit_code, status, created_at, updated_at) values (?, ?, 'Petugas', 'PLN', ?, 'active', ?, ?)")
    for (let i = 0; i < SIZE.officers; i++) insertOfficer.run(`BN-${String(i).padStart(6, '0')}`, `Petugas Bench ${i}`, units[i % units.length]!, now, now)

    const insertReport = db.prepare(`insert into reports (ticket, tracking_key_hash, fold_key, subject_kind, subject_hash, short_code, verdict,
      credential_id, officer_employee_no, unverified_claims, category, note, location, status, revision, created_at, updated_at)
      values (?, 'bench', ?, ?, ?, null, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`)
    const insertEvent = db.prepare('insert into report_events (report_id, kind, status, visible_to_reporter, at) values (?, ?, ?, 1, ?)')
    const insertNote = db.prepare("insert into report_notes (report_id, author, text, at) values (?, 'bench', 'Sudah dihubungi', ?)")
    // In time order, as a live service writes them: rows of one period sit together on disk.
    const reportTimes = spreadOverYear(SIZE.reports, now, random)
    for (let i = 0; i < SIZE.reports; i++) {
      const at = reportTimes[i]!
      const kind = random()
      const status = pick(STATUSES)
      const officer = `BN-${String(Math.floor(random() * SIZE.officers)).padStart(6, '0')}`
      let subjectKind: string | null = null
      let subjectHash: string | null = null
      let verdict: string | null = null
      let credentialId: string | null = null
      let officerNo: string | null = null
      let claims: string | null = null
      if (kind < 0.35) {
        subjectKind = 'token'
        subjectHash = `t${i}`
        verdict = 'valid'
        credentialId = `pass-${Math.floor(random() * 20_000)}`
        officerNo = officer
        claims = JSON.stringify({ sub: officer, jti: credentialId, unt: units[Math.floor(random() * units.length)] })
      } else if (kind < 0.7) {
        subjectKind = 'token'
        subjectHash = `t${i}`
        verdict = pick(['forged', 'forged', 'expired', 'wrong_type', 'revoked'])
        claims = JSON.stringify({ sub: `FAKE-${Math.floor(random() * 3000)}`, jti: `j${i}`, unt: pick(units) })
      } else if (kind < 0.85) {
        subjectKind = 'code'
        subjectHash = `c${Math.floor(random() * 50_000)}`
        verdict = pick(['forged', 'valid', 'malformed'])
      }
      const place = random() < 0.7 ? `${pick(['', 'Kel. ', 'Kelurahan '])}${pick(PLACES)} ${Math.floor(random() * 40)}` : null
      const note = random() < 0.6 ? `Bench ${i}: petugas minta transfer ke rekening pribadi di ${place ?? 'rumah'}` : null
      const { lastInsertRowid } = insertReport.run(ticketOf(i), `u:${i}`, subjectKind, subjectHash, verdict, credentialId, officerNo, claims, pick(CATEGORIES), note, place, status, at, at)
      const reportId = Number(lastInsertRowid)
      insertEvent.run(reportId, 'created', null, at)
      if (status !== 'new') insertEvent.run(reportId, 'status_changed', 'in_review', at + Math.floor(random() * 48 * 3600 * 1000))
      if (random() < 0.2) insertNote.run(reportId, at + Math.floor(random() * 24 * 3600 * 1000))
    }
    const insertScan = db.prepare("insert into scans (token_hash, credential_id, verdict, via, scanned_at) values (?, ?, ?, 'page', ?)")
    const scanTimes = spreadOverYear(SIZE.scans, now, random)
    for (let i = 0; i < SIZE.scans; i++) {
      const verdict = pick(VERDICTS)
      insertScan.run(`s${i}`, verdict === 'valid' ? `pass-${i % 20_000}` : null, verdict, scanTimes[i]!)
    }
  })()
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  return { reports: SIZE.reports, scans: SIZE.scans, seconds: (performance.now() - start) / 1000 }
}

/** `count` random moments of the last SIZE.days days, oldest first. */
function spreadOverYear(count: number, now: number, random: () => number): Float64Array {
  return Float64Array.from({ length: count }, () => now - Math.floor(random() * SIZE.days * DAY_MS)).sort()
}

export function ticketOf(index: number): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
  let text = ''
  for (let n = index, i = 0; i < 8; i++, n = Math.floor(n / 32)) text = alphabet[n % 32] + text
  return `LPR-${text}`
}

/** A small, repeatable generator (mulberry32), so every run measures the same data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

async function sampleValues(db: ReturnType<typeof openDatabase>): Promise<{ unit: string; from: string; to: string; ticket: string }> {
  const [sample] = await db.rows<{ ticket: string }>(sql`select ticket from reports order by id desc limit 1 offset 5000`)
  const ticket = sample?.ticket ?? 'LPR-00000000'
  return { unit: 'B-ULP-123', from: wibDay(Date.now() - 29 * DAY_MS), to: wibDay(Date.now() - 335 * DAY_MS), ticket }
}

async function signInAdmin(server: BenchServer): Promise<string> {
  const db = openDatabase(databasePath(server.dataDir))
  try {
    await createUser(db, systemClock, { username: 'bench-admin-console', password: PASSWORD, role: 'admin' })
  } finally {
    db.$client.close()
  }
  const cookie = await logIn(server, 'bench-admin-console')
  if (!cookie) throw new Error('The bench admin could not log in')
  return cookie
}

async function measurePage(server: BenchServer, cookie: string, path: string, measureSql: (() => Promise<number>) | null): Promise<PageFigures> {
  const times: number[] = []
  let status = 0
  let bytes = 0
  for (let i = 0; i < SAMPLES.warmup + SAMPLES.measured; i++) {
    const start = performance.now()
    const response = await fetch(`${server.baseUrl}${path}`, { headers: { cookie } })
    const body = await response.arrayBuffer()
    const elapsed = performance.now() - start
    if (i >= SAMPLES.warmup) times.push(elapsed)
    status = response.status
    bytes = body.byteLength
  }
  let sqlP95Ms: number | null = null
  if (measureSql) {
    const sqlTimes: number[] = []
    for (let i = 0; i < SAMPLES.measured; i++) sqlTimes.push(await measureSql())
    sqlP95Ms = percentile(sqlTimes, 0.95)
  }
  return { path, status, bytes, p50Ms: percentile(times, 0.5), p95Ms: percentile(times, 0.95), maxMs: Math.max(...times), sqlP95Ms }
}

/** The queue's two statements for a filter (a page of 50, newest first, and the count), timed in this process. */
async function measureFilterSql(db: ReturnType<typeof openDatabase>, path: string): Promise<number> {
  const query = Object.fromEntries(new URL(path, 'http://bench').searchParams)
  const filters: ReportFilters = { ...NO_REPORT_FILTERS, ...parseReportFilters(query) }
  const where = reportFilterSql(filters, null)
  const start = performance.now()
  await db.rows(sql`select * from reports where ${where} order by created_at desc limit 50`)
  await db.rows(sql`select count(*) from reports where ${where}`)
  return performance.now() - start
}

interface ExportFigures {
  rows: number
  bytes: number
  seconds: number
  firstByteMs: number
  rssBeforeMb: number
  rssPeakMb: number
  rssAfterMb: number
  rssSamples: number
}

async function measureExport(server: BenchServer, cookie: string): Promise<ExportFigures> {
  const rss = () => serverRssMb(server.pid)
  const rssBeforeMb = rss()
  let rssPeakMb = rssBeforeMb
  let rssSamples = 0
  // Sampled from /proc while the body streams; a buffered export would show as a peak here.
  const sampler = setInterval(() => {
    rssPeakMb = Math.max(rssPeakMb, rss())
    rssSamples++
  }, 20)
  const start = performance.now()
  let firstByteMs = 0
  let bytes = 0
  let newlines = 0
  try {
    const response = await fetch(`${server.baseUrl}/admin/reports.csv`, { headers: { cookie } })
    if (response.status !== 200 || !response.body) throw new Error(`GET /admin/reports.csv answered ${response.status}`)
    const reader = response.body.getReader()
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      if (bytes === 0) firstByteMs = performance.now() - start
      bytes += value.byteLength
      // Notes hold no raw line breaks in this data, so CRLF count = records.
      for (let i = 0; i < value.length; i++) if (value[i] === 10) newlines++
    }
  } finally {
    clearInterval(sampler)
  }
  const seconds = (performance.now() - start) / 1000
  rssPeakMb = Math.max(rssPeakMb, rss())
  return { rows: newlines - 1, bytes, seconds, firstByteMs, rssBeforeMb, rssPeakMb, rssAfterMb: rss(), rssSamples }
}

function serverRssMb(pid: number | undefined): number {
  if (pid === undefined) return 0
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) / 1024 : 0
  } catch {
    return 0
  }
}

export function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0
}

export function round(ms: number): number {
  return Math.round(ms * 10) / 10
}
