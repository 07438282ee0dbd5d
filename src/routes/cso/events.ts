import { Hono } from 'hono'
import type { AppEnv } from '../../http/env.ts'
import { INBOUND_PROBLEM_STATUS, receiveChannel123Event } from '../../channel/inbound.ts'

/**
 * POST /api/v1/channel123/events: PLN 123 moves a report's status (docs/channel-123.md). The body
 * is handed over unparsed: the signature covers its exact bytes, so it is checked before the JSON
 * is read (src/channel/inbound.ts), not by validJson. The app's default body limit (16 KB) applies.
 */
export function channel123EventRoutes() {
  const app = new Hono<AppEnv>()

  app.post('/api/v1/channel123/events', async (c) => {
    const answer = await receiveChannel123Event(c.get('services'), {
      webhookId: c.req.header('webhook-id'),
      timestamp: c.req.header('webhook-timestamp'),
      signature: c.req.header('webhook-signature'),
      // Decoded by hand: Request.text() would drop a byte-order mark the signature covers.
      body: Buffer.from(await c.req.arrayBuffer()).toString('utf8'),
    })
    if (!answer.ok) {
      const refusal = { error: answer.problem, message: c.get('t').channel123.problems[answer.problem] }
      return c.json(answer.currentStatus ? { ...refusal, currentStatus: answer.currentStatus } : refusal, INBOUND_PROBLEM_STATUS[answer.problem])
    }
    // Only 200 answers are recorded (see receiveChannel123Event), so a repeat is a 200 too.
    if (answer.duplicate) return c.json({ ok: true, duplicate: true, ticket: answer.ticket, outcome: answer.outcome }, 200)
    return c.json({ ok: true, duplicate: false, ticket: answer.ticket, outcome: answer.outcome, status: answer.status, revision: answer.revision }, 200)
  })

  return app
}
