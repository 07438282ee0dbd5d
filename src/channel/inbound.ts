import { timingSafeEqual } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { z } from 'zod'
import { inboundEvents, REPORT_STATUSES } from '../../db/schema.ts'
import type { ReportStatus } from '../reports/reports.ts'
import { CHANNEL123_ACTOR } from '../reports/timeline.ts'
import { MAX_NOTE_LENGTH, moveReportStatus } from '../reports/triage.ts'
import type { Services } from '../services.ts'
import { decodeWebhookSecret, signWebhook } from './webhook.ts'

/**
 * PLN 123's back-channel (DESIGN §11): the contact centre moves a report's status with a message
 * signed as Standard Webhooks with CHANNEL123_WEBHOOK_SECRET, the secret of our outbound side.
 * docs/channel-123.md describes it for 123.
 */

export const CHANNEL123_STATUS_EVENT = 'report.status'

/** Standard Webhooks' recommended tolerance: older (or later) timestamps are refused as replays. */
export const REPLAY_WINDOW_SECONDS = 5 * 60

/** The same floor as the outbound secret (src/config.ts): a shorter key is no key. */
const MIN_KEY_BYTES = 24
/** Longer than any id a Standard Webhooks library makes (`msg_` and a few dozen characters). */
const MAX_WEBHOOK_ID_LENGTH = 256

export interface InboundRequest {
  webhookId: string | undefined
  timestamp: string | undefined
  signature: string | undefined
  /** The body exactly as received: the signature covers it. */
  body: string
}

export type InboundProblem =
  | 'channel_not_configured'
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'bad_signature'
  | 'stale_timestamp'
  | 'invalid_json'
  | 'invalid_fields'
  | 'unknown_type'
  | 'unknown_status'
  | 'unknown_ticket'
  | 'transition_not_allowed'

export const INBOUND_PROBLEM_STATUS = {
  // 5xx, so a sender retries: the message becomes acceptable once the secret is set, and nothing
  // tells an outsider whether the channel exists (a 404 would, and would dead-letter 123's side).
  channel_not_configured: 503,
  missing_headers: 400,
  invalid_timestamp: 400,
  bad_signature: 401,
  stale_timestamp: 400,
  invalid_json: 400,
  invalid_fields: 400,
  unknown_type: 422,
  unknown_status: 422,
  unknown_ticket: 404,
  transition_not_allowed: 409,
} as const satisfies Record<InboundProblem, number>

export type InboundOutcome = 'applied' | 'unchanged'

export type InboundAnswer =
  | { ok: true; duplicate: false; outcome: InboundOutcome; ticket: string; status: ReportStatus; revision: number }
  /** A webhook-id seen before: its first answer again, and nothing done. */
  | { ok: true; duplicate: true; outcome: string; ticket: string | null }
  | { ok: false; problem: InboundProblem; currentStatus?: ReportStatus }

const AnyEvent = z.object({ type: z.string() })

const StatusEvent = z.object({
  type: z.literal(CHANNEL123_STATUS_EVENT),
  ticket: z.string().max(64),
  status: z.string().max(64),
  note: z.string().trim().max(MAX_NOTE_LENGTH).nullish(),
})

/**
 * Checks one message from 123 and applies it. In order: the channel is set up, the headers are
 * there, the signature matches, the timestamp is within REPLAY_WINDOW_SECONDS of our clock; then,
 * in one transaction, a webhook-id seen before gets its first answer again, or the status change
 * (and the note) is applied and the webhook-id recorded with its answer.
 *
 * Only answers that passed every check and changed or confirmed a report (`applied`, `unchanged`)
 * are recorded. A refusal is not: it changes nothing, and the same message refused again gets the
 * same refusal, because the workflow only moves forward (a status the report cannot reach now it
 * can never reach later) and tickets are made only by us. Unrecorded, a refused id is free for 123
 * to send again after fixing its message.
 */
export async function receiveChannel123Event(services: Services, request: InboundRequest): Promise<InboundAnswer> {
  const secret = services.config.webhookSecret
  const key = secret ? decodeWebhookSecret(secret) : null
  if (!key || key.length < MIN_KEY_BYTES) return refuse('channel_not_configured')
  const { webhookId, timestamp, signature, body } = request
  if (!webhookId || !timestamp || !signature || !/^[\x21-\x7e]+$/.test(webhookId) || webhookId.length > MAX_WEBHOOK_ID_LENGTH) return refuse('missing_headers')
  if (!/^[0-9]{1,12}$/.test(timestamp)) return refuse('invalid_timestamp')
  const seconds = Number(timestamp)
  if (!hasSignature(signature, signWebhook(key, webhookId, seconds, body))) return refuse('bad_signature')
  const now = services.clock.now()
  if (Math.abs(now / 1000 - seconds) > REPLAY_WINDOW_SECONDS) return refuse('stale_timestamp')

  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return refuse('invalid_json')
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return refuse('invalid_json')
  const kind = AnyEvent.safeParse(json)
  if (kind.success && kind.data.type !== CHANNEL123_STATUS_EVENT) return refuse('unknown_type')
  const parsed = StatusEvent.safeParse(json)
  if (!parsed.success) return refuse('invalid_fields')
  const event = parsed.data
  const to = REPORT_STATUSES.find((status) => status === event.status)

  return services.db.transaction(async (tx) => {
    // First, so a repeat is answered as before even if 123's idea of the message has changed.
    const [seen] = await tx.select().from(inboundEvents).where(eq(inboundEvents.webhookId, webhookId)).limit(1)
    if (seen) return { ok: true, duplicate: true, outcome: seen.outcome, ticket: seen.ticket } as const
    if (!to) return refuse('unknown_status')
    const change = await moveReportStatus(tx, now, { ticket: event.ticket, to, actor: CHANNEL123_ACTOR, note: event.note || null, webhookId })
    if (change.kind === 'not_found') return refuse('unknown_ticket')
    if (change.kind === 'not_allowed') return { ok: false, problem: 'transition_not_allowed', currentStatus: change.report.status } as const
    const { report } = change
    await tx.insert(inboundEvents).values({ webhookId, type: event.type, ticket: report.ticket, outcome: change.kind, httpStatus: 200, receivedAt: now })
    return { ok: true, duplicate: false, outcome: change.kind, ticket: report.ticket, status: report.status, revision: report.revision } as const
  })
}

function refuse(problem: InboundProblem): InboundAnswer {
  return { ok: false, problem }
}

/**
 * Whether the header lists the expected `v1,<base64>` signature. It may list several, separated by
 * spaces (a sender rotating its secret signs with both); other versions are skipped. Compared in
 * constant time, so the answer's timing tells nothing about how much of a guess was right.
 */
function hasSignature(header: string, expected: string): boolean {
  const wanted = Buffer.from(expected)
  let found = false
  for (const entry of header.split(' ')) {
    if (!entry.startsWith('v1,')) continue
    const given = Buffer.from(entry)
    if (given.length === wanted.length && timingSafeEqual(given, wanted)) found = true
  }
  return found
}
