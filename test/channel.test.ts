import { eq } from 'drizzle-orm'
import { Webhook } from 'standardwebhooks'
import { afterEach, describe, expect, it } from 'vitest'
import { outboxDeliveries } from '../db/schema.ts'
import { claimDueDeliveries, retryDelayMs } from '../src/channel/outbox.ts'
import { decodeWebhookSecret, signWebhook } from '../src/channel/webhook.ts'
import { drainOutbox, runDeliveryRound, startDeliveryWorker } from '../src/channel/worker.ts'
import { ConfigError, loadConfig, type Config } from '../src/config.ts'
import { createTestApp, fixedClock, givenPass, PUBLIC_URL } from './helpers.ts'
import { generateWebhookSecret, startWebhookReceiver, waitFor, type WebhookReceiver } from './support/webhook-receiver.ts'

const receivers: WebhookReceiver[] = []
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()))
})

async function givenReceiver() {
  const receiver = await startWebhookReceiver()
  receivers.push(receiver)
  return receiver
}

/** An app wired to a real receiver; its clock starts now, so standardwebhooks accepts the timestamps. */
async function givenChannel(config: Partial<Config> = {}) {
  const receiver = await givenReceiver()
  const app = await createTestApp({
    clock: fixedClock(Date.now()),
    config: { webhookUrl: receiver.url, webhookSecret: receiver.secret, channelTimeoutMs: 2000, ...config },
  })
  const fileReport = async (body: Record<string, unknown> = {}) => {
    const res = await app.request('/api/v1/reports', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    expect(res.status).toBe(201)
    return (await res.json()) as { ticket: string; trackingUrl: string }
  }
  const rows = () => app.db.select().from(outboxDeliveries).all()
  return { app, receiver, fileReport, rows }
}

describe('signing (Standard Webhooks)', () => {
  it('signs "<id>.<timestamp>.<body>" exactly as the standardwebhooks package does', () => {
    const secret = generateWebhookSecret()
    const body = JSON.stringify({ type: 'report.created', data: { note: 'ü <script> \n' } })
    const timestamp = 1795399200
    expect(signWebhook(decodeWebhookSecret(secret), 'msg_abc', timestamp, body)).toBe(new Webhook(secret).sign('msg_abc', new Date(timestamp * 1000), body))
  })

  it('refuses to start with a webhook URL but no whsec_ secret, or a bad timing value', () => {
    expect(() => loadConfig({ CHANNEL123_WEBHOOK_URL: 'https://123.example/hook' })).toThrow(ConfigError)
    expect(() => loadConfig({ CHANNEL123_WEBHOOK_URL: 'https://123.example/hook', CHANNEL123_WEBHOOK_SECRET: 'whsec_c2hvcnQ=' })).toThrow(/at least 24/)
    expect(() => loadConfig({ CHANNEL123_RETRY_BASE_MS: 'soon' })).toThrow(/CHANNEL123_RETRY_BASE_MS/)
    const config = loadConfig({ CHANNEL123_WEBHOOK_URL: 'https://123.example/hook', CHANNEL123_WEBHOOK_SECRET: generateWebhookSecret(), CHANNEL123_GIVE_UP_MS: '60000' })
    expect(config.channelGiveUpMs).toBe(60_000)
    expect(loadConfig({}).channelGiveUpMs).toBe(24 * 3600 * 1000)
  })
})

describe('delivery to the 123 channel', () => {
  it('POSTs each new report as signed JSON that the standardwebhooks package verifies', async () => {
    const { app, receiver, fileReport } = await givenChannel()
    const pass = await givenPass(app.services)
    const { ticket, trackingUrl } = await fileReport({ token: pass.token, category: 'money', note: 'Minta uang damai', phone: '081234567890' })

    expect(await runDeliveryRound(app.services)).toMatchObject({ claimed: 1, delivered: 1, failed: 0, deadLettered: 0 })
    expect(receiver.received).toHaveLength(1)
    const [message] = receiver.received
    expect(message?.verified, message?.verifyError ?? '').toBe(true)
    expect(message?.webhookId).toMatch(/^msg_[A-Za-z0-9_-]{22}$/)
    expect(message?.contentType).toBe('application/json')
    expect(Number(message?.timestamp)).toBe(Math.floor(app.clock.now() / 1000))
    expect(message?.payload).toMatchObject({
      type: 'report.created',
      data: {
        ticket,
        revision: 1,
        status: 'new',
        verdict: 'valid',
        subject: { kind: 'token', shortCode: null },
        officer: { verified: true, employeeNo: pass.officer.employeeNo, name: pass.officer.name, credentialId: pass.id },
        unverifiedClaims: { sub: pass.officer.employeeNo, jti: pass.id },
        category: 'money',
        note: 'Minta uang damai',
        phone: '+6281234567890',
      },
    })
    expect(message?.body).not.toContain(pass.token)

    const page = await (await app.request(trackingUrl.slice(PUBLIC_URL.length))).text()
    expect(page).toContain('Diteruskan ke PLN 123')
    expect(page).not.toContain('Menunggu diteruskan')
    expect(await runDeliveryRound(app.services)).toMatchObject({ claimed: 0 })
  })

  it('retries with the same webhook-id and a fresh signature, first within seconds, then backing off', async () => {
    const { app, receiver, fileReport, rows } = await givenChannel({ channelRetryBaseMs: 2000 })
    receiver.behave((message) => (message.attempt < 3 ? { status: 503, body: 'maintenance' } : { status: 200 }))
    await fileReport({ note: 'retry me' })

    const failedAt = app.clock.now()
    expect(await runDeliveryRound(app.services, { random: () => 1 })).toMatchObject({ failed: 1 })
    const [afterOne] = await rows()
    expect(afterOne?.nextAttemptAt).toBe(failedAt + 2000)
    expect(afterOne?.lastError).toBe('HTTP 503: maintenance')
    expect(await runDeliveryRound(app.services)).toMatchObject({ claimed: 0 })

    app.clock.advance(2000)
    expect(await runDeliveryRound(app.services, { random: () => 1 })).toMatchObject({ failed: 1 })
    expect((await rows())[0]?.nextAttemptAt).toBe(app.clock.now() + 4000)

    app.clock.advance(4000)
    expect(await runDeliveryRound(app.services)).toMatchObject({ delivered: 1 })
    expect(receiver.received.map((m) => m.webhookId)).toEqual(Array(3).fill(receiver.received[0]?.webhookId))
    expect(new Set(receiver.received.map((m) => m.signature)).size).toBe(3)
    expect(receiver.received.every((m) => m.verified)).toBe(true)
    expect((await rows())[0]).toMatchObject({ state: 'delivered', attempts: 3, lastError: null })
  })

  it('backs off exponentially with jitter, capped', () => {
    expect(retryDelayMs(1, 2000, () => 0)).toBe(1000)
    expect(retryDelayMs(1, 2000, () => 1)).toBe(2000)
    expect(retryDelayMs(4, 2000, () => 0.5)).toBe(12_000)
    expect(retryDelayMs(40, 2000, () => 1)).toBe(30 * 60 * 1000)
  })

  it('dead-letters a delivery with its last error once the give-up time has passed', async () => {
    const { app, receiver, fileReport, rows } = await givenChannel({ channelRetryBaseMs: 1000, channelGiveUpMs: 60_000 })
    receiver.behave(() => ({ status: 500, body: 'boom' }))
    const { ticket, trackingUrl } = await fileReport({ note: 'never accepted' })
    let rounds = 0
    while ((await rows())[0]?.state === 'pending' && rounds++ < 50) {
      await runDeliveryRound(app.services)
      const next = (await rows())[0]?.nextAttemptAt ?? 0
      app.clock.set(Math.max(app.clock.now(), next))
    }
    const [row] = await rows()
    expect(row?.state).toBe('dead')
    expect(row?.attempts).toBeGreaterThan(3)
    expect(row?.lastError).toMatch(/^gave up after \d+ attempts over 60 s: HTTP 500: boom$/)
    expect(row?.deadAt! - row?.firstAttemptAt!).toBe(60_000)
    expect(receiver.received.every((m) => m.payload.data.ticket === ticket)).toBe(true)
    const page = await (await app.request(trackingUrl.slice(PUBLIC_URL.length))).text()
    expect(page).toContain('Telepon 123 dan sebutkan nomor tiket Anda')
  })

  it.each([400, 401, 404, 410, 422])('dead-letters at once, with the reason, when the receiver refuses with %i', async (status) => {
    const { app, receiver, fileReport, rows } = await givenChannel()
    receiver.behave(() => ({ status, body: `rejected: unknown schema\r\nX-Evil: 1` }))
    await fileReport()
    expect(await runDeliveryRound(app.services)).toMatchObject({ deadLettered: 1 })
    expect((await rows())[0]).toMatchObject({ state: 'dead', attempts: 1, lastError: `refused by the receiver: HTTP ${status}: rejected: unknown schema X-Evil: 1` })
  })

  it.each([408, 429])('retries a %i', async (status) => {
    const { app, receiver, fileReport, rows } = await givenChannel()
    receiver.behave(() => ({ status }))
    await fileReport()
    expect(await runDeliveryRound(app.services)).toMatchObject({ failed: 1 })
    expect((await rows())[0]?.state).toBe('pending')
  })

  it('waits at least as long as a 429 Retry-After asks', async () => {
    const { app, receiver, fileReport, rows } = await givenChannel()
    receiver.behave(() => ({ status: 429, headers: { 'retry-after': '120' } }))
    await fileReport()
    await runDeliveryRound(app.services)
    expect((await rows())[0]?.nextAttemptAt).toBe(app.clock.now() + 120_000)
  })

  it('retries after a timeout and after a dropped connection', async () => {
    const { app, receiver, fileReport, rows } = await givenChannel({ channelTimeoutMs: 300 })
    receiver.behave((message) => (message.payload.data.note === 'hang' ? 'hang' : 'drop'))
    await fileReport({ note: 'hang' })
    await fileReport({ note: 'drop' })
    expect(await runDeliveryRound(app.services)).toMatchObject({ claimed: 2, failed: 2 })
    const [hung, dropped] = await rows()
    expect(hung?.lastError).toBe('timed out after 300 ms')
    expect(dropped?.lastError).toMatch(/^network error/)
    receiver.behave(() => ({ status: 200 }))
    app.clock.advance(60_000)
    expect(await runDeliveryRound(app.services)).toMatchObject({ delivered: 2 })
  })

  it('never lets two drains running at once send the same delivery', async () => {
    const { app, receiver, fileReport } = await givenChannel({ rateLimit: false })
    for (let i = 0; i < 120; i++) await fileReport({ note: `laporan ${i}` })
    const [one, two, three] = await Promise.all([drainOutbox(app.services), drainOutbox(app.services), drainOutbox(app.services)])
    expect(one!.delivered + two!.delivered + three!.delivered).toBe(120)
    expect(receiver.received).toHaveLength(120)
    expect(receiver.acceptedIds().size).toBe(120)
  })

  it('holds a claim for its lease only: a claimant that died frees its rows afterwards', async () => {
    const { app, fileReport } = await givenChannel({ channelTimeoutMs: 1000 })
    await fileReport()
    const now = app.clock.now()
    expect(await claimDueDeliveries(app.db, { now, leaseMs: 3000, limit: 10 })).toHaveLength(1)
    expect(await claimDueDeliveries(app.db, { now: now + 2999, leaseMs: 3000, limit: 10 })).toHaveLength(0)
    expect(await claimDueDeliveries(app.db, { now: now + 3001, leaseMs: 3000, limit: 10 })).toHaveLength(1)
  })

  it('sends the deliveries of one ticket in order: an update never overtakes its report', async () => {
    const { app, receiver, fileReport } = await givenChannel({ channelRetryBaseMs: 1000 })
    receiver.behave((message) => (message.payload.type === 'report.created' && message.attempt === 1 ? { status: 502 } : { status: 200 }))
    const first = await fileReport({ code: 'ABCD2345' })
    const key = new URL(first.trackingUrl).searchParams.get('k') ?? ''
    expect((await app.postForm(`/r/${first.ticket}/details`, { k: key, category: 'threat' })).status).toBe(303)
    expect(await runDeliveryRound(app.services)).toMatchObject({ claimed: 1, failed: 1 })
    app.clock.advance(60_000)
    expect(await runDeliveryRound(app.services)).toMatchObject({ claimed: 1, delivered: 1 })
    expect(await runDeliveryRound(app.services)).toMatchObject({ claimed: 1, delivered: 1 })
    expect(receiver.received.map((m) => `${m.payload.type}#${m.payload.data.revision}`)).toEqual(['report.created#1', 'report.created#1', 'report.updated#2'])
  })

  it('with `outbox drain --now` sends pending rows before they are due', async () => {
    const { app, receiver, fileReport } = await givenChannel()
    receiver.behave((message) => (message.attempt === 1 ? { status: 500 } : { status: 200 }))
    await fileReport()
    expect(await drainOutbox(app.services)).toEqual({ delivered: 0, failed: 1, deadLettered: 0 })
    expect(await drainOutbox(app.services)).toEqual({ delivered: 0, failed: 0, deadLettered: 0 })
    expect(await drainOutbox(app.services, { includeNotDue: true })).toEqual({ delivered: 1, failed: 0, deadLettered: 0 })
  })

  it('runs as a stoppable worker on its poll interval', async () => {
    const { app, receiver, fileReport } = await givenChannel({ channelPollMs: 20 })
    const worker = startDeliveryWorker(app.services)
    try {
      await fileReport()
      await fileReport({ note: 'kedua' })
      await waitFor('two deliveries', () => receiver.acceptedIds().size === 2)
    } finally {
      await worker.stop()
    }
    await fileReport({ note: 'after stop' })
    await runDeliveryRound(app.services)
    expect(receiver.acceptedIds().size).toBe(3)
  })

  it('without a webhook configured keeps every report, marked undelivered', async () => {
    const app = await createTestApp()
    const res = await app.request('/api/v1/reports', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    const { trackingUrl } = (await res.json()) as { trackingUrl: string }
    expect(await runDeliveryRound(app.services)).toMatchObject({ claimed: 0 })
    await expect(drainOutbox(app.services)).rejects.toThrow('CHANNEL123_WEBHOOK_URL is not set: 1 deliveries are kept, undelivered')
    expect(await app.db.select().from(outboxDeliveries).where(eq(outboxDeliveries.state, 'pending')).all()).toHaveLength(1)
    expect(await (await app.request(trackingUrl.slice(PUBLIC_URL.length))).text()).toContain('Menunggu diteruskan ke PLN 123')
  })
})
