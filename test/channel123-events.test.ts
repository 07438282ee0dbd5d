import { and, eq } from 'drizzle-orm'
import { Webhook } from 'standardwebhooks'
import { afterEach, describe, expect, it } from 'vitest'
import { auditLog, inboundEvents, outboxDeliveries, reportEvents, reportNotes, reports } from '../db/schema.ts'
import type { Config } from '../src/config.ts'
import { createTestApp, listen, PUBLIC_URL } from './helpers.ts'
import { givenUser, signIn } from './support/session.ts'
import { generateWebhookSecret } from './support/webhook-receiver.ts'

const EVENTS_PATH = '/api/v1/channel123/events'

const servers: { close: () => Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

let messageCounter = 0
function freshMessageId(): string {
  messageCounter++
  return `msg_test${String(messageCounter).padStart(6, '0')}`
}

/** An app with the 123 secret, served over real HTTP, and a report filed through the household API. */
async function givenChannel(config: Partial<Config> = {}) {
  const secret = generateWebhookSecret()
  const app = await createTestApp({ config: { webhookSecret: secret, rateLimit: false, ...config } })
  const server = await listen(app.app)
  servers.push(server)
  const filed = await fetch(`${server.url}/api/v1/reports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 'ABCD-EFGH', category: 'money' }) })
  expect(filed.status).toBe(201)
  const { ticket, trackingUrl } = (await filed.json()) as { ticket: string; trackingUrl: string }
  const webhook = new Webhook(secret)

  /** POSTs a body signed as 123 would sign it; `at` defaults to the app's own clock. */
  const send = (body: unknown, options: { id?: string; at?: number; headers?: Record<string, string | null>; raw?: string } = {}) => {
    const id = options.id ?? freshMessageId()
    const at = options.at ?? app.clock.now()
    const text = options.raw ?? JSON.stringify(body)
    const headers: Record<string, string | null> = {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at / 1000)),
      'webhook-signature': webhook.sign(id, new Date(at), text),
      ...options.headers,
    }
    const sent = Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== null))
    return fetch(`${server.url}${EVENTS_PATH}`, { method: 'POST', headers: sent, body: text })
  }
  const statusEvent = (status: string, extra: Record<string, unknown> = {}) => ({ type: 'report.status', ticket, status, ...extra })
  const report = async () => (await app.db.select().from(reports).where(eq(reports.ticket, ticket)).get())!
  /** Everything a refused message must leave as it was. */
  const state = async () => {
    const row = await report()
    return {
      status: row.status,
      revision: row.revision,
      events: (await app.db.select().from(reportEvents).where(eq(reportEvents.reportId, row.id)).all()).length,
      notes: (await app.db.select().from(reportNotes).where(eq(reportNotes.reportId, row.id)).all()).length,
      deliveries: (await app.db.select().from(outboxDeliveries).where(eq(outboxDeliveries.subject, ticket)).all()).length,
      audit: (await app.db.select().from(auditLog).all()).length,
      inbound: (await app.db.select().from(inboundEvents).all()).length,
    }
  }
  const trackingPage = async () => (await fetch(`${server.url}${trackingUrl.replace(PUBLIC_URL, '')}`)).text()
  return { app, server, secret, ticket, send, statusEvent, report, state, trackingPage }
}

describe('POST /api/v1/channel123/events', () => {
  it('moves a report’s status; the tracking page says PLN 123 set it and the admin timeline names PLN 123', async () => {
    const channel = await givenChannel()
    const res = await channel.send(channel.statusEvent('in_review', { note: 'Pelapor sudah kami telepon balik.' }))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true, duplicate: false, ticket: channel.ticket, outcome: 'applied', status: 'in_review', revision: 2 })
    expect(await channel.report()).toMatchObject({ status: 'in_review', revision: 2 })

    const tracking = await channel.trackingPage()
    expect(tracking).toContain('Sedang ditinjau PLN')
    expect(tracking).toContain('Diperbarui oleh PLN 123: Sedang ditinjau PLN')
    // The triage note stays with the team.
    expect(tracking).not.toContain('Pelapor sudah kami telepon balik.')

    const admin = await givenUser(channel.app, 'admin', null, 'admin-123')
    const browser = await signIn(channel.app, admin.username)
    const detail = await (await browser.get(`/admin/reports/${channel.ticket}`)).text()
    expect(detail).toContain('Status diubah: Sedang ditinjau PLN<span class="hint"> — PLN 123</span>')
    expect(detail).toContain('Catatan: Pelapor sudah kami telepon balik.<span class="hint"> — PLN 123</span>')
    expect(detail).not.toContain('channel123')

    const [event] = await channel.app.db.select().from(reportEvents).where(eq(reportEvents.kind, 'status_changed')).all()
    expect(event).toMatchObject({ status: 'in_review', actor: 'channel123', visibleToReporter: true })
    const [note] = await channel.app.db.select().from(reportNotes).all()
    expect(note).toMatchObject({ author: 'channel123', text: 'Pelapor sudah kami telepon balik.' })
  })

  it('echoes the change to 123 as report.updated with the new revision, and audits it as channel123', async () => {
    const channel = await givenChannel()
    const id = freshMessageId()
    expect((await channel.send(channel.statusEvent('resolved_scam'), { id })).status).toBe(200)
    const updates = await channel.app.db
      .select()
      .from(outboxDeliveries)
      .where(and(eq(outboxDeliveries.subject, channel.ticket), eq(outboxDeliveries.eventType, 'report.updated')))
      .all()
    expect(updates).toHaveLength(1)
    const payload = JSON.parse(updates[0]!.payload) as { type: string; data: { status: string; revision: number } }
    expect(payload).toMatchObject({ type: 'report.updated', data: { status: 'resolved_scam', revision: 2 } })
    const [audit] = await channel.app.db.select().from(auditLog).where(eq(auditLog.action, 'report.status_changed')).all()
    expect(audit).toMatchObject({ actor: 'channel123', subject: `report:${channel.ticket}` })
    expect(JSON.parse(audit!.details)).toEqual({ from: 'new', to: 'resolved_scam', webhookId: id })
    expect(await channel.app.db.select().from(inboundEvents).all()).toEqual([
      { webhookId: id, type: 'report.status', ticket: channel.ticket, outcome: 'applied', httpStatus: 200, receivedAt: channel.app.clock.now() },
    ])
  })

  it('applies one webhook-id once: the same message again is answered as a duplicate and changes nothing', async () => {
    const channel = await givenChannel()
    const id = freshMessageId()
    const body = channel.statusEvent('forwarded', { note: 'Diteruskan ke ULP.' })
    expect((await channel.send(body, { id })).status).toBe(200)
    const after = await channel.state()
    expect(after).toMatchObject({ status: 'forwarded', revision: 2 })

    // A retry of 123 carries a fresh timestamp and signature, and the same id.
    channel.app.clock.advance(60_000)
    const again = await channel.send(body, { id })
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ ok: true, duplicate: true, ticket: channel.ticket, outcome: 'applied' })
    expect(await channel.state()).toEqual(after)
    // Even when its body now asks for something else.
    expect((await channel.send(channel.statusEvent('resolved_scam'), { id })).status).toBe(200)
    expect(await channel.state()).toEqual(after)
  })

  it('answers a status the report already has as unchanged, keeping its note, and records it', async () => {
    const channel = await givenChannel()
    const before = await channel.state()
    const res = await channel.send(channel.statusEvent('new', { note: 'Sudah dicek.' }))
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ ok: true, outcome: 'unchanged', status: 'new', revision: 1 })
    expect(await channel.state()).toMatchObject({ ...before, notes: before.notes + 1, audit: before.audit + 1, inbound: 1 })
  })

  it('refuses a replay: a timestamp more than 5 minutes old or ahead of the app’s clock, whatever the wall clock says', async () => {
    const channel = await givenChannel()
    const before = await channel.state()
    const now = channel.app.clock.now()
    for (const at of [now - 5 * 60_000 - 1000, now + 5 * 60_000 + 1000]) {
      const res = await channel.send(channel.statusEvent('in_review'), { at })
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ error: 'stale_timestamp' })
    }
    expect(await channel.state()).toEqual(before)
    // Inside the window it is taken.
    expect((await channel.send(channel.statusEvent('in_review'), { at: now - 4 * 60_000 })).status).toBe(200)
  })

  it('refuses a signature made with another secret, a changed body, or no v1 signature; accepts the right one among several', async () => {
    const channel = await givenChannel()
    const before = await channel.state()
    const stranger = new Webhook(generateWebhookSecret())
    const id = freshMessageId()
    const body = JSON.stringify(channel.statusEvent('in_review'))
    const at = channel.app.clock.now()
    const forged = stranger.sign(id, new Date(at), body)
    const right = new Webhook(channel.secret).sign(id, new Date(at), body)
    const attempts: Record<string, string>[] = [
      { 'webhook-signature': forged },
      { 'webhook-signature': right.replace('v1,', 'v2,') },
      { 'webhook-signature': `v1,${'A'.repeat(44)}` },
      { 'webhook-signature': 'v1,' },
    ]
    for (const headers of attempts) {
      const res = await channel.send(null, { id, at, raw: body, headers })
      expect(res.status, headers['webhook-signature']).toBe(401)
      expect(await res.json()).toMatchObject({ error: 'bad_signature', message: expect.stringContaining('tidak cocok') })
    }
    // Signed for one body, sent with another.
    const tampered = await channel.send(null, { id, at, raw: body.replace('in_review', 'rejected'), headers: { 'webhook-signature': right } })
    expect(tampered.status).toBe(401)
    expect(await channel.state()).toEqual(before)

    // A sender rotating its secret lists both signatures.
    const rotated = await channel.send(null, { id, at, raw: body, headers: { 'webhook-signature': `${forged} ${right}` } })
    expect(rotated.status).toBe(200)
    expect((await channel.report()).status).toBe('in_review')
  })

  it('refuses missing or malformed headers with 400 and changes nothing', async () => {
    const channel = await givenChannel()
    const before = await channel.state()
    const body = channel.statusEvent('in_review')
    for (const header of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const res = await channel.send(body, { headers: { [header]: null } })
      expect(res.status, header).toBe(400)
      expect(await res.json()).toMatchObject({ error: 'missing_headers' })
    }
    const badTime = await channel.send(body, { headers: { 'webhook-timestamp': 'yesterday' } })
    expect(badTime.status).toBe(400)
    expect(await badTime.json()).toMatchObject({ error: 'invalid_timestamp' })
    expect(await channel.state()).toEqual(before)
  })

  it('refuses an unknown ticket (404), an unknown type or status (422), a transition the workflow forbids (409) and malformed JSON (400), all signed, changing nothing', async () => {
    const channel = await givenChannel()
    // To a final state first: from there nothing may move.
    expect((await channel.send(channel.statusEvent('resolved_genuine'))).status).toBe(200)
    const before = await channel.state()
    const cases: { body?: unknown; raw?: string; status: number; error: string }[] = [
      { body: { type: 'report.status', ticket: 'LPR-ZZZZZZZZ', status: 'in_review' }, status: 404, error: 'unknown_ticket' },
      { body: { type: 'report.status', ticket: 'bukan tiket', status: 'in_review' }, status: 404, error: 'unknown_ticket' },
      { body: { type: 'report.deleted', ticket: channel.ticket }, status: 422, error: 'unknown_type' },
      { body: channel.statusEvent('deleted'), status: 422, error: 'unknown_status' },
      { body: channel.statusEvent('in_review', { note: 'Dibuka lagi' }), status: 409, error: 'transition_not_allowed' },
      { body: channel.statusEvent('rejected'), status: 409, error: 'transition_not_allowed' },
      { body: channel.statusEvent('in_review', { note: 'x'.repeat(2001) }), status: 400, error: 'invalid_fields' },
      { body: { type: 'report.status', ticket: channel.ticket, status: 7 }, status: 400, error: 'invalid_fields' },
      { body: { type: 'report.status', ticket: channel.ticket }, status: 400, error: 'invalid_fields' },
      { body: [channel.statusEvent('in_review')], status: 400, error: 'invalid_json' },
      { raw: '{"type":"report.status",', status: 400, error: 'invalid_json' },
      { raw: '', status: 400, error: 'invalid_json' },
    ]
    for (const { body, raw, status, error } of cases) {
      const res = await channel.send(body, { raw })
      expect(res.status, error).toBe(status)
      const answer = (await res.json()) as { error: string; message: string; currentStatus?: string }
      expect(answer.error).toBe(error)
      expect(answer.message.length).toBeGreaterThan(10)
      if (error === 'transition_not_allowed') expect(answer.currentStatus).toBe('resolved_genuine')
    }
    expect(await channel.state()).toEqual(before)
  })

  it('lets a refused webhook-id through once 123 sends a message that can apply', async () => {
    const channel = await givenChannel()
    const id = freshMessageId()
    expect((await channel.send(channel.statusEvent('deleted'), { id })).status).toBe(422)
    expect((await channel.send(channel.statusEvent('in_review'), { id })).status).toBe(200)
    expect((await channel.report()).status).toBe('in_review')
  })

  it('refuses a body over 16 KB unread', async () => {
    const channel = await givenChannel()
    const before = await channel.state()
    const res = await channel.send(null, { raw: JSON.stringify(channel.statusEvent('in_review', { note: 'x'.repeat(17 * 1024) })) })
    expect(res.status).toBe(413)
    expect(await channel.state()).toEqual(before)
  })

  it('answers 503 when the channel has no secret, whatever is sent', async () => {
    const channel = await givenChannel({ webhookSecret: null })
    const before = await channel.state()
    const res = await channel.send(channel.statusEvent('in_review'))
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ error: 'channel_not_configured' })
    expect(await channel.state()).toEqual(before)
  })

  it('answers in English when asked', async () => {
    const channel = await givenChannel()
    const res = await fetch(`${channel.server.url}${EVENTS_PATH}?lang=en`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'missing_headers', message: 'The webhook-id, webhook-timestamp and webhook-signature headers are required.' })
  })
})

describe('status changes made in the console', () => {
  it('record the admin’s username as the event’s actor and show it in the admin timeline, not on the tracking page', async () => {
    const channel = await givenChannel()
    const admin = await givenUser(channel.app, 'admin', null, 'admin-konsol')
    const browser = await signIn(channel.app, admin.username)
    expect((await browser.post(`/admin/reports/${channel.ticket}/status`, { to: 'in_review', revision: '1' })).status).toBe(303)
    const [event] = await channel.app.db.select().from(reportEvents).where(eq(reportEvents.kind, 'status_changed')).all()
    expect(event).toMatchObject({ status: 'in_review', actor: 'admin-konsol' })
    expect(await (await browser.get(`/admin/reports/${channel.ticket}`)).text()).toContain('Status diubah: Sedang ditinjau PLN<span class="hint"> — admin-konsol</span>')
    const tracking = await channel.trackingPage()
    expect(tracking).toContain('Status diubah: Sedang ditinjau PLN')
    expect(tracking).not.toContain('admin-konsol')
    expect(tracking).not.toContain('Diperbarui oleh PLN 123')
  })
})
