import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createScratchDatabase, startThrowawayPostgres, type ThrowawayPostgres } from './support/postgres.ts'
import { runCli, startServer, type RunningServer } from './support/processes.ts'
import { startWebhookReceiver, waitFor, type WebhookReceiver } from './support/webhook-receiver.ts'
import { tempDir } from './helpers.ts'

// Step 14 (DESIGN §14): two app nodes (two server processes, each with its own data directory)
// on one PostgreSQL. This file runs its own PostgreSQL cluster, because one test restarts it.

let postgres: ThrowawayPostgres
const dirs: { remove: () => void }[] = []

beforeAll(async () => {
  postgres = await startThrowawayPostgres()
}, 60_000)

afterAll(() => {
  postgres?.stop()
  for (const dir of dirs) dir.remove()
})

interface Nodes {
  a: RunningServer
  b: RunningServer
  env: Record<string, string>
  stop: () => Promise<void>
}

/**
 * Node A starts first and seeds the demo data; node B joins the same database. They share what
 * a deployment shares: the database, the key-encryption key and the audit checkpoint key.
 */
async function twoNodes(extraEnv: Record<string, string> = {}): Promise<Nodes> {
  const databaseUrl = await createScratchDatabase(postgres.url, 'nodes')
  const dirA = tempDir('node-a')
  const dirB = tempDir('node-b')
  dirs.push(dirA, dirB)
  // Behind one proxy, every node has the public address households see.
  const shared = {
    PUBLIC_URL: 'https://cek.example.id',
    DATABASE_URL: databaseUrl,
    KEK: randomBytes(32).toString('base64url'),
    AUDIT_KEY_FILE: join(dirA.path, 'audit-ed25519.key'),
    ...extraEnv,
  }
  const a = await startServer(dirA.path, { ...shared, DEMO: '1' })
  const b = await startServer(dirB.path, { ...shared, DEMO: '0' })
  return {
    a,
    b,
    env: { ...shared, DATA_DIR: dirA.path, DEMO: '0' },
    stop: async () => {
      await Promise.all([a.stop(), b.stop()])
    },
  }
}

async function verdictAt(node: RunningServer, token: string): Promise<string> {
  const res = await fetch(`${node.url}/api/v1/verify/${token}`)
  return ((await res.json()) as { verdict: string }).verdict
}

describe('two nodes on one PostgreSQL', () => {
  let nodes: Nodes
  beforeAll(async () => {
    nodes = await twoNodes()
  }, 90_000)
  afterAll(() => nodes?.stop())

  it('shows a pass revoked by the CLI as red on both nodes at once', async () => {
    const issued = await runCli(['pass', 'issue', '--officer', '9015234A', '--customer', '532100012345', '--purpose', 'CATAT_METER', '--json'], nodes.env)
    expect(issued.code, issued.stderr).toBe(0)
    const pass = JSON.parse(issued.stdout) as { jti: string; token: string }
    expect([await verdictAt(nodes.a, pass.token), await verdictAt(nodes.b, pass.token)]).toEqual(['valid', 'valid'])

    const revoked = await runCli(['pass', 'revoke', pass.jti, '--json'], nodes.env)
    expect(revoked.code, revoked.stderr).toBe(0)
    // The very next request on either node: no node answers from what it saw before.
    expect([await verdictAt(nodes.a, pass.token), await verdictAt(nodes.b, pass.token)]).toEqual(['revoked', 'revoked'])
  })

  it('shows an officer suspended on one node as suspended on the other', async () => {
    const issued = await runCli(['pass', 'issue', '--officer', '9015234A', '--customer', '532100012345', '--purpose', 'CATAT_METER', '--json'], nodes.env)
    const pass = JSON.parse(issued.stdout) as { token: string }
    expect(await verdictAt(nodes.b, pass.token)).toBe('valid')
    const suspended = await runCli(['officer', 'suspend', '9015234A', '--json'], { ...nodes.env, DATA_DIR: nodes.b.env.DATA_DIR! })
    expect(suspended.code, suspended.stderr).toBe(0)
    expect(await verdictAt(nodes.a, pass.token)).toBe('officer_suspended')
    const reactivated = await runCli(['officer', 'reactivate', '9015234A', '--json'], nodes.env)
    expect(reactivated.code, reactivated.stderr).toBe(0)
    expect(await verdictAt(nodes.b, pass.token)).toBe('valid')
  })

  it('holds one rate limit for a client across both nodes', async () => {
    const statuses: number[] = []
    // 30 bad codes are allowed per client in ten minutes: here 16 on each node.
    for (let i = 0; i < 32; i++) statuses.push((await fetch(`${(i % 2 === 0 ? nodes.a : nodes.b).url}/c/bad-${i}`)).status)
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(200))
    expect(statuses.slice(30)).toEqual([429, 429])
  })

  it('shows a key compromised through one node as revoked on both', async () => {
    const issued = await runCli(['pass', 'issue', '--officer', '9015234A', '--customer', '532100012345', '--purpose', 'CATAT_METER', '--json'], nodes.env)
    const pass = JSON.parse(issued.stdout) as { token: string }
    const kid = (JSON.parse(Buffer.from(pass.token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid
    expect(await verdictAt(nodes.a, pass.token)).toBe('valid')
    const nodeB = { ...nodes.env, DATA_DIR: nodes.b.env.DATA_DIR! }
    expect((await runCli(['key', 'rotate', '--json'], nodeB)).code).toBe(0)
    const compromised = await runCli(['key', 'compromise', kid, '--json'], nodeB)
    expect(compromised.code, compromised.stderr).toBe(0)
    expect([await verdictAt(nodes.a, pass.token), await verdictAt(nodes.b, pass.token)]).toEqual(['key_revoked', 'key_revoked'])
  })

  it('locks an account out after ten failed sign-ins spread over both nodes, and keeps one audit chain of them', async () => {
    const answers: number[] = []
    for (let i = 0; i < 10; i++) answers.push(await signIn(i % 2 === 0 ? nodes.a : nodes.b, 'spv.menteng', `wrong-password-${i}`))
    expect(answers).toEqual(Array(10).fill(401))
    // The right password, from a device that never signed in: refused on either node.
    expect([await signIn(nodes.a, 'spv.menteng', 'demo-supervisor-2026'), await signIn(nodes.b, 'spv.menteng', 'demo-supervisor-2026')]).toEqual([429, 429])
    const verified = await runCli(['audit', 'verify', '--json'], nodes.env)
    expect(verified.code, verified.stderr).toBe(0)
    expect((JSON.parse(verified.stdout) as { ok: boolean }).ok).toBe(true)
  })
})

/** A sign-in through the login form (its double-submit cookie and token); answers the status. */
async function signIn(node: RunningServer, username: string, password: string): Promise<number> {
  const form = await fetch(`${node.url}/login`)
  const cookie = form.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ')
  const token = /name="_form" value="([^"]+)"/.exec(await form.text())?.[1] ?? ''
  const res = await fetch(`${node.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://cek.example.id', cookie },
    body: new URLSearchParams({ username, password, _form: token }),
    redirect: 'manual',
  })
  return res.status
}

interface Filed {
  ticket: string
}

/** Files `count` reports over `nodes`, `concurrency` at a time; answers the tickets acknowledged (201). */
async function fileReports(targets: () => RunningServer[], count: number, concurrency: number): Promise<{ acknowledged: string[]; failed: number }> {
  const acknowledged: string[] = []
  let failed = 0
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      const live = targets()
      const node = live[i % live.length]!
      try {
        const res = await fetch(`${node.url}/api/v1/reports`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ category: 'money', note: `Minta uang ${i}`, location: `Rawasari ${i}` }),
        })
        if (res.status === 201) acknowledged.push(((await res.json()) as Filed).ticket)
        else failed++
      } catch {
        failed++
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { acknowledged, failed }
}

/** Two nodes delivering to a real receiver on 127.0.0.1, without rate limits; both stopped after `work`. */
async function withDeliveringNodes(work: (nodes: Nodes, receiver: WebhookReceiver) => Promise<void>): Promise<void> {
  const receiver = await startWebhookReceiver()
  const nodes = await twoNodes({ CHANNEL123_WEBHOOK_URL: `${receiver.url}/hook`, CHANNEL123_WEBHOOK_SECRET: receiver.secret, CHANNEL123_POLL_MS: '100', CHANNEL123_RETRY_BASE_MS: '200', RATE_LIMIT: 'off' })
  try {
    await work(nodes, receiver)
  } finally {
    await nodes.stop()
    await receiver.close()
  }
}

/** Each acknowledged ticket reaches the receiver, always under one webhook-id (a retry repeats it). */
async function expectDeliveredOnce(receiver: WebhookReceiver, tickets: string[]): Promise<void> {
  await waitFor('every acknowledged ticket delivered', () => tickets.every((ticket) => receiver.deliveredTickets().has(ticket)), 120_000)
  const idsOfTicket = new Map<string, Set<string>>()
  for (const [webhookId, messages] of receiver.acceptedIds()) {
    for (const message of messages) {
      if (message.payload.type !== 'report.created') continue
      const ids = idsOfTicket.get(message.payload.data.ticket) ?? new Set<string>()
      ids.add(webhookId)
      idsOfTicket.set(message.payload.data.ticket, ids)
    }
  }
  const missing = tickets.filter((ticket) => !idsOfTicket.has(ticket))
  expect(missing, 'acknowledged tickets never delivered').toEqual([])
  const underTwoIds = tickets.filter((ticket) => idsOfTicket.get(ticket)!.size !== 1)
  expect(underTwoIds, 'tickets delivered under more than one webhook-id').toEqual([])
  expect(receiver.received.every((message) => message.verified)).toBe(true)
}

describe('reports across two nodes', () => {
  it('delivers every acknowledged ticket once per webhook-id while one node is killed with SIGKILL', async () => {
    await withDeliveringNodes(async (nodes, receiver) => {
      let aAlive = true
      const filing = fileReports(() => (aAlive ? [nodes.a, nodes.b] : [nodes.b]), 2000, 16)
      await waitFor('the first deliveries', () => receiver.received.length >= 200, 60_000)
      await nodes.a.stop('SIGKILL')
      aAlive = false
      const { acknowledged } = await filing
      expect(acknowledged.length).toBeGreaterThan(1000)
      expect(new Set(acknowledged).size, 'tickets are unique').toBe(acknowledged.length)
      // A's claims lapse after their lease; B delivers what A left.
      await expectDeliveredOnce(receiver, acknowledged)
    })
  }, 240_000)

  it('recovers from a PostgreSQL restart during load, and loses nothing acknowledged', async () => {
    await withDeliveringNodes(async (nodes, receiver) => {
      const filing = fileReports(() => [nodes.a, nodes.b], 600, 8)
      await waitFor('reports flowing', () => receiver.received.length >= 50, 60_000)
      await postgres.restart()
      const { acknowledged, failed } = await filing
      // Requests during the restart may be refused (503, never a lost ticket); the rest go through.
      expect(acknowledged.length + failed).toBe(600)
      expect(acknowledged.length).toBeGreaterThan(100)
      for (const node of [nodes.a, nodes.b]) expect(node.exitCode(), `a node ended:\n${node.output().slice(-3000)}`).toBeNull()
      for (const node of [nodes.a, nodes.b]) {
        await waitFor('healthy again', async () => (await fetch(`${node.url}/healthz`)).status === 200, 30_000)
        const after = await fetch(`${node.url}/api/v1/reports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ category: 'otp', note: 'Setelah restart' }) })
        expect(after.status).toBe(201)
        acknowledged.push(((await after.json()) as Filed).ticket)
      }
      await expectDeliveredOnce(receiver, acknowledged)
    })
  }, 240_000)
})

describe('/healthz', () => {
  it('answers 503 while the database does not answer, and 200 once it is back', async () => {
    const own = await startThrowawayPostgres()
    const dir = tempDir('health')
    dirs.push(dir)
    const node = await startServer(dir.path, { DATABASE_URL: own.url, DEMO: '0', KEK: randomBytes(32).toString('base64url') })
    try {
      expect((await fetch(`${node.url}/healthz`)).status).toBe(200)
      own.stopServer()
      expect((await fetch(`${node.url}/healthz`)).status).toBe(503)
      await own.startServer()
      await waitFor('healthy again', async () => (await fetch(`${node.url}/healthz`)).status === 200, 30_000)
    } finally {
      await node.stop()
      own.stop()
    }
  }, 120_000)
})
