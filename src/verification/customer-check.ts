import { and, eq, gte, isNull, lte } from 'drizzle-orm'
import { credentials } from '../../db/schema.ts'
import { VISIT_GRACE_MS } from '../credentials/tokens.ts'
import { hashCustomerId } from '../passes/passes.ts'
import type { RateLimits } from '../http/rate-limit.ts'
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
export function isSentToCustomer(services: Services, credentialId: string, customerId: string): boolean {
  const { db, clock } = services
  const credential = db
    .select({ kind: credentials.kind, officerId: credentials.officerId, customerHash: credentials.customerHash })
    .from(credentials)
    .where(eq(credentials.id, credentialId))
    .get()
  if (!credential) return false
  const customerHash = hashCustomerId(services, customerId)
  if (credential.kind === 'visit_pass') return credential.customerHash === customerHash
  const now = clock.now()
  const pass = db
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
    .get()
  return pass !== undefined
}

interface CustomerCheckLimits {
  rateLimits: RateLimits
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
export function customerCheckBlockedFor({ rateLimits, client, credentialId, now }: CustomerCheckLimits): number | null {
  if (!rateLimits.enabled) return null
  return rateLimits.customerMismatchesPerClientAndCredential.blockedFor(`${client}\n${credentialId}`, now) ?? rateLimits.customerMismatchesPerCredential.blockedFor(credentialId, now)
}

export function countCustomerMismatch({ rateLimits, client, credentialId, now }: CustomerCheckLimits): void {
  if (!rateLimits.enabled) return
  rateLimits.customerMismatchesPerClientAndCredential.consume(`${client}\n${credentialId}`, now)
  rateLimits.customerMismatchesPerCredential.consume(credentialId, now)
}
