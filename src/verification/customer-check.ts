import { and, eq, gte, isNull, lte } from 'drizzle-orm'
import { credentials } from '../../db/schema.ts'
import { VISIT_GRACE_MS } from '../credentials/tokens.ts'
import { hashCustomerId } from '../passes/passes.ts'
import type { RateLimiter } from '../counters/rate-limiter.ts'
import type { Services } from '../services.ts'

const CUSTOMER_ID = /^\d{12}$/

export function normalizeCustomerId(input: string): string | null {
  const digits = input.replace(/[\s.-]/g, '')
  return CUSTOMER_ID.test(digits) ? digits : null
}

/**
 * Answers "is this credential for my ID pelanggan?" by comparing keyed hashes. For a visit pass:
 * is it this customer's pass. For a badge: does its officer hold a live pass for this customer.
 * Either way the answer is yes or no, never a list.
 */
export async function isSentToCustomer(services: Services, credentialId: string, customerId: string): Promise<boolean> {
  const { db, clock } = services
  const [credential] = await db
    .select({ kind: credentials.kind, officerId: credentials.officerId, customerHash: credentials.customerHash })
    .from(credentials)
    .where(eq(credentials.id, credentialId))
    .limit(1)
  if (!credential) return false
  const customerHash = hashCustomerId(services, customerId)
  if (credential.kind === 'visit_pass') return credential.customerHash === customerHash
  const now = clock.now()
  const [pass] = await db
    .select({ id: credentials.id })
    .from(credentials)
    .where(
      and(
        eq(credentials.officerId, credential.officerId),
        eq(credentials.kind, 'visit_pass'),
        eq(credentials.customerHash, customerHash),
        isNull(credentials.revokedAt),
        lte(credentials.windowStart, now + VISIT_GRACE_MS),
        gte(credentials.windowEnd, now - VISIT_GRACE_MS),
      ),
    )
    .limit(1)
  return pass !== undefined
}

export interface CustomerMismatchLimiters {
  /** Strict: one client asking about one credential. */
  perClientAndCredential: RateLimiter
  /** Ten times more: the credential asked about from anywhere. */
  perCredential: RateLimiter
}

interface CustomerCheckLimits {
  /** Null when rate limits are off. */
  limiters: CustomerMismatchLimiters | null
  /** The client's counter key (see rateLimitKey). */
  client: string
  credentialId: string
  now: number
}

/**
 * Seconds before this client may ask about this credential again, or null. Here the customer ID
 * is the guess and the credential is public (printed on the pass), so once the no-answers are
 * spent every answer is withheld, a yes as much as a no: answering only the yes would tell the
 * guesser when he hit. His no-answers are counted for him on this credential (strict), and for
 * the credential from anywhere (ten times more), so one guesser cannot silence the question for
 * the household at the door.
 */
export async function customerCheckBlockedFor({ limiters, client, credentialId, now }: CustomerCheckLimits): Promise<number | null> {
  if (!limiters) return null
  return (await limiters.perClientAndCredential.blockedFor(`${client}\n${credentialId}`, now)) ?? (await limiters.perCredential.blockedFor(credentialId, now))
}

export async function countCustomerMismatch({ limiters, client, credentialId, now }: CustomerCheckLimits): Promise<void> {
  if (!limiters) return
  await limiters.perClientAndCredential.consume(`${client}\n${credentialId}`, now)
  await limiters.perCredential.consume(credentialId, now)
}
