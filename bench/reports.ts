/**
 * Bench section for scam reports (issue 4): report creation through POST /api/v1/reports with
 * the durable commit (report, timeline entry and outbox row in one transaction), then delivery
 * of that backlog to a local Standard Webhooks receiver with `outbox drain --now`.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import autocannon from 'autocannon'
import Database from 'better-sqlite3'
import { Webhook } from 'standardwebhooks'
import { databasePath } from '../db/client.ts'
import { measureCpu } from './cpu.ts'
import { atLeast, below, fmt, holds, printTable, type TargetCheck } from './report.ts'
import { runCli, type BenchServer } from './server.ts'

const TARGETS = { reportsPerSec: 1000, p99Ms: 50 }
const LOAD = { connections: 50, seconds: 10, warmupSeconds: 2 }

/**
 * Every request differs (autocannon puts a unique id in place of `[<id>]`), so no two reports
 * are identical and none folds into another: each one is a real commit.
 */
const REPORT_BODY = JSON.stringify({
  category: 'money',
  note: 'Bench [<id>]: minta transfer ke rekening pribadi untuk "denda" P2TL',
  phone: '0812 3456 7890',
  location: 'Cikini',
})

interface SectionResult {
  figures: Record<string, unknown>
  targets: TargetCheck[]
}

export async function reportThroughput({ server }: { server: BenchServer }): Promise<SectionResult> {
  const url = `${server.baseUrl}/api/v1/reports`
  const probe = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: REPORT_BODY.replace('[<id>]', 'probe') })
  if (probe.status !== 201) throw new Error(`POST /api/v1/reports answered ${probe.status}: ${(await probe.text()).slice(0, 200)}`)

  const options = { url, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: REPORT_BODY, idReplacement: true, connections: LOAD.connections }
  await autocannon({ ...options, duration: LOAD.warmupSeconds })
  const before = countRows(server)
  const { result, wallSeconds, serverCpuSeconds } = await measureCpu(server.pid, () => autocannon({ ...options, duration: LOAD.seconds }))
  const after = countRows(server)
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
    serverCores: serverCpuSeconds === null ? null : serverCpuSeconds / wallSeconds,
  }

  // autocannon stops counting at the deadline; requests still in flight commit a moment later.
  await new Promise((resolve) => setTimeout(resolve, 500))
  const delivery = await measureDelivery(server, countRows(server).pendingDeliveries)

  printTable(
    `Scam reports: POST /api/v1/reports (${LOAD.connections} connections, ${LOAD.seconds} s, RATE_LIMIT=off, distinct bodies)`,
    ['path', 'reports/s', 'mean', 'p50', 'p99', 'requests', 'non-2xx/errors', 'rows committed', 'server CPU/report'],
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
        creation.serverCpuUsPerReport === null ? 'n/a' : `${fmt.int(creation.serverCpuUsPerReport)} µs`,
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

  const deliveredOnce = delivery.delivered === delivery.pending && delivery.received === delivery.pending && delivery.distinctIds === delivery.pending && delivery.badSignatures === 0
  return {
    figures: { creation, delivery },
    targets: [
      atLeast('report creation reports/s', committed ? creation.reportsPerSec : 0, TARGETS.reportsPerSec, fmt.int),
      below('report creation p99 latency', creation.p99Ms, TARGETS.p99Ms, fmt.ms),
      holds('every 201 committed with its outbox row', committed),
      holds('backlog delivered, signed, once per webhook-id', deliveredOnce),
    ],
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

function countRows(server: BenchServer): { reports: number; outbox: number; pendingDeliveries: number } {
  const db = new Database(databasePath(server.dataDir), { readonly: true, fileMustExist: true })
  try {
    const count = (query: string) => (db.prepare(query).get() as { n: number }).n
    return {
      reports: count('select count(*) as n from reports'),
      outbox: count('select count(*) as n from outbox_deliveries'),
      pendingDeliveries: count("select count(*) as n from outbox_deliveries where state = 'pending'"),
    }
  } finally {
    db.close()
  }
}
