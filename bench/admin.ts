/**
 * Bench section for the admin console (issue 5): on a database of 100,000 reports and 1,000,000
 * scans, the report queue with each single filter, the statistics page and the campaigns page
 * (p95 over sequential requests of a signed-in admin), and the streamed CSV export of every
 * report (time, and the server's memory before, at its peak during, and after the download).
 *
 * It runs its own server on its own temporary DATA_DIR (and, on PostgreSQL, its own database), so
 * no other section's rows change what it measures. It runs on either engine.
 */
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { officers, reportEvents, reportNotes, reports, scans, units } from '../db/schema.ts'
import { createUser } from '../src/auth/users.ts'
import { systemClock } from '../src/config.ts'
import { DAY_MS, wibDay } from '../src/i18n/time.ts'
import { NO_REPORT_FILTERS, parseReportFilters, reportFilterSql, type ReportFilters } from '../src/reports/filters.ts'
import { measureCpu } from './cpu.ts'
import { logIn, PASSWORD } from './portal.ts'
import { openServerDatabase } from './postgres.ts'
import { below, fmt, holds, printTable, type SectionResult } from './report.ts'
import { engineName } from './reports.ts'
import type { BenchServer } from './server.ts'

const SIZE = { reports: 100_000, scans: 1_000_000, officers: 2_000, days: 365 }
const SAMPLES = { warmup: 3, measured: 40 }
const TARGETS = { pageP95Ms: 150, exportSeconds: 5, exportRssGrowthMb: 64 }

const STATUSES = ['new', 'in_review', 'forwarded', 'resolved_scam', 'resolved_genuine', 'rejected'] as const
const CATEGORIES = ['money', 'otp', 'ktp_photo', 'threat', 'apk_link', 'other', null] as const
const VERDICTS = ['valid', 'valid', 'valid', 'valid', 'valid', 'valid', 'expired', 'not_yet_valid', 'revoked', 'officer_suspended', 'key_revoked', 'forged', 'forged', 'wrong_type', 'malformed'] as const
const PLACES = ['Cikini', 'Gondangdia', 'Menteng', 'Pegangsaan', 'Kebon Sirih', 'Ampenan Utara', 'Jatibarang Baru', 'Pekauman', 'Sukamaju', 'Karanganyar']

interface PageFigures {
  path: string
  status: number
  bytes: number
  p50Ms: number
  p95Ms: number
  maxMs: number
  /** CPU per request of the server process, and of PostgreSQL's processes (null on SQLite, whose work is in the server). */
  serverCpuMsPerRequest: number | null
  databaseCpuMsPerRequest: number | null
  /** The same filter's SQL (page of 50 and count) run in the bench process, without HTTP or rendering. */
  sqlP95Ms: number | null
}

/** Runs on either engine: `startFresh` starts a server on a new database of the engine under test. */
export async function adminConsole({ startFresh }: { startFresh: () => Promise<BenchServer> }): Promise<SectionResult> {
  const server = await startFresh()
  const probe = await openServerDatabase(server)
  try {
    const seeded = await seedAdminData(probe)
    const cookie = await signInAdmin(server, probe)
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
    const exported = await measureExport(server, cookie)

    printTable(
      `Admin pages on ${engineName(server)}, ${fmt.int(seeded.reports)} reports and ${fmt.int(seeded.scans)} scans (seeded in ${seeded.seconds.toFixed(1)} s); ${SAMPLES.measured} sequential requests each, signed-in admin`,
      ['page', 'filter', 'status', 'bytes', 'p50', 'p95', 'max', 'SQL only p95', 'CPU/page server + PostgreSQL'],
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
    const queueGeomean = (figure: (page: PageFigures) => number | null) => geometricMean(queue.map(figure))
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
      compared: [
        { figure: 'queue p50, geometric mean of 10 filters', value: queueGeomean((page) => page.p50Ms), format: roundedMs },
        { figure: 'queue p95, geometric mean of 10 filters', value: queueGeomean((page) => page.p95Ms), format: roundedMs },
        { figure: 'queue CPU/page (server + PostgreSQL), geo. mean', value: queueGeomean(totalCpuMs), format: roundedMs },
        { figure: 'queue SQL only p95, geometric mean', value: queueGeomean((page) => page.sqlP95Ms), format: roundedMs },
        { figure: 'statistics p50 (30 days)', value: stats.p50Ms, format: roundedMs },
        { figure: 'statistics p95 (30 days)', value: stats.p95Ms, format: roundedMs },
        { figure: 'statistics p50 (a whole year)', value: statsYear.p50Ms, format: roundedMs },
        { figure: 'statistics CPU/page (a whole year)', value: totalCpuMs(statsYear), format: roundedMs },
        { figure: 'campaigns p50', value: campaigns.p50Ms, format: roundedMs },
        { figure: 'campaigns CPU/page', value: totalCpuMs(campaigns), format: roundedMs },
        { figure: 'CSV export of every report, seconds', value: exported.seconds, format: (n) => `${n.toFixed(2)} s` },
        { figure: 'seeding 100k reports + 1M scans, seconds', value: seeded.seconds, format: (n) => `${n.toFixed(1)} s` },
      ],
    }
  } catch (error) {
    const log = server.stderrLines().slice(0, 20).join('\n')
    throw log ? new Error(`${error instanceof Error ? error.message : String(error)}; the admin bench server wrote:\n${log}`) : error
  } finally {
    await probe.close()
    await server.stop()
  }
}

function pageRow(page: string, filter: string, figures: PageFigures): string[] {
  const cpu = totalCpuMs(figures)
  return [page, filter, String(figures.status), fmt.bytes(figures.bytes), fmt.ms(round(figures.p50Ms)), fmt.ms(round(figures.p95Ms)), fmt.ms(round(figures.maxMs)), figures.sqlP95Ms === null ? '' : fmt.ms(round(figures.sqlP95Ms)), cpu === null ? 'n/a' : fmt.ms(round(cpu))]
}

function totalCpuMs(figures: PageFigures): number | null {
  return figures.serverCpuMsPerRequest === null ? null : figures.serverCpuMsPerRequest + (figures.databaseCpuMsPerRequest ?? 0)
}

const roundedMs = (n: number) => fmt.ms(round(n))

/** Pages differ by orders of magnitude; the geometric mean lets each count alike. Null if any is missing. */
function geometricMean(values: (number | null)[]): number | null {
  if (values.length === 0 || values.some((value) => value === null || value <= 0)) return null
  return Math.exp(values.reduce<number>((total, value) => total + Math.log(value!), 0) / values.length)
}

const BATCH = { reports: 500, rows: 1000 }

/**
 * Writes the data into the server's database through `Db`, on either engine, in multi-row inserts
 * of a transaction each: the server keeps running, and its own writers (sessions, background jobs)
 * get their turns in between instead of timing out behind one long transaction. Times span the
 * last year.
 * PostgreSQL then gets `analyze`, as its autovacuum would soon do on a live service; SQLite runs
 * without statistics as the app leaves it.
 */
export async function seedAdminData(db: Db): Promise<{ reports: number; scans: number; seconds: number }> {
  const start = performance.now()
  const now = Date.now()
  const random = seededRandom(20261123)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
  const ulps: string[] = []
  const unitRows: (typeof units.$inferInsert)[] = []
  for (let uid = 0; uid < 5; uid++) {
    unitRows.push({ code: `B-UID-${uid}`, name: `UID Bench ${uid}`, level: 'UID', parentCode: null, timeZone: 'Asia/Jakarta' })
    for (let up3 = 0; up3 < 4; up3++) {
      unitRows.push({ code: `B-UP3-${uid}${up3}`, name: `UP3 Bench ${uid}.${up3}`, level: 'UP3', parentCode: `B-UID-${uid}`, timeZone: 'Asia/Jakarta' })
      for (let ulp = 0; ulp < 5; ulp++) {
        const code = `B-ULP-${uid}${up3}${ulp}`
        unitRows.push({ code, name: `ULP Bench ${uid}.${up3}.${ulp}`, level: 'ULP', parentCode: `B-UP3-${uid}${up3}`, timeZone: 'Asia/Jakarta' })
        ulps.push(code)
      }
    }
  }
  const officerRows = Array.from({ length: SIZE.officers }, (_, i) => ({ employeeNo: `BN-${String(i).padStart(6, '0')}`, name: `Petugas Bench ${i}`, roleTitle: 'Petugas', employer: 'PLN', unitCode: ulps[i % ulps.length]!, status: 'active' as const, createdAt: now, updatedAt: now }))
  await db.transaction(async (tx) => {
    await tx.insert(units).values(unitRows).onConflictDoNothing()
    for (const batch of batches(officerRows, BATCH.rows)) await tx.insert(officers).values(batch)
  })

  // In time order, as a live service writes them: rows of one period sit together on disk.
  const reportTimes = spreadOverYear(SIZE.reports, now, random)
  for (let first = 0; first < SIZE.reports; first += BATCH.reports) {
    const reportRows: (typeof reports.$inferInsert)[] = []
    const followUps: { ticket: string; at: number; status: string; noted: boolean; reviewedAt: number; notedAt: number }[] = []
    for (let i = first; i < Math.min(SIZE.reports, first + BATCH.reports); i++) {
      const at = reportTimes[i]!
      const row = benchReport(i, at, random, pick, ulps)
      reportRows.push(row)
      // Drawn in the order the file-based seed drew them, so the data matches earlier runs.
      const reviewedAt = row.status !== 'new' ? at + Math.floor(random() * 48 * 3600 * 1000) : 0
      const noted = random() < 0.2
      followUps.push({ ticket: row.ticket, at, status: row.status!, noted, reviewedAt, notedAt: noted ? at + Math.floor(random() * 24 * 3600 * 1000) : 0 })
    }
    await db.transaction(async (tx) => {
      const inserted = await tx.insert(reports).values(reportRows).returning({ id: reports.id, ticket: reports.ticket })
      const idOf = new Map(inserted.map((row) => [row.ticket, row.id]))
      const events: (typeof reportEvents.$inferInsert)[] = []
      const notes: (typeof reportNotes.$inferInsert)[] = []
      for (const report of followUps) {
        const reportId = idOf.get(report.ticket)!
        events.push({ reportId, kind: 'created', status: null, visibleToReporter: true, at: report.at })
        if (report.status !== 'new') events.push({ reportId, kind: 'status_changed', status: 'in_review', visibleToReporter: true, at: report.reviewedAt })
        if (report.noted) notes.push({ reportId, author: 'bench', text: 'Sudah dihubungi', at: report.notedAt })
      }
      await tx.insert(reportEvents).values(events)
      if (notes.length > 0) await tx.insert(reportNotes).values(notes)
    })
  }
  const scanTimes = spreadOverYear(SIZE.scans, now, random)
  for (let first = 0; first < SIZE.scans; first += BATCH.rows) {
    const scanRows: (typeof scans.$inferInsert)[] = []
    for (let i = first; i < Math.min(SIZE.scans, first + BATCH.rows); i++) {
      const verdict = pick(VERDICTS)
      scanRows.push({ tokenHash: `s${i}`, credentialId: verdict === 'valid' ? `pass-${i % 20_000}` : null, verdict, via: 'page', scannedAt: scanTimes[i]! })
    }
    await db.transaction((tx) => tx.insert(scans).values(scanRows), { durability: 'normal' })
  }
  if (db.engine === 'postgres') await db.rows(sql`analyze`)
  else db.$client.pragma('wal_checkpoint(TRUNCATE)')
  return { reports: SIZE.reports, scans: SIZE.scans, seconds: (performance.now() - start) / 1000 }
}

/** Report `i` of the seed: a third genuine passes, a third forged tokens, the rest typed codes or nothing. */
function benchReport(i: number, at: number, random: () => number, pick: <T>(list: readonly T[]) => T, ulps: string[]): typeof reports.$inferInsert & { ticket: string } {
  const kind = random()
  const status = pick(STATUSES)
  const officer = `BN-${String(Math.floor(random() * SIZE.officers)).padStart(6, '0')}`
  let subjectKind: 'token' | 'code' | null = null
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
    claims = JSON.stringify({ sub: officer, jti: credentialId, unt: ulps[Math.floor(random() * ulps.length)] })
  } else if (kind < 0.7) {
    subjectKind = 'token'
    subjectHash = `t${i}`
    verdict = pick(['forged', 'forged', 'expired', 'wrong_type', 'revoked'])
    claims = JSON.stringify({ sub: `FAKE-${Math.floor(random() * 3000)}`, jti: `j${i}`, unt: pick(ulps) })
  } else if (kind < 0.85) {
    subjectKind = 'code'
    subjectHash = `c${Math.floor(random() * 50_000)}`
    verdict = pick(['forged', 'valid', 'malformed'])
  }
  const place = random() < 0.7 ? `${pick(['', 'Kel. ', 'Kelurahan '])}${pick(PLACES)} ${Math.floor(random() * 40)}` : null
  const note = random() < 0.6 ? `Bench ${i}: petugas minta transfer ke rekening pribadi di ${place ?? 'rumah'}` : null
  return {
    ticket: ticketOf(i),
    trackingKeyHash: 'bench',
    foldKey: `u:${i}`,
    subjectKind,
    subjectHash,
    shortCode: null,
    verdict,
    credentialId,
    officerEmployeeNo: officerNo,
    unverifiedClaims: claims,
    category: pick(CATEGORIES),
    note,
    location: place,
    status,
    revision: 1,
    createdAt: at,
    updatedAt: at,
  }
}

function* batches<T>(rows: T[], size: number): Generator<T[]> {
  for (let first = 0; first < rows.length; first += size) yield rows.slice(first, first + size)
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

async function sampleValues(db: Db): Promise<{ unit: string; from: string; to: string; ticket: string }> {
  const [sample] = await db.rows<{ ticket: string }>(sql`select ticket from reports order by id desc limit 1 offset 5000`)
  const ticket = sample?.ticket ?? 'LPR-00000000'
  return { unit: 'B-ULP-123', from: wibDay(Date.now() - 29 * DAY_MS), to: wibDay(Date.now() - 335 * DAY_MS), ticket }
}

async function signInAdmin(server: BenchServer, db: Db): Promise<string> {
  await createUser(db, systemClock, { username: 'bench-admin-console', password: PASSWORD, role: 'admin' })
  const cookie = await logIn(server, 'bench-admin-console')
  if (!cookie) throw new Error('The bench admin could not log in')
  return cookie
}

async function measurePage(server: BenchServer, cookie: string, path: string, measureSql: (() => Promise<number>) | null): Promise<PageFigures> {
  const times: number[] = []
  let status = 0
  let bytes = 0
  const request = async () => {
    const start = performance.now()
    const response = await fetch(`${server.baseUrl}${path}`, { headers: { cookie } })
    const body = await response.arrayBuffer()
    status = response.status
    bytes = body.byteLength
    return performance.now() - start
  }
  for (let i = 0; i < SAMPLES.warmup; i++) await request().catch(retryOnClosedConnection(request))
  const { serverCpuSeconds, databaseCpuSeconds } = await measureCpu(
    server.pid,
    async () => {
      for (let i = 0; i < SAMPLES.measured; i++) times.push(await request())
    },
    server.databasePid,
  )
  const perRequestMs = (seconds: number | null) => (seconds === null ? null : (seconds * 1000) / SAMPLES.measured)
  let sqlP95Ms: number | null = null
  if (measureSql) {
    const sqlTimes: number[] = []
    for (let i = 0; i < SAMPLES.measured; i++) sqlTimes.push(await measureSql())
    sqlP95Ms = percentile(sqlTimes, 0.95)
  }
  return {
    path,
    status,
    bytes,
    p50Ms: percentile(times, 0.5),
    p95Ms: percentile(times, 0.95),
    maxMs: Math.max(...times),
    serverCpuMsPerRequest: perRequestMs(serverCpuSeconds),
    databaseCpuMsPerRequest: perRequestMs(databaseCpuSeconds),
    sqlP95Ms,
  }
}

/**
 * The SQL timing of the previous page leaves the pooled keep-alive connection idle for seconds, and
 * the server may close it just as the next request goes out on it ("other side closed"): a warm-up
 * request gets one more try on a new connection. A server that is down fails that try too.
 */
function retryOnClosedConnection<T>(request: () => Promise<T>): (error: unknown) => Promise<T> {
  return (error) => {
    const code = error instanceof Error ? (error.cause as { code?: unknown } | undefined)?.code : undefined
    if (code === 'UND_ERR_SOCKET') return request()
    throw error
  }
}

/** The queue's two statements for a filter (a page of 50, newest first, and the count), timed in this process. */
async function measureFilterSql(db: Db, path: string): Promise<number> {
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
