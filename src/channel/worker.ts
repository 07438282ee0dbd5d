import { driverError } from '../../db/client.ts'
import { AUDIT_CHECKPOINT_EVENT, recordChannelReceipt } from '../audit/witness.ts'
import { ConfigError } from '../config.ts'
import type { Services } from '../services.ts'
import { claimDueDeliveries, countPendingDeliveries, recordDeliveryOutcome, type ClaimedDelivery, type RecordedOutcome } from './outbox.ts'
import { decodeWebhookSecret, deliverWebhook, type DeliveryOutcome, type WebhookTarget } from './webhook.ts'

export interface DeliverySummary {
  delivered: number
  /** Failed this time and scheduled for a retry. */
  failed: number
  deadLettered: number
}

export interface RoundOptions {
  /** Also send pending rows whose next attempt is not due yet. */
  includeNotDue?: boolean
  afterId?: number
  stop?: AbortSignal
  random?: () => number
}

export interface RoundResult extends DeliverySummary {
  claimed: number
  /** The highest id claimed, to continue a drain after it. */
  lastId: number
}

/** Deliveries sent at once per round; the receiver sees at most this many concurrent requests. */
export const DELIVERY_BATCH = 50

/**
 * One round: claim a batch of due deliveries, send them concurrently, record each outcome.
 * Tests drive the channel deterministically through this with an injected clock.
 */
export async function runDeliveryRound(services: Services, options: RoundOptions = {}): Promise<RoundResult> {
  const result: RoundResult = { delivered: 0, failed: 0, deadLettered: 0, claimed: 0, lastId: options.afterId ?? 0 }
  const target = webhookTarget(services)
  if (!target) return result
  const { db, clock, config } = services
  const claimed = await claimDueDeliveries(db, {
    now: clock.now(),
    leaseMs: leaseFor(config.channelTimeoutMs),
    limit: DELIVERY_BATCH,
    includeNotDue: options.includeNotDue,
    afterId: options.afterId,
  })
  result.claimed = claimed.length
  if (claimed.length === 0) return result
  const outcomes = await Promise.all(claimed.map((delivery) => deliverWebhook(target, { webhookId: delivery.webhookId, body: delivery.payload }, clock.now(), options.stop)))
  // One transaction for the round's outcomes rather than one commit per delivery.
  const policy = { now: clock.now(), retryBaseMs: config.channelRetryBaseMs, giveUpMs: config.channelGiveUpMs, random: options.random ?? Math.random }
  const recorded = await db.transaction(async (tx) => {
    const stored: RecordedOutcome[] = []
    for (const [index, delivery] of claimed.entries()) {
      const outcome = await recordDeliveryOutcome(tx, delivery, outcomes[index]!, policy)
      // 123 keeps what it was sent: a delivered checkpoint is a witness's receipt, committed with the delivery.
      if (outcome === 'delivered' && delivery.eventType === AUDIT_CHECKPOINT_EVENT) await recordChannelReceipt(tx, delivery.payload, policy.now)
      stored.push(outcome)
    }
    return stored
  })
  recorded.forEach((outcome, index) => {
    count(result, outcome)
    logFailedAttempt(claimed[index]!, outcomes[index]!, outcome)
  })
  result.lastId = Math.max(result.lastId, ...claimed.map((delivery) => delivery.id))
  return result
}

/**
 * `outbox drain`: sends what is due (with `includeNotDue`, everything pending) at most once per
 * row, then returns. Safe next to a running server: claims keep the two apart.
 */
export async function drainOutbox(services: Services, options: { includeNotDue?: boolean } = {}): Promise<DeliverySummary> {
  if (!webhookTarget(services)) {
    throw new ConfigError(`CHANNEL123_WEBHOOK_URL is not set: ${await countPendingDeliveries(services.db)} deliveries are kept, undelivered`)
  }
  const summary: DeliverySummary = { delivered: 0, failed: 0, deadLettered: 0 }
  let afterId = 0
  for (;;) {
    const round = await runDeliveryRound(services, { includeNotDue: options.includeNotDue, afterId })
    summary.delivered += round.delivered
    summary.failed += round.failed
    summary.deadLettered += round.deadLettered
    if (round.claimed === 0) return summary
    afterId = round.lastId
  }
}

export interface DeliveryWorker {
  /** Stops polling, aborts requests in flight (their rows become due again) and waits for the round to end. */
  stop(): Promise<void>
}

/** The server's own delivery loop: a round every poll interval, back to back while there is a backlog. */
export function startDeliveryWorker(services: Services, options: { random?: () => number } = {}): DeliveryWorker {
  const stopping = new AbortController()
  let timer: NodeJS.Timeout | null = null
  let running: Promise<void> = Promise.resolve()

  const tick = async () => {
    timer = null
    try {
      let round: RoundResult
      do {
        round = await runDeliveryRound(services, { stop: stopping.signal, random: options.random })
      } while (round.claimed === DELIVERY_BATCH && !stopping.signal.aborted)
    } catch (error) {
      console.error('123 channel: delivery round failed:', driverError(error))
    }
    if (!stopping.signal.aborted) timer = setTimeout(() => (running = tick()), services.config.channelPollMs)
  }
  running = tick()

  return {
    async stop() {
      stopping.abort()
      if (timer) clearTimeout(timer)
      await running
    },
  }
}

function webhookTarget({ config }: Services): WebhookTarget | null {
  if (!config.webhookUrl || !config.webhookSecret) return null
  return { url: config.webhookUrl, key: decodeWebhookSecret(config.webhookSecret), timeoutMs: config.channelTimeoutMs }
}

/** Long enough for a send plus recording it; a claimant that died frees its rows after this. */
function leaseFor(timeoutMs: number): number {
  return 2 * timeoutMs + 1000
}

/**
 * One line per failed attempt, with what fetch threw (its stack and cause) when it threw; a
 * receiver's own answer (a status and its first words) needs no stack.
 */
function logFailedAttempt(delivery: ClaimedDelivery, outcome: DeliveryOutcome, recorded: RecordedOutcome): void {
  if ((recorded !== 'failed' && recorded !== 'dead_lettered') || (outcome.kind !== 'retry' && outcome.kind !== 'reject')) return
  const next = recorded === 'dead_lettered' ? 'dead-lettered' : 'will retry'
  const line = `123 channel: ${delivery.eventType} ${delivery.subject} (${delivery.webhookId}) attempt ${delivery.attempts} failed, ${next}: ${outcome.error}`
  if (outcome.kind === 'retry' && outcome.cause !== undefined) console.error(line, outcome.cause)
  else console.error(line)
}

function count(summary: DeliverySummary, outcome: RecordedOutcome): void {
  if (outcome === 'delivered') summary.delivered++
  else if (outcome === 'failed') summary.failed++
  else if (outcome === 'dead_lettered') summary.deadLettered++
}
