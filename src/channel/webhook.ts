import { createHmac, randomBytes } from 'node:crypto'

/**
 * Sending one message to the 123 channel, following the Standard Webhooks specification
 * (https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`.
 */

export interface WebhookTarget {
  url: string
  /** The HMAC key: the base64-decoded part of the `whsec_…` secret. */
  key: Buffer
  timeoutMs: number
}

export interface WebhookMessage {
  webhookId: string
  /** The exact JSON text to send; it is what the signature covers. */
  body: string
}

export type DeliveryOutcome =
  | { kind: 'delivered'; status: number }
  /** Worth trying again later: network trouble, a timeout, 5xx, 408 or 429. `cause`: what fetch threw, if it threw. */
  | { kind: 'retry'; error: string; retryAfterMs: number | null; cause?: unknown }
  /** The receiver refused the message itself (a 4xx other than 408/429): retrying cannot help. */
  | { kind: 'reject'; error: string }
  /** We stopped the request ourselves (shutdown); nothing was learned about the receiver. */
  | { kind: 'released'; error: string }

const USER_AGENT = 'CekPetugas-Webhook/1.0'
const ERROR_EXCERPT_LENGTH = 200

/** `msg_` and 128 random bits: unique, and stable across every retry of one delivery. */
export function newWebhookId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`
}

/** The HMAC key of a `whsec_<base64>` secret (the prefix is optional, as in the reference libraries). */
export function decodeWebhookSecret(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64')
}

export function signWebhook(key: Buffer, webhookId: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${webhookId}.${timestampSeconds}.${body}`).digest('base64')}`
}

/** POSTs one signed message and says what the answer means for the outbox. Never throws. */
export async function deliverWebhook(target: WebhookTarget, message: WebhookMessage, nowMs: number, stop?: AbortSignal): Promise<DeliveryOutcome> {
  const timestamp = Math.floor(nowMs / 1000)
  const timeout = AbortSignal.timeout(target.timeoutMs)
  const signal = stop ? AbortSignal.any([timeout, stop]) : timeout
  let status: number
  let excerpt: string
  let retryAfter: string | null
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'webhook-id': message.webhookId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(target.key, message.webhookId, timestamp, message.body),
      },
      body: message.body,
      // A redirect could carry a signed report somewhere else; the receiver must answer itself.
      redirect: 'manual',
      signal,
    })
    status = response.status
    retryAfter = response.headers.get('retry-after')
    // The whole exchange, body included, stays inside the timeout.
    excerpt = cleanExcerpt(await response.text())
  } catch (error) {
    if (stop?.aborted) return { kind: 'released', error: 'stopped while sending' }
    return { kind: 'retry', error: describeNetworkError(error, target.timeoutMs), retryAfterMs: null, cause: error }
  }
  if (status >= 200 && status < 300) return { kind: 'delivered', status }
  const error = `HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`
  if (status === 408 || status === 429) return { kind: 'retry', error, retryAfterMs: parseRetryAfter(retryAfter, nowMs) }
  if (status >= 400 && status < 500) return { kind: 'reject', error }
  return { kind: 'retry', error, retryAfterMs: null }
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: unknown }).name
  if (name === 'TimeoutError') return `timed out after ${timeoutMs} ms`
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause
  const code = typeof cause?.code === 'string' ? cause.code : null
  const text = typeof cause?.message === 'string' ? cause.message : (error as Error).message
  return cleanExcerpt(`network error${code ? ` ${code}` : ''}: ${text}`)
}

/** Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3). */
function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (!value) return null
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs)
}

/** One line, no control characters, short: it ends up in the database and in admin views. */
function cleanExcerpt(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, ERROR_EXCERPT_LENGTH)
}
