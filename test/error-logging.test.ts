import { afterEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import { runDeliveryRound, startDeliveryWorker } from '../src/channel/worker.ts'
import { createTestApp, fixedClock } from './helpers.ts'
import { startWebhookReceiver, waitFor, type WebhookReceiver } from './support/webhook-receiver.ts'
import { dropTable, refuseInserts } from './support/test-database.ts'

const receivers: WebhookReceiver[] = []
let errors: MockInstance<typeof console.error>
afterEach(async () => {
  errors?.mockRestore()
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()))
})

/** console.error is where the operator reads errors: the one boundary these tests watch. */
function captureErrors() {
  errors = vi.spyOn(console, 'error').mockImplementation(() => {})
  return errors
}

/** The Error logged with a line, if one was. */
function loggedError(call: unknown[] | undefined): Error | null {
  const error = call?.find((arg) => arg instanceof Error)
  return error instanceof Error ? error : null
}

/** A stack trace: the error's own line, then frames. */
// pg's DatabaseError calls itself `error`.
const STACK = /^\w*[Ee]rror: .+\n\s+at /

async function givenChannel() {
  const receiver = await startWebhookReceiver()
  receivers.push(receiver)
  const app = await createTestApp({ clock: fixedClock(Date.now()), config: { webhookUrl: receiver.url, webhookSecret: receiver.secret, channelTimeoutMs: 2000, channelPollMs: 60_000 } })
  const res = await app.request('/api/v1/reports', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 'ABCD2345' }) })
  expect(res.status).toBe(201)
  const { ticket } = (await res.json()) as { ticket: string }
  return { app, receiver, ticket }
}

describe('errors are logged once, with their stack', () => {
  it('a report that cannot be saved: one line with the request id and the stack, and a calm answer', async () => {
    const app = await createTestApp()
    // The database refuses the write, as a full disk would.
    await refuseInserts(app.db, 'reports', 'database or disk is full')
    const logged = captureErrors()

    const res = await app.request('/api/v1/reports', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ note: 'Minta uang' }) })
    expect(res.status).toBe(503)
    const body = (await res.json()) as { requestId: string; message: string }
    expect(JSON.stringify(body)).not.toMatch(/\bat \S+:\d+|SqliteError/)

    expect(logged).toHaveBeenCalledTimes(1)
    const call = logged.mock.calls[0]
    expect(String(call?.[0])).toContain(body.requestId)
    expect(loggedError(call)?.stack).toMatch(STACK)
    expect(loggedError(call)?.message).toBe('database or disk is full')

    const page = await app.postForm('/reports', {})
    expect(page.status).toBe(500)
    expect(await page.text()).not.toContain('SqliteError')
    expect(logged).toHaveBeenCalledTimes(2)
  })

  it('a delivery whose connection the receiver drops: one line naming the ticket, with the stack of what fetch threw', async () => {
    const { app, receiver, ticket } = await givenChannel()
    receiver.behave(() => 'drop')
    const logged = captureErrors()

    const round = await runDeliveryRound(app.services)
    expect(round.failed).toBe(1)
    expect(logged).toHaveBeenCalledTimes(1)
    const call = logged.mock.calls[0]
    expect(String(call?.[0])).toMatch(new RegExp(`report\\.created ${ticket} \\(msg_[\\w-]+\\) attempt 1 failed, will retry: network error`))
    expect(loggedError(call)?.stack).toMatch(STACK)
  })

  it('a delivery the receiver answers with 500: one line naming the ticket and the answer', async () => {
    const { app, receiver, ticket } = await givenChannel()
    receiver.behave(() => ({ status: 500, body: 'Internal Server Error' }))
    const logged = captureErrors()

    await runDeliveryRound(app.services)
    expect(logged).toHaveBeenCalledTimes(1)
    expect(String(logged.mock.calls[0]?.[0])).toContain(`report.created ${ticket}`)
    expect(String(logged.mock.calls[0]?.[0])).toContain('will retry: HTTP 500: Internal Server Error')
  })

  it('a delivery round that fails inside the worker: one line with the stack', async () => {
    const { app } = await givenChannel()
    await dropTable(app.db, 'outbox_deliveries')
    const logged = captureErrors()

    const worker = startDeliveryWorker(app.services)
    await waitFor('the failed round to be logged', () => logged.mock.calls.length > 0)
    await worker.stop()
    expect(logged).toHaveBeenCalledTimes(1)
    expect(String(logged.mock.calls[0]?.[0])).toContain('delivery round failed')
    expect(loggedError(logged.mock.calls[0])?.stack).toMatch(STACK)
  })
})
