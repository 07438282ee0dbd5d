import { eq } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { visitPasswords } from '../../db/schema.ts'
import { appendAuditRow, audited } from '../audit/audit.ts'
import { decryptSecret, encryptSecret } from '../credentials/secrets.ts'
import { DomainError } from '../errors.ts'
import type { Officer } from '../officers/officers.ts'
import type { Credential } from '../passes/credential-records.ts'
import { hashCustomerId } from '../passes/passes.ts'
import { passStatus } from '../passes/present.ts'
import type { Services } from '../services.ts'
import { normalizeCustomerId } from '../verification/customer-check.ts'

/** DESIGN §10.3: a word of 3–32 characters, counted as the person reading it sees them. */
export const VISIT_PASSWORD_MIN = 3
export const VISIT_PASSWORD_MAX = 32

/**
 * Whitespace of any kind (tabs, no-break and ideographic spaces) becomes one plain space. What is
 * left must have no control or invisible formatting characters: a zero-width or bidi character
 * would make the word on the officer's screen differ from the one the household was told.
 */
const WHITESPACE = /[\t\p{Zs}]+/gu
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}]/u

/** The word as it is stored and shown, or a refusal naming what is wrong with it. */
export function normalizeVisitPassword(input: string): string {
  const word = input.normalize('NFC').replace(WHITESPACE, ' ').trim()
  if (FORBIDDEN.test(word)) throw new DomainError('visit_password_control', 'The visit password may not contain control or invisible characters')
  const length = [...word].length
  if (length < VISIT_PASSWORD_MIN || length > VISIT_PASSWORD_MAX) {
    throw new DomainError('visit_password_length', `The visit password must be ${VISIT_PASSWORD_MIN}–${VISIT_PASSWORD_MAX} characters`)
  }
  return word
}

/** Whether the customer whose keyed hash this is has a visit password (never the word itself). */
export async function hasVisitPassword(db: Db, customerHash: string): Promise<boolean> {
  const [row] = await db.select({ customerHash: visitPasswords.customerHash }).from(visitPasswords).where(eq(visitPasswords.customerHash, customerHash)).limit(1)
  return row !== undefined
}

/** Whether the customer with this ID pelanggan (as typed; anything not 12 digits has none) has a visit password. */
export async function customerHasVisitPassword(services: Services, customerId: string): Promise<boolean> {
  const normalized = normalizeCustomerId(customerId)
  return normalized !== null && hasVisitPassword(services.db, hashCustomerId(services, normalized))
}

export interface SetVisitPasswordRequest {
  /** The 12-digit ID pelanggan; only its keyed hash is kept, and only its last 4 digits are audited. */
  customerId: string
  word: string
  actor: string
}

/** Sets the customer's visit password, or changes it when one is set; `changed` says which. */
export async function setVisitPassword(services: Services, request: SetVisitPasswordRequest): Promise<{ customerLast4: string; changed: boolean }> {
  const customerId = validCustomerId(request.customerId)
  const word = normalizeVisitPassword(request.word)
  const customerHash = hashCustomerId(services, customerId)
  const customerLast4 = customerId.slice(-4)
  const wordSealed = encryptSecret(services.secrets.keyEncryptionKey, word, sealingContext(customerHash))
  return audited(services.db, services.clock, async (tx) => {
    const [existing] = await tx.select({ customerHash: visitPasswords.customerHash }).from(visitPasswords).where(eq(visitPasswords.customerHash, customerHash)).limit(1)
    const row = { wordSealed, setAt: services.clock.now(), setBy: request.actor }
    if (existing) await tx.update(visitPasswords).set(row).where(eq(visitPasswords.customerHash, customerHash))
    else await tx.insert(visitPasswords).values({ customerHash, ...row })
    const changed = existing !== undefined
    return {
      result: { customerLast4, changed },
      audit: { actor: request.actor, action: changed ? 'visit_password.change' : 'visit_password.set', subject: auditSubject(customerHash), details: { customerLast4 } },
    }
  })
}

/** Removes the customer's visit password; a customer without one is a refusal, and nothing is audited. */
export async function removeVisitPassword(services: Services, request: { customerId: string; actor: string }): Promise<{ customerLast4: string }> {
  const customerId = validCustomerId(request.customerId)
  const customerHash = hashCustomerId(services, customerId)
  const customerLast4 = customerId.slice(-4)
  return services.db.transaction(async (tx) => {
    const removed = await tx.delete(visitPasswords).where(eq(visitPasswords.customerHash, customerHash)).returning({ customerHash: visitPasswords.customerHash })
    if (removed.length === 0) throw new DomainError('no_visit_password', `No visit password is set for the customer ending ${customerLast4}`)
    await appendAuditRow(tx, services.clock.now(), { actor: request.actor, action: 'visit_password.remove', subject: auditSubject(customerHash), details: { customerLast4 } })
    return { customerLast4 }
  })
}

export interface VisitPasswordViewer {
  /** The officer the signed-in user is, or null (an admin or supervisor without an officer record). */
  officerId: number | null
  /** Who is recorded in the audit log as having seen it. */
  actor: string
}

/**
 * The word for the officer to say at the door, or null. Only the officer of an active visit pass
 * (not revoked, inside its window, the officer not suspended) bound to a customer with a visit
 * password sees it, and only on their own pass: a supervisor looking at someone else's pass does
 * not. Every reveal is audited, in the transaction that reads the word.
 */
export async function revealVisitPasswordToOfficer(services: Services, pass: { credential: Credential; officer: Officer }, viewer: VisitPasswordViewer): Promise<string | null> {
  const { credential, officer } = pass
  const customerHash = credential.customerHash
  if (credential.kind !== 'visit_pass' || customerHash === null) return null
  if (viewer.officerId === null || viewer.officerId !== credential.officerId || officer.status !== 'active') return null
  if (passStatus(credential, services.clock.now()) !== 'active') return null
  // Most passes are for customers without a password: look before opening a write transaction.
  if (!(await hasVisitPassword(services.db, customerHash))) return null
  return services.db.transaction(async (tx) => {
    const [row] = await tx.select({ wordSealed: visitPasswords.wordSealed }).from(visitPasswords).where(eq(visitPasswords.customerHash, customerHash)).limit(1)
    if (!row) return null
    const word = decryptSecret(services.secrets.keyEncryptionKey, row.wordSealed, sealingContext(customerHash))
    await appendAuditRow(tx, services.clock.now(), {
      actor: viewer.actor,
      action: 'visit_password.reveal',
      subject: auditSubject(customerHash),
      details: { pass: credential.id, customerLast4: credential.customerLast4 },
    })
    return word
  })
}

/**
 * For the customer's own copy of their data (`privacy export`): whether a word is set, when and by
 * whom, and the word itself only when `includeWord` asks for it; the caller audits the export.
 */
export async function visitPasswordRecord(services: Services, customerHash: string, includeWord: boolean): Promise<{ setAt: number; setBy: string; word?: string } | null> {
  const [row] = await services.db.select().from(visitPasswords).where(eq(visitPasswords.customerHash, customerHash)).limit(1)
  if (!row) return null
  const record = { setAt: row.setAt, setBy: row.setBy }
  return includeWord ? { ...record, word: decryptSecret(services.secrets.keyEncryptionKey, row.wordSealed, sealingContext(customerHash)) } : record
}

function validCustomerId(input: string): string {
  const customerId = normalizeCustomerId(input)
  if (!customerId) throw new DomainError('invalid_customer_id', 'ID pelanggan must be exactly 12 digits')
  return customerId
}

/** Bound into the seal, so a sealed word copied onto another customer's row does not open. */
function sealingContext(customerHash: string): string {
  return `visit-password:${customerHash}`
}

/** The keyed hash names the customer in the log without the ID pelanggan. */
function auditSubject(customerHash: string): string {
  return `customer:${customerHash}`
}
