import { sql } from 'drizzle-orm'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { databasePath } from '../db/client.ts'
import { tempDir } from './helpers.ts'
import { freePort, runCli, startServer, type RunningServer } from './support/processes.ts'
import { startWebhookReceiver, waitFor, type WebhookReceiver } from './support/webhook-receiver.ts'
import { openDataDirDatabase, TEST_ENGINE } from './support/test-database.ts'

// The reliability requirements of issue 4, against the real server process and a real receiver.
// Short delivery timings come from the CHANNEL123_* variables, so each case takes seconds.

interface OutboxRow {
  webhook_id: string
  subject: string
  state: 'pending' | 'delivered' | 'dead'
  attempts: number
  last_error: string | null
}

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function channelEnv(receiver: WebhookReceiver, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    CHANNEL123_WEBHOOK_URL: receiver.url,
    CHANNEL123_WEBHOOK_SECRET: receiver.secret,
    CHANNEL123_POLL_MS: '100',
    CHANNEL123_RETRY_BASE_MS: '200',
    CHANNEL123_TIMEOUT_MS: '1000',
    RATE_LIMIT: 'off',
    ...overrides,
  }
}

async function givenDataDir(): Promise<string> {
  const dir = tempDir('channel')
  cleanups.push(() => dir.remove())
  return dir.path
}

async function givenReceiver(options: { port?: number; listen?: boolean } = {}): Promise<WebhookReceiver> {
  const receiver = await startWebhookReceiver(options)
  cleanups.push(() => receiver.close())
  return receiver
}

async function givenServer(dataDir: string, env: Record<string, string>): Promise<RunningServer> {
  const server = await startServer(dataDir, env)
  cleanups.push(() => server.stop())
  return server
}

/** The outbox as the server wrote it, read through a separate connection (read-only on SQLite). */
async function outboxRows(dataDir: string): Promise<OutboxRow[]> {
  // The reports' rows: the audit log's checkpoints share the outbox (audit.checkpoint, docs/audit.md).
  const query = "select webhook_id, subject, state, attempts, last_error from outbox_deliveries where event_type like 'report.%' order by id"
  if (TEST_ENGINE === 'sqlite') {
    const db = new Database(databasePath(dataDir), { readonly: true, fileMustExist: true })
    try {
      return db.prepare(query).all() as OutboxRow[]
    } finally {
      db.close()
    }
  }
  const db = await openDataDirDatabase(dataDir)
  try {
    return await db.rows<OutboxRow>(sql.raw(query))
  } finally {
    await db.close()
  }
}

async function fileReport(server: RunningServer, body: Record<string, unknown>): Promise<{ ticket: string; trackingUrl: string }> {
  const res = await fetch(`${server.url}/api/v1/reports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  expect(res.status).toBe(201)
  return (await res.json()) as { ticket: string; trackingUrl: string }
}

/** The messages about reports the receiver got, and the webhook-ids of those it accepted. */
function reportMessages(receiver: WebhookReceiver) {
  return receiver.received.filter((message) => message.payload.type.startsWith('report.'))
}
function acceptedReportIds(receiver: WebhookReceiver): Set<string> {
  return new Set([...receiver.acceptedIds()].filter(([, messages]) => messages[0]!.payload.type.startsWith('report.')).map(([id]) => id))
}

/** Every webhook-id the receiver accepted, accepted exactly once, and the tickets they carried. */
function expectEachIdAcceptedOnce(receiver: WebhookReceiver): void {
  for (const [id, messages] of receiver.acceptedIds()) expect(messages, id).toHaveLength(1)
  expect(receiver.received.every((message) => message.verified)).toBe(true)
}

describe('the 123 channel with real processes', () => {
  it('delivers every report exactly once per webhook-id when the receiver is down, then comes back', async () => {
    const port = await freePort()
    const receiver = await givenReceiver({ port, listen: false })
    const dataDir = await givenDataDir()
    const server = await givenServer(dataDir, channelEnv(receiver))

    const tickets = new Set<string>()
    for (let i = 0; i < 20; i++) tickets.add((await fileReport(server, { note: `laporan ${i}`, category: 'money' })).ticket)
    await waitFor('every delivery to have failed at least once against the closed port', async () => {
      const rows = await outboxRows(dataDir)
      return rows.length === 20 && rows.every((row) => row.state === 'pending' && row.attempts >= 1 && /network error/.test(row.last_error ?? ''))
    })
    expect(reportMessages(receiver)).toHaveLength(0)

    await receiver.listen()
    await waitFor('every report to arrive', async () => (await outboxRows(dataDir)).every((row) => row.state === 'delivered'))
    expect(receiver.deliveredTickets()).toEqual(tickets)
    expect(reportMessages(receiver)).toHaveLength(20)
    expectEachIdAcceptedOnce(receiver)
    expect(new Set((await outboxRows(dataDir)).map((row) => row.webhook_id))).toEqual(acceptedReportIds(receiver))
  })

  it('retries a 500, a timeout and a dropped connection; dead-letters a 400 with its reason', async () => {
    const receiver = await givenReceiver()
    receiver.behave((message) => {
      const note = String(message.payload.data.note)
      if (note === 'refused') return { status: 400, body: 'invalid payload: unknown category' }
      if (message.attempt > 1) return { status: 204 }
      if (note === 'server-error') return { status: 500, body: 'internal error' }
      if (note === 'timeout') return 'hang'
      if (note === 'drop') return 'drop'
      return { status: 204 }
    })
    const dataDir = await givenDataDir()
    const server = await givenServer(dataDir, channelEnv(receiver))

    const tickets: Record<string, string> = {}
    for (const note of ['server-error', 'timeout', 'drop', 'refused']) tickets[note] = (await fileReport(server, { note })).ticket
    await waitFor('three deliveries and one dead letter', async () => {
      const states = (await outboxRows(dataDir)).map((row) => row.state)
      return states.filter((state) => state === 'delivered').length === 3 && states.includes('dead')
    })

    const rows = new Map((await outboxRows(dataDir)).map((row) => [row.subject, row]))
    for (const note of ['server-error', 'timeout', 'drop']) {
      expect(rows.get(tickets[note]!), note).toMatchObject({ state: 'delivered' })
      expect(rows.get(tickets[note]!)!.attempts, note).toBeGreaterThanOrEqual(2)
    }
    expect(rows.get(tickets.refused!)).toMatchObject({ state: 'dead', attempts: 1, last_error: 'refused by the receiver: HTTP 400: invalid payload: unknown category' })
    expect(receiver.deliveredTickets()).toEqual(new Set([tickets['server-error'], tickets.timeout, tickets.drop]))
    expectEachIdAcceptedOnce(receiver)

    const drained = await runCli(['outbox', 'drain', '--now', '--json'], server.env)
    expect(drained.code, drained.stderr).toBe(0)
    expect(JSON.parse(drained.stdout.trim())).toEqual({ delivered: 0, failed: 0, deadLettered: 0 })
  })

  it('after a SIGKILL mid-traffic, every report whose ticket reached a client exists and is delivered', async () => {
    const receiver = await givenReceiver()
    // Just before the kill the receiver stops answering, so some acknowledged reports are surely undelivered.
    let holding = false
    receiver.behave(() => (holding ? 'hang' : { status: 204, delayMs: 30 }))
    const dataDir = await givenDataDir()
    const env = channelEnv(receiver)
    const first = await startServer(dataDir, env)
    cleanups.push(() => first.stop())

    const acknowledged = new Map<string, string>()
    let stopped = false
    const client = async (id: number) => {
      for (let i = 0; !stopped; i++) {
        try {
          const res = await fetch(`${first.url}/api/v1/reports`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ note: `klien ${id} laporan ${i}`, category: 'otp' }),
          })
          if (res.status !== 201) continue
          const { ticket, trackingUrl } = (await res.json()) as { ticket: string; trackingUrl: string }
          acknowledged.set(ticket, new URL(trackingUrl).pathname + new URL(trackingUrl).search)
        } catch {
          return // the server is gone
        }
      }
    }
    const clients = Array.from({ length: 6 }, (_, id) => client(id))
    await waitFor('reports being created and delivered', () => acknowledged.size >= 60 && receiver.received.length >= 10)
    holding = true
    const acknowledgedBeforeHold = acknowledged.size
    await waitFor('more reports acknowledged while deliveries hang', () => acknowledged.size >= acknowledgedBeforeHold + 20)
    await first.stop('SIGKILL')
    stopped = true
    await Promise.all(clients)
    const deliveredBeforeRestart = receiver.deliveredTickets().size
    expect(deliveredBeforeRestart).toBeGreaterThan(0)
    expect(deliveredBeforeRestart).toBeLessThan(acknowledged.size)

    holding = false
    const second = await givenServer(dataDir, env)
    for (const [ticket, path] of acknowledged) {
      const res = await fetch(`${second.url}${path}`)
      expect(res.status, ticket).toBe(200)
      expect(await res.text()).toContain(`data-ticket="${ticket}"`)
    }
    await waitFor('every acknowledged report to be delivered after the restart', () => [...acknowledged.keys()].every((ticket) => receiver.deliveredTickets().has(ticket)), 30_000)
    await waitFor('the outbox to be empty', async () => (await outboxRows(dataDir)).every((row) => row.state === 'delivered'), 30_000)
    // A delivery cut off by the kill may arrive twice, but always under its own webhook-id with the same body.
    const bodies = new Map<string, Set<string>>()
    for (const message of receiver.received) bodies.set(message.webhookId, (bodies.get(message.webhookId) ?? new Set()).add(message.body))
    expect([...bodies.values()].every((set) => set.size === 1)).toBe(true)
    expect(receiver.received.every((message) => message.verified)).toBe(true)
  })

  it('never sends twice when two `outbox drain --now` runs and the server worker deliver at once', async () => {
    const port = await freePort()
    const receiver = await givenReceiver({ port, listen: false })
    receiver.behave(() => ({ status: 204, delayMs: 20 }))
    const dataDir = await givenDataDir()
    // A generous timeout: on a busy machine a slow answer must not turn into a deliberate retry here.
    const server = await givenServer(dataDir, channelEnv(receiver, { CHANNEL123_RETRY_BASE_MS: '1500', CHANNEL123_TIMEOUT_MS: '15000' }))

    for (let i = 0; i < 40; i++) await fileReport(server, { note: `laporan ${i}` })
    await waitFor('every delivery to have failed once', async () => (await outboxRows(dataDir)).every((row) => row.attempts >= 1))
    await receiver.listen()
    const drains = await Promise.all([runCli(['outbox', 'drain', '--now', '--json'], server.env), runCli(['outbox', 'drain', '--now', '--json'], server.env)])
    await waitFor('every report to arrive', async () => (await outboxRows(dataDir)).every((row) => row.state === 'delivered'))

    for (const drain of drains) {
      expect(drain.code, drain.stderr).toBe(0)
      const lines = drain.stdout.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(Object.keys(JSON.parse(lines[0]!)).sort()).toEqual(['deadLettered', 'delivered', 'failed'])
    }
    expect(reportMessages(receiver)).toHaveLength(40)
    expect(acceptedReportIds(receiver).size).toBe(40)
    expectEachIdAcceptedOnce(receiver)
  })
})
