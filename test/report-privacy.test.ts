import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { outboxDeliveries, reports } from '../db/schema.ts'
import { runDeliveryRound } from '../src/channel/worker.ts'
import { createTestApp, fixedClock, PUBLIC_URL } from './helpers.ts'
import { givenUser, signIn } from './support/session.ts'
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts'

type TestApp = Awaited<ReturnType<typeof createTestApp>>

const receivers: WebhookReceiver[] = []
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()))
})

/** A household's phone behind a given address, filing through the JSON API. */
async function reportFrom(app: TestApp, address: string, body: Record<string, string>): Promise<{ ticket: string; trackingPath: string; key: string }> {
  const res = await app.app.request(
    `${PUBLIC_URL}/api/v1/reports`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    { incoming: { socket: { remoteAddress: address, remotePort: 40000, remoteFamily: 'IPv4' } } },
  )
  expect(res.status).toBe(201)
  const { ticket, trackingUrl } = (await res.json()) as { ticket: string; trackingUrl: string }
  const trackingPath = trackingUrl.slice(PUBLIC_URL.length)
  return { ticket, trackingPath, key: new URL(trackingUrl).searchParams.get('k') ?? '' }
}

function postDetails(app: TestApp, address: string, ticket: string, fields: Record<string, string>) {
  return app.app.request(
    `${PUBLIC_URL}/r/${ticket}/details`,
    { method: 'POST', body: new URLSearchParams(fields), headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL } },
    { incoming: { socket: { remoteAddress: address, remotePort: 40000, remoteFamily: 'IPv4' } } },
  )
}

const FIRST = { code: 'ABCD2345', note: 'Minta transfer Rp 2 juta, katanya denda P2TL', phone: '0812-3456-7890', location: 'Kelurahan Cikini' }

describe('two households report the same code from one /24 network within minutes', () => {
  it('gives each its own ticket and tracking key', async () => {
    const app = await createTestApp()
    const first = await reportFrom(app, '10.1.2.3', FIRST)
    const second = await reportFrom(app, '10.1.2.77', { code: 'abcd-2345' })
    expect(second.ticket).not.toBe(first.ticket)
    expect(second.key).not.toBe(first.key)
    expect(await app.db.select().from(reports).all()).toHaveLength(2)
  })

  it('never shows the second household the first one’s phone, note or location, and never lets it change them', async () => {
    const app = await createTestApp()
    const first = await reportFrom(app, '10.1.2.3', FIRST)
    const second = await reportFrom(app, '10.1.2.77', { code: 'ABCD2345' })

    const page = await (await app.request(second.trackingPath)).text()
    expect(page).toContain(second.ticket)
    for (const secret of [first.ticket, '81234567890', '3456-7890', FIRST.note, 'Cikini', first.key]) expect(page).not.toContain(secret)

    expect((await postDetails(app, '10.1.2.77', second.ticket, { k: second.key, note: 'Orangnya pakai rompi oranye', phone: '' })).status).toBe(303)
    // The first household's ticket with the second one's key is no report at all.
    expect((await postDetails(app, '10.1.2.77', first.ticket, { k: second.key, note: 'ditimpa', phone: '081111111111' })).status).toBe(404)

    const stored = (await app.db.select().from(reports).where(eq(reports.ticket, first.ticket)).get())!
    expect(stored).toMatchObject({ note: FIRST.note, phone: '+6281234567890', location: 'Kelurahan Cikini', revision: 1 })
    const own = await (await app.request(first.trackingPath)).text()
    expect(own).toContain(FIRST.note)
    expect(own).not.toContain('rompi oranye')
  })

  it('delivers each to 123 as its own report.created, with only its own details and the other as related', async () => {
    const receiver = await startWebhookReceiver()
    receivers.push(receiver)
    const app = await createTestApp({ clock: fixedClock(Date.now()), config: { webhookUrl: receiver.url, webhookSecret: receiver.secret, channelTimeoutMs: 2000 } })
    const first = await reportFrom(app, '10.1.2.3', FIRST)
    const second = await reportFrom(app, '10.1.2.77', { code: 'ABCD2345', note: 'Datang jam 9 pagi' })
    await runDeliveryRound(app.services)

    const messages = receiver.received.filter((message) => message.verified)
    expect(messages.map((message) => message.payload.type)).toEqual(['report.created', 'report.created'])
    const [one, two] = messages.map((message) => message.payload.data)
    expect(one).toMatchObject({ ticket: first.ticket, note: FIRST.note, phone: '+6281234567890', related: { count: 0, tickets: [] } })
    expect(two).toMatchObject({ ticket: second.ticket, note: 'Datang jam 9 pagi', phone: null, location: null, related: { count: 1, tickets: [first.ticket] } })
    expect(await app.db.select().from(outboxDeliveries).where(eq(outboxDeliveries.eventType, 'report.updated')).all()).toHaveLength(0)
  })

  it('shows admins the two grouped, each counted, with a related count in the queue and links on the detail page', async () => {
    const app = await createTestApp()
    const admin = await givenUser(app, 'admin', null, 'admin-privasi')
    const first = await reportFrom(app, '10.1.2.3', FIRST)
    const second = await reportFrom(app, '10.1.2.77', { code: 'ABCD2345' })
    const elsewhere = await reportFrom(app, '10.9.9.9', { code: 'ABCD2345' })
    const browser = await signIn(app, admin.username)

    const queue = await (await browser.get('/admin/reports')).text()
    const relatedOf = (ticket: string) => new RegExp(`<tr data-ticket="${ticket}"[^>]*data-related="(\\d+)"`).exec(queue)?.[1]
    expect(relatedOf(first.ticket)).toBe('1')
    expect(relatedOf(second.ticket)).toBe('1')
    expect(relatedOf(elsewhere.ticket)).toBe('0')

    const detail = await (await browser.get(`/admin/reports/${second.ticket}`)).text()
    expect(detail).toContain(`href="/admin/reports/${first.ticket}"`)
    expect(detail).toContain('Laporan terkait')
    // All three reports of the one code are one campaign, and each one counts.
    const campaign = await (await browser.get(`/admin/campaigns/${first.ticket}`)).text()
    for (const { ticket } of [first, second, elsewhere]) expect(campaign).toContain(ticket)
  })
})
