/**
 * Bench section `cso` (DESIGN §11, issue 14): the 123 desk's search through the CRM screen-pop API,
 * `GET /api/v1/cso/lookup?q=…` with an API key, on a database of 100,000 reports, 1,000,000 scans
 * and 20,000 visit passes. For each kind of search: p50/p95 over sequential requests (one agent
 * waiting for the answer), and lookups per second under load (a contact centre's CRM). Every
 * lookup writes its audit row, so these figures include that write.
 */
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import autocannon from 'autocannon'
import { databasePath, openDatabase } from '../db/client.ts'
import { percentile, round, seedAdminData, seededRandom, ticketOf } from './admin.ts'
import { atLeast, below, fmt, holds, printTable, type TargetCheck } from './report.ts'
import { runCli, startServer } from './server.ts'

const SAMPLES = { warmup: 5, measured: 200 }
const LOAD = { connections: 10, seconds: 5, warmupSeconds: 1 }
const PASSES = 20_000
/** A desk of 1,000 agents each searching once a minute asks 17 lookups a second; the answer is read out while the caller waits. */
const TARGETS = { p95Ms: 100, lookupsPerSec: 100 }

interface SectionResult {
  figures: Record<string, unknown>
  targets: TargetCheck[]
}

interface KindFigures {
  kind: string
  answer: string
  p50Ms: number
  p95Ms: number
  lookupsPerSec: number
  non2xx: number
}

export async function deskLookups(): Promise<SectionResult> {
  const server = await startServer()
  try {
    const db = openDatabase(databasePath(server.dataDir))
    const seeded = await seedAdminData(db).finally(() => db.close())
    seedVisitPasses(server.dataDir)
    const { key } = (await runCli(server.env, ['apikey', 'create', '--name', 'bench CRM', '--scope', 'cso'])) as { key: string }
    const customerWithVisit = '532100077777'
    const issued = (await runCli(server.env, ['pass', 'issue', '--officer', '9015234A', '--customer', customerWithVisit, '--purpose', 'P2TL'])) as { code: string; token: string }
    const queries: [string, string][] = [
      ['short code (valid pass)', issued.code],
      ['token (valid pass)', issued.token],
      ['ID pelanggan, active visit', customerWithVisit],
      ['ID pelanggan, no visit', '532100000001'],
      ['ticket', ticketOf(54_321)],
      ['employee number', 'BN-000777'],
      ['unknown code', 'ZZZZ-ZZZZ'],
    ]
    const kinds: KindFigures[] = []
    for (const [kind, q] of queries) kinds.push(await measureKind(server.baseUrl, key, kind, q))
    printTable(
      `123 desk lookups (GET /api/v1/cso/lookup) on ${fmt.int(seeded.reports)} reports, ${fmt.int(seeded.scans)} scans and ${fmt.int(PASSES)} visit passes; latency over ${SAMPLES.measured} sequential lookups, throughput with ${LOAD.connections} connections for ${LOAD.seconds} s`,
      ['search', 'answer', 'p50', 'p95', 'lookups/s', 'non-2xx'],
      kinds.map((figures) => [figures.kind, figures.answer, fmt.ms(figures.p50Ms), fmt.ms(figures.p95Ms), fmt.int(Math.round(figures.lookupsPerSec)), fmt.int(figures.non2xx)]),
    )
    return {
      figures: { seeded, passes: PASSES, kinds },
      targets: [
        ...kinds.map((figures) => below(`p95, ${figures.kind}`, figures.p95Ms, TARGETS.p95Ms, fmt.ms)),
        ...kinds.map((figures) => atLeast(`lookups/s, ${figures.kind}`, figures.lookupsPerSec, TARGETS.lookupsPerSec, (n) => fmt.int(Math.round(n)))),
        holds('every lookup answered 200', kinds.every((figures) => figures.non2xx === 0)),
      ],
    }
  } catch (error) {
    const log = server.stderrLines().slice(0, 20).join('\n')
    throw log ? new Error(`${error instanceof Error ? error.message : String(error)}; the desk bench server wrote:\n${log}`) : error
  } finally {
    await server.stop()
  }
}

async function measureKind(baseUrl: string, key: string, kind: string, q: string): Promise<KindFigures> {
  const url = `${baseUrl}/api/v1/cso/lookup?q=${encodeURIComponent(q)}`
  const headers = { authorization: `Bearer ${key}` }
  let answer = ''
  const times: number[] = []
  for (let i = 0; i < SAMPLES.warmup + SAMPLES.measured; i++) {
    const t0 = performance.now()
    const response = await fetch(url, { headers })
    const body = (await response.json()) as { kind?: string; verdict?: string; activePass?: unknown }
    if (response.status !== 200) throw new Error(`lookup of ${kind} answered ${response.status}`)
    if (i >= SAMPLES.warmup) times.push(performance.now() - t0)
    answer = body.kind === 'credential' ? `credential: ${body.verdict}` : body.kind === 'customer' ? `customer: ${body.activePass ? 'active visit' : 'none'}` : String(body.kind)
  }
  await autocannon({ url, headers, connections: LOAD.connections, duration: LOAD.warmupSeconds })
  const load = await autocannon({ url, headers, connections: LOAD.connections, duration: LOAD.seconds })
  return { kind, answer, p50Ms: round(percentile(times, 0.5)), p95Ms: round(percentile(times, 0.95)), lookupsPerSec: load.requests.average, non2xx: load.non2xx }
}

/** Visit passes of other customers, so the customer search runs on an index of realistic size. */
function seedVisitPasses(dataDir: string): void {
  const db = new Database(databasePath(dataDir))
  db.pragma('synchronous = OFF')
  const random = seededRandom(20261202)
  const now = Date.now()
  db.transaction(() => {
    const officers = db.prepare("select id from officers where employee_no like 'BN-%'").all() as { id: number }[]
    const insert = db.prepare(`insert into credentials (id, kind, officer_id, short_code, kid, purpose, ktp_policy, customer_hash, customer_last4, window_start, window_end, issued_at, issued_by)
      values (?, 'visit_pass', ?, ?, 'bench', 'P2TL', 'view', ?, ?, ?, ?, ?, 'bench')`)
    for (let i = 0; i < PASSES; i++) {
      const start = now - Math.floor(random() * 30 * 24 * 3600 * 1000)
      insert.run(`bench-pass-${i}`, officers[i % officers.length]!.id, `B${String(i).padStart(7, '0')}`, randomBytes(32).toString('hex'), String(1000 + (i % 9000)), start, start + 8 * 3600 * 1000, start)
    }
  })()
  db.close()
}
