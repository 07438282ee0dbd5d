/**
 * Bench section for scam reports (issue 4): report creation through POST /api/v1/reports with
 * the durable commit (report, timeline entry and outbox row in one transaction), then delivery
 * of that backlog to a local Standard Webhooks receiver with `outbox drain --now`. Issue 10 adds
 * what durability against power loss costs (synchronous=FULL against NORMAL on the same commit
 * path and disk, in the same run) and what drawing every secret straight from
 * crypto.randomBytes costs against the 4 KB pool it replaced.
 */
import { randomBytes, randomFillSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import autocannon from 'autocannon'
import { sql } from 'drizzle-orm'
import { Webhook } from 'standardwebhooks'
import { databasePath, openDatabase, type Db } from '../db/client.ts'
import { loadConfig, systemClock } from '../src/config.ts'
import { createReport } from '../src/reports/reports.ts'
import { NO_DETAILS } from '../src/reports/details.ts'
import { createServices } from '../src/services.ts'
import { measureCpu } from './cpu.ts'
import { openServerDatabase } from './postgres.ts'
import { atLeast, below, fmt, fmtUs, holds, printTable, type SectionResult } from './report.ts'
import { runCli, type BenchServer } from './server.ts'

const TARGETS = { reportsPerSec: 1000, p99Ms: 50 }
const LOAD = { connections: 50, seconds: 10, warmupSeconds: 2 }

/** Every request differs (autocannon puts a unique id in place of `[<id>]`): each one is a real report. */
const REPORT_BODY = JSON.stringify({
  category: 'money',
  note: 'Bench [<id>]: minta transfer ke rekening pribadi untuk "denda" P2TL',
  phone: '0812 3456 7890',
  location: 'Cikini',
})

/**
 * Runs on either engine. What is SQLite's alone (synchronous=FULL against NORMAL) and what does not
 * touch a database (random bytes) is measured on the SQLite run only.
 */
export async function reportThroughput({ server }: { server: BenchServer }): Promise<SectionResult> {
  const db = await openServerDatabase(server)
  try {
    return await measureReports(server, db)
  } finally {
    await db.close()
  }
}

async function measureReports(server: BenchServer, db: Db): Promise<SectionResult> {
  const url = `${server.baseUrl}/api/v1/reports`
  const probe = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: REPORT_BODY.replace('[<id>]', 'probe') })
  if (probe.status !== 201) throw new Error(`POST /api/v1/reports answered ${probe.status}: ${(await probe.text()).slice(0, 200)}`)

  const options = { url, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: REPORT_BODY, idReplacement: true, connections: LOAD.connections }
  await autocannon({ ...options, duration: LOAD.warmupSeconds })
  const before = await countRows(db)
  const { result, wallSeconds, serverCpuSeconds, databaseCpuSeconds } = await measureCpu(server.pid, () => autocannon({ ...options, duration: LOAD.seconds }), server.databasePid)
  const after = await countRows(db)
  const created = after.reports - before.reports
  const committed = result.non2xx === 0 && result.errors === 0 && after.outbox - before.outbox === created && created >= result.requests.total
  const creation = {
    reportsPerSec: result.requests.average,
    meanMs: result.latency.mean,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    reportsInDatabase: created,
    serverCpuUsPerReport: serverCpuSeconds === null || created === 0 ? null : (serverCpuSeconds * 1e6) / created,
    /** PostgreSQL's processes; null on SQLite, whose work is inside the server process. */
    databaseCpuUsPerReport: databaseCpuSeconds === null || created === 0 ? null : (databaseCpuSeconds * 1e6) / created,
    serverCores: serverCpuSeconds === null ? null : serverCpuSeconds / wallSeconds,
  }
  const totalCpuUsPerReport = creation.serverCpuUsPerReport === null ? null : creation.serverCpuUsPerReport + (creation.databaseCpuUsPerReport ?? 0)

  // autocannon stops counting at the deadline; requests still in flight commit a moment later.
  await new Promise((resolve) => setTimeout(resolve, 500))
  const delivery = await measureDelivery(server, (await countRows(db)).pendingDeliveries)
  const onSqlite = server.engine === 'sqlite'
  const sync = onSqlite ? await measureSyncCost(server) : null
  const random = onSqlite ? measureRandomCost() : null

  printTable(
    `Scam reports on ${engineName(server)}: POST /api/v1/reports (${LOAD.connections} connections, ${LOAD.seconds} s, RATE_LIMIT=off, distinct bodies)`,
    ['path', 'reports/s', 'mean', 'p50', 'p99', 'requests', 'non-2xx/errors', 'rows committed', 'server CPU/report', 'PostgreSQL CPU/report'],
    [
      [
        'POST /api/v1/reports → 201',
        fmt.int(creation.reportsPerSec),
        fmt.ms(creation.meanMs),
        fmt.ms(creation.p50Ms),
        fmt.ms(creation.p99Ms),
        fmt.int(creation.requests),
        `${fmt.int(creation.non2xx)}/${fmt.int(creation.errors)}`,
        fmt.int(created),
        creation.serverCpuUsPerReport === null ? 'n/a' : fmtUs(creation.serverCpuUsPerReport),
        creation.databaseCpuUsPerReport === null ? '' : fmtUs(creation.databaseCpuUsPerReport),
      ],
    ],
  )
  printTable(
    'Delivery of that backlog: `outbox drain --now` → local receiver (node:http, signatures verified with standardwebhooks)',
    ['figure', 'value'],
    [
      ['deliveries pending', fmt.int(delivery.pending)],
      ['delivered (CLI summary)', fmt.int(delivery.delivered)],
      ['received by the receiver / distinct webhook-ids', `${fmt.int(delivery.received)} / ${fmt.int(delivery.distinctIds)}`],
      ['signatures that failed verification', fmt.int(delivery.badSignatures)],
      ['deliveries/s (first to last arrival)', fmt.int(delivery.deliveriesPerSec)],
      ['deliveries/s (whole CLI run, start-up included)', fmt.int(delivery.deliveriesPerSecWithStartup)],
    ],
  )

  if (!sync || !random) {
    console.log('(synchronous=FULL against NORMAL is SQLite\'s and random bytes touch no database: both measured on the SQLite run only)')
  } else {
    printSqliteOnly(sync, random)
  }

  const deliveredOnce = delivery.delivered === delivery.pending && delivery.received === delivery.pending && delivery.distinctIds === delivery.pending && delivery.badSignatures === 0
  return {
    figures: { creation: { ...creation, totalCpuUsPerReport }, delivery, ...(sync ? { sync } : {}), ...(random ? { random } : {}) },
    targets: [
      atLeast('report creation reports/s', committed ? creation.reportsPerSec : 0, TARGETS.reportsPerSec, fmt.int),
      below('report creation p99 latency', creation.p99Ms, TARGETS.p99Ms, fmt.ms),
      holds('every 201 committed with its outbox row', committed),
      holds('backlog delivered, signed, once per webhook-id', deliveredOnce),
    ],
    compared: [
      { figure: 'reports/s (POST /api/v1/reports)', value: committed ? creation.reportsPerSec : null, format: fmt.int },
      { figure: 'CPU per report, server + PostgreSQL', value: totalCpuUsPerReport, format: fmtUs },
      { figure: 'CPU per report, server process only', value: creation.serverCpuUsPerReport, format: fmtUs },
      { figure: 'report p50 latency', value: creation.p50Ms, format: fmt.ms },
      { figure: 'report p99 latency', value: creation.p99Ms, format: fmt.ms },
      { figure: 'deliveries/s (outbox drain --now)', value: deliveredOnce ? delivery.deliveriesPerSec : null, format: fmt.int },
    ],
  }
}

export function engineName(server: BenchServer): string {
  return server.engine === 'postgres' ? 'PostgreSQL' : 'SQLite'
}

function printSqliteOnly(sync: Awaited<ReturnType<typeof measureSyncCost>>, random: ReturnType<typeof measureRandomCost>): void {
  printTable(
    `Durability (SQLite only): the report commit path (createReport, group commit) with synchronous=FULL against NORMAL, in-process, same disk (${sync.filesystem}), ${SYNC_LOAD.seconds} s per run, runs alternated`,
    ['synchronous', 'reports in flight', 'reports/s', 'p50', 'p99', 'reports'],
    sync.runs.map((run) => [run.mode, fmt.int(run.concurrency), fmt.int(run.reportsPerSec), fmt.ms(run.p50Ms), fmt.ms(run.p99Ms), fmt.int(run.reports)]),
  )
  printTable(
    'Random bytes: crypto.randomBytes per call, against the 4 KB pool it replaced (reimplemented here for comparison only)',
    ['draw', 'crypto.randomBytes', '4 KB pool (removed)'],
    [
      ...random.sizes.map((size) => [`${size} bytes`, `${random.directUs[size]!.toFixed(2)} µs`, `${random.pooledUs[size]!.toFixed(2)} µs`]),
      [`one report (${REPORT_DRAWS.join(' + ')} bytes)`, `${random.perReportDirectUs.toFixed(2)} µs`, `${random.perReportPooledUs.toFixed(2)} µs`],
    ],
  )
}

const SYNC_LOAD = { seconds: 3, concurrency: [1, 50] }

interface SyncRun {
  mode: 'FULL' | 'NORMAL'
  concurrency: number
  reportsPerSec: number
  p50Ms: number
  p99Ms: number
  reports: number
}

/**
 * The server commits with synchronous=FULL; NORMAL is what it did before. Both are measured on
 * one database next to the server's, through the real commit queue, one mode after the other and
 * twice each, so the machine's noise hits both alike. At 1 report in flight every report is its
 * own commit (the full cost of an fsync); at 50 the group commit shares one among many.
 */
async function measureSyncCost(server: BenchServer): Promise<{ filesystem: string; runs: SyncRun[] }> {
  const dataDir = `${server.dataDir}/sync-bench`
  const config = loadConfig({ DATA_DIR: dataDir, PUBLIC_URL: server.publicUrl, RATE_LIMIT: 'off' })
  const db = openDatabase(databasePath(dataDir))
  try {
    const services = createServices({ db, config, clock: systemClock })
    const runs: SyncRun[] = []
    for (const concurrency of SYNC_LOAD.concurrency) {
      const byMode = new Map<SyncRun['mode'], { latencies: number[]; seconds: number }>()
      for (const mode of ['FULL', 'NORMAL', 'FULL', 'NORMAL'] as const) {
        db.$client.pragma(`synchronous = ${mode}`)
        const run = await closedLoop(services, concurrency, SYNC_LOAD.seconds)
        const total = byMode.get(mode) ?? { latencies: [], seconds: 0 }
        total.latencies.push(...run.latencies)
        total.seconds += run.seconds
        byMode.set(mode, total)
      }
      for (const [mode, total] of byMode) {
        const sorted = total.latencies.sort((a, b) => a - b)
        runs.push({
          mode,
          concurrency,
          reportsPerSec: sorted.length / total.seconds,
          p50Ms: percentile(sorted, 0.5),
          p99Ms: percentile(sorted, 0.99),
          reports: sorted.length,
        })
      }
    }
    return { filesystem: filesystemOf(dataDir), runs }
  } finally {
    db.$client.close()
  }
}

/** `concurrency` households filing one report after another for `seconds`; each latency is from the call to its COMMIT. */
async function closedLoop(services: ReturnType<typeof createServices>, concurrency: number, seconds: number) {
  const latencies: number[] = []
  const start = performance.now()
  const deadline = start + seconds * 1000
  let n = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const at = performance.now()
        await createReport(services, { subject: null, verification: null, clientAddress: '10.0.0.1', details: { ...NO_DETAILS, note: `bench sync ${n++}` } })
        latencies.push(performance.now() - at)
      }
    }),
  )
  return { latencies, seconds: (performance.now() - start) / 1000 }
}

function percentile(sorted: number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

function filesystemOf(path: string): string {
  let best = { mount: '', type: 'unknown' }
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [, mount = '', type = ''] = line.split(' ')
    if ((path === mount || path.startsWith(mount.endsWith('/') ? mount : `${mount}/`)) && mount.length >= best.mount.length) best = { mount, type }
  }
  return `${best.type} at ${best.mount}`
}

/** The draws one report makes: ticket, tracking key, webhook id (a bare tap adds 12 for its group key). */
const REPORT_DRAWS = [5, 16, 16]
const RANDOM_CALLS = 200_000

function measureRandomCost() {
  const sizes = [...new Set([...REPORT_DRAWS, 32])].sort((a, b) => a - b)
  const directUs: Record<number, number> = {}
  const pooledUs: Record<number, number> = {}
  const pool = removedPool()
  for (const size of sizes) {
    timeCalls(() => randomBytes(size), 10_000)
    directUs[size] = timeCalls(() => randomBytes(size), RANDOM_CALLS)
    timeCalls(() => pool(size), 10_000)
    pooledUs[size] = timeCalls(() => pool(size), RANDOM_CALLS)
  }
  const perReport = (table: Record<number, number>) => REPORT_DRAWS.reduce((total, size) => total + table[size]!, 0)
  return { sizes, calls: RANDOM_CALLS, directUs, pooledUs, perReportDirectUs: perReport(directUs), perReportPooledUs: perReport(pooledUs) }
}

/** µs per call, averaged over `calls`. */
function timeCalls(draw: () => Buffer, calls: number): number {
  let sink = 0
  const start = performance.now()
  for (let i = 0; i < calls; i++) sink ^= draw()[0]!
  const us = ((performance.now() - start) * 1000) / calls
  if (sink === 256) console.log('unreachable')
  return us
}

/** What src/credentials/random.ts did before issue 10, for comparison only. */
function removedPool(): (size: number) => Buffer {
  const buffer = Buffer.alloc(4096)
  let next = buffer.length
  return (size) => {
    if (next + size > buffer.length) {
      randomFillSync(buffer)
      next = 0
    }
    const bytes = Buffer.from(buffer.subarray(next, next + size))
    next += size
    return bytes
  }
}

interface DeliveryFigures {
  pending: number
  delivered: number
  received: number
  distinctIds: number
  badSignatures: number
  deliveriesPerSec: number
  deliveriesPerSecWithStartup: number
  drainSeconds: number
}

async function measureDelivery(server: BenchServer, pending: number): Promise<DeliveryFigures> {
  const secret = `whsec_${randomBytes(32).toString('base64')}`
  const receiver = await startReceiver(secret)
  try {
    const env = { ...server.env, CHANNEL123_WEBHOOK_URL: receiver.url, CHANNEL123_WEBHOOK_SECRET: secret }
    const start = performance.now()
    const summary = await runCli(env, ['outbox', 'drain', '--now'])
    const drainSeconds = (performance.now() - start) / 1000
    const arrivalSeconds = receiver.received > 1 ? (receiver.lastAt - receiver.firstAt) / 1000 : drainSeconds
    const delivered = Number(summary.delivered ?? 0)
    return {
      pending,
      delivered,
      received: receiver.received,
      distinctIds: receiver.ids.size,
      badSignatures: receiver.badSignatures,
      deliveriesPerSec: receiver.received / arrivalSeconds,
      deliveriesPerSecWithStartup: delivered / drainSeconds,
      drainSeconds,
    }
  } finally {
    await receiver.close()
  }
}

/** A receiver as the contact centre might run it: verify, then 204. */
async function startReceiver(secret: string) {
  const verifier = new Webhook(secret)
  const state = { received: 0, badSignatures: 0, ids: new Set<string>(), firstAt: 0, lastAt: 0 }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const now = performance.now()
      if (state.received === 0) state.firstAt = now
      state.lastAt = now
      state.received++
      try {
        verifier.verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>)
        state.ids.add(String(req.headers['webhook-id']))
      } catch {
        state.badSignatures++
      }
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/hooks/123`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  })
}

async function countRows(db: Db): Promise<{ reports: number; outbox: number; pendingDeliveries: number }> {
  const [counts] = await db.rows<{ reports: number | string; outbox: number | string; pending: number | string }>(sql`select
    (select count(*) from reports) as reports,
    (select count(*) from outbox_deliveries) as outbox,
    (select count(*) from outbox_deliveries where state = 'pending') as pending`)
  // PostgreSQL's count(*) is a bigint, which pg hands over as text.
  return { reports: Number(counts?.reports ?? 0), outbox: Number(counts?.outbox ?? 0), pendingDeliveries: Number(counts?.pending ?? 0) }
}
