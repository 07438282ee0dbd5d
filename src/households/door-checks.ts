import { createHmac, randomInt } from 'node:crypto'
import { and, asc, desc, eq, gt, isNull, sql } from 'drizzle-orm'
import { credentials, doorChecks, officers, units } from '../../db/schema.ts'
import { audited } from '../audit/audit.ts'
import { randomId } from '../credentials/random.ts'
import { keyedHash } from '../credentials/secrets.ts'
import { VISIT_GRACE_MS } from '../credentials/tokens.ts'
import { DomainError } from '../errors.ts'
import type { Officer } from '../officers/officers.ts'
import type { Credential } from '../passes/credential-records.ts'
import { hashCustomerId } from '../passes/passes.ts'
import { passStatus } from '../passes/present.ts'
import type { Services } from '../services.ts'

/** DESIGN §10.2: a door code is valid for 10 minutes. */
export const DOOR_CHECK_TTL_MS = 10 * 60 * 1000
/** 128 bits, as the id is the household's only key to its page. */
const ID_BYTES = 16
const CODE = /^\d{6}$/
const ID = /^[A-Za-z0-9_-]{22}$/

export type DoorCheck = typeof doorChecks.$inferSelect
export type DoorCheckState = 'waiting' | 'confirmed' | 'expired'

export interface StartedDoorCheck {
  id: string
  /** The six digits, shown once to the household; only their keyed hash is stored. */
  code: string
  expiresAt: number
}

/** Why an officer's confirmation was refused. `unknown_code` is the one that counts as a guess. */
export type ConfirmRefusal = 'unknown_code' | 'officer_inactive' | 'pass_unusable'

export function isDoorCode(value: string): boolean {
  return CODE.test(value)
}

export function isDoorCheckId(value: string): boolean {
  return ID.test(value)
}

/**
 * The code's keyed hash. Its key is derived from the customer-hash key under a label of its own,
 * so a stolen database cannot be searched for codes and the two hashes never coincide.
 */
function hashDoorCode(services: Services, code: string): string {
  const key = createHmac('sha256', services.secrets.customerHashKey).update('cek-petugas/door-code/v1').digest()
  return keyedHash(key, code)
}

/**
 * Starts a door check. `customerId` is an already normalised 12-digit ID pelanggan or null.
 * The code is unique among waiting, unexpired checks, so an officer's six digits name one check.
 */
export async function startDoorCheck(services: Services, customerId: string | null): Promise<StartedDoorCheck> {
  const { db, clock } = services
  const customerHash = customerId === null ? null : hashCustomerId(services, customerId)
  return db.transaction(async (tx) => {
    const now = clock.now()
    for (let attempt = 0; ; attempt++) {
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
      const codeHash = hashDoorCode(services, code)
      const [taken] = await tx
        .select({ id: doorChecks.id })
        .from(doorChecks)
        .where(and(eq(doorChecks.codeHash, codeHash), eq(doorChecks.state, 'waiting'), gt(doorChecks.expiresAt, now)))
        .limit(1)
      if (taken) {
        if (attempt >= 20) throw new DomainError('door_codes_exhausted', 'Too many door checks are waiting right now')
        continue
      }
      const id = randomId(ID_BYTES)
      const expiresAt = now + DOOR_CHECK_TTL_MS
      await tx.insert(doorChecks).values({ id, codeHash, customerHash, state: 'waiting', createdAt: now, expiresAt })
      return { id, code, expiresAt }
    }
  })
}

export async function findDoorCheck(services: Services, id: string): Promise<DoorCheck | null> {
  if (!isDoorCheckId(id)) return null
  const [check] = await services.db.select().from(doorChecks).where(eq(doorChecks.id, id)).limit(1)
  return check ?? null
}

/** A check stays confirmed for good; an unconfirmed one expires at `expiresAt` by the clock. */
export function doorCheckState(check: DoorCheck, now: number): DoorCheckState {
  if (check.state === 'confirmed') return 'confirmed'
  return now >= check.expiresAt ? 'expired' : 'waiting'
}

/** Whether the household typed an ID pelanggan, and if so whether the pass is for it. */
export function customerMatchOf(check: DoorCheck, pass: Pick<Credential, 'customerHash'>): boolean | null {
  if (check.customerHash === null) return null
  return pass.customerHash !== null && pass.customerHash === check.customerHash
}

export interface ConfirmedFacts {
  check: DoorCheck
  officer: Officer
  pass: Credential
  timeZone: string
  customerMatch: boolean | null
}

/** The officer and pass that confirmed a check, read from our own tables; null unless confirmed. */
export async function findConfirmedFacts(services: Services, check: DoorCheck): Promise<ConfirmedFacts | null> {
  if (check.state !== 'confirmed' || check.credentialId === null || check.officerId === null) return null
  const [row] = await services.db
    .select({ officer: officers, pass: credentials, timeZone: sql<string>`coalesce(${units.timeZone}, 'Asia/Jakarta')` })
    .from(credentials)
    .innerJoin(officers, eq(officers.id, credentials.officerId))
    .leftJoin(units, eq(units.code, officers.unitCode))
    .where(and(eq(credentials.id, check.credentialId), eq(credentials.officerId, check.officerId)))
    .limit(1)
  if (!row) return null
  return { check, ...row, customerMatch: customerMatchOf(check, row.pass) }
}

export interface ConfirmRequest {
  code: string
  /** The jti of the pass the officer confirms with. */
  passId: string
  /** The signed-in officer (AuthContext.officer). */
  officerId: number
  /** Who is signed in, for the audit row. */
  actor: string
}

/**
 * An officer answers a household's door check with one of their own passes. Only an active
 * officer with an active (unrevoked, inside its window) visit pass that is theirs may confirm,
 * and a check is confirmed once: the state change and its audit row commit together.
 */
export async function confirmDoorCheck(services: Services, request: ConfirmRequest): Promise<{ ok: true; checkId: string } | { ok: false; reason: ConfirmRefusal }> {
  if (!isDoorCode(request.code)) return { ok: false, reason: 'unknown_code' }
  const codeHash = hashDoorCode(services, request.code)
  try {
    const checkId = await audited(services.db, services.clock, async (tx) => {
      const now = services.clock.now()
      const [check] = await tx
        .select()
        .from(doorChecks)
        .where(and(eq(doorChecks.codeHash, codeHash), eq(doorChecks.state, 'waiting'), gt(doorChecks.expiresAt, now)))
        .limit(1)
      if (!check) throw new DomainError('unknown_code', 'No waiting door check has this code')
      const [officer] = await tx.select({ status: officers.status }).from(officers).where(eq(officers.id, request.officerId)).limit(1)
      if (!officer || officer.status !== 'active') throw new DomainError('officer_inactive', 'Only an active officer can confirm a door check')
      const [pass] = await tx
        .select()
        .from(credentials)
        .where(and(eq(credentials.id, request.passId), eq(credentials.officerId, request.officerId), eq(credentials.kind, 'visit_pass')))
        .limit(1)
      if (!pass || passStatus(pass, now) !== 'active') throw new DomainError('pass_unusable', 'The pass is not an active visit pass of this officer')
      const confirmed = await tx
        .update(doorChecks)
        .set({ state: 'confirmed', confirmedAt: now, credentialId: pass.id, officerId: request.officerId })
        .where(and(eq(doorChecks.id, check.id), eq(doorChecks.state, 'waiting')))
        .returning({ id: doorChecks.id })
      if (confirmed.length !== 1) throw new DomainError('unknown_code', 'The door check was confirmed already')
      const customerMatch = customerMatchOf(check, pass)
      return {
        result: check.id,
        audit: {
          actor: request.actor,
          action: 'door_check.confirmed',
          subject: `door_check:${check.id}`,
          details: { officerId: request.officerId, credentialId: pass.id, customerMatch },
        },
      }
    })
    return { ok: true, checkId }
  } catch (error) {
    if (error instanceof DomainError && (error.code === 'unknown_code' || error.code === 'officer_inactive' || error.code === 'pass_unusable')) {
      return { ok: false, reason: error.code }
    }
    throw error
  }
}

/**
 * The officer's visit passes that can confirm a door check now (unrevoked, inside their window
 * with its grace), the ones for `customerHash` first, then the newest.
 */
export async function listConfirmingPasses(services: Services, officerId: number, customerHash: string | null = null): Promise<Credential[]> {
  const now = services.clock.now()
  const rows = await services.db
    .select()
    .from(credentials)
    .where(
      and(
        eq(credentials.officerId, officerId),
        eq(credentials.kind, 'visit_pass'),
        isNull(credentials.revokedAt),
        gt(credentials.windowEnd, now - VISIT_GRACE_MS),
      ),
    )
    .orderBy(desc(credentials.windowStart), asc(credentials.id))
    .limit(50)
  const usable = rows.filter((pass) => passStatus(pass, now) === 'active')
  if (customerHash === null) return usable
  return [...usable.filter((pass) => pass.customerHash === customerHash), ...usable.filter((pass) => pass.customerHash !== customerHash)]
}

/** The customer hash of the waiting check with this code, to list that customer's pass first; null otherwise. */
export async function waitingCheckCustomer(services: Services, code: string): Promise<string | null> {
  if (!isDoorCode(code)) return null
  const [check] = await services.db
    .select({ customerHash: doorChecks.customerHash })
    .from(doorChecks)
    .where(and(eq(doorChecks.codeHash, hashDoorCode(services, code)), eq(doorChecks.state, 'waiting'), gt(doorChecks.expiresAt, services.clock.now())))
    .limit(1)
  return check?.customerHash ?? null
}
