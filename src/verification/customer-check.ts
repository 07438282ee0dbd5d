import { and, eq, gte, isNull, lte } from 'drizzle-orm'
import { credentials } from '../../db/schema.ts'
import { VISIT_GRACE_MS } from '../credentials/tokens.ts'
import { hashCustomerId } from '../passes/passes.ts'
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
