import { and, asc, desc, eq, gt, gte, isNull, lte, or, type SQL } from 'drizzle-orm'
import type { Queries, Transaction } from '../../db/client.ts'
import { credentials, declaredCampaigns } from '../../db/schema.ts'
import { appendAuditRow, audited } from '../audit/audit.ts'
import { keyedHash } from '../credentials/secrets.ts'
import { signCredentialToken, VISIT_GRACE_MS } from '../credentials/tokens.ts'
import { fromLocalInput, toLocalInput } from '../i18n/time.ts'
import { DomainError } from '../errors.ts'
import { getOfficer, reactivateOfficerWithin, type Officer } from '../officers/officers.ts'
import type { Services } from '../services.ts'
import { checkKtpPolicy, defaultKtpPolicy, isKtpPolicy, isPurposeCode, PURPOSES, type KtpPolicy, type PurposeCode } from './purposes.ts'
import {
  findCredential,
  insertCredential,
  newCredentialId,
  passClaims,
  verifyUrl,
  type Credential,
  type IssuedCredential,
} from './credential-records.ts'

export const MAX_VISIT_WINDOW_MS = 12 * 3600 * 1000
export const BADGE_LIFETIME_MS = 365 * 24 * 3600 * 1000

const CUSTOMER_ID = /^\d{12}$/
const WORK_ORDER = /^[A-Za-z0-9][A-Za-z0-9/._-]{2,39}$/

export interface VisitPassRequest {
  officerEmployeeNo: string
  /** The 12-digit ID pelanggan; only its keyed hash and last 4 digits are kept. */
  customerId: string
  purpose: string
  ktp?: string | null
  workOrder?: string | null
  windowStart?: number | null
  windowEnd?: number | null
  issuedBy: string
}

export function hashCustomerId(services: Services, customerId: string): string {
  return keyedHash(services.secrets.customerHashKey, customerId)
}

export async function issueVisitPass(services: Services, request: VisitPassRequest): Promise<IssuedCredential> {
  const { db, clock } = services
  const now = clock.now()
  const customerId = request.customerId.replace(/[\s.-]/g, '')
  if (!CUSTOMER_ID.test(customerId)) throw new DomainError('invalid_customer_id', 'ID pelanggan must be exactly 12 digits')
  if (!isPurposeCode(request.purpose)) throw new DomainError('unknown_purpose', `Unknown purpose ${request.purpose}`)
  const purpose = PURPOSES[request.purpose]
  const workOrder = request.workOrder?.trim() || null
  if (workOrder && !WORK_ORDER.test(workOrder)) {
    throw new DomainError('invalid_work_order', 'Work-order number must be 3–40 letters, digits or / . _ -')
  }
  const windowStart = request.windowStart ?? now
  const windowEnd = request.windowEnd ?? now + 8 * 3600 * 1000
  if (!Number.isFinite(windowStart) || !Number.isFinite(windowEnd)) throw new DomainError('invalid_window', 'Visit window is not a valid time')
  if (windowEnd <= now) throw new DomainError('window_in_past', 'The visit window has already ended')
  if (windowEnd <= windowStart) throw new DomainError('window_reversed', 'The visit window must end after it starts')
  if (windowStart < now - VISIT_GRACE_MS) throw new DomainError('window_in_past', 'The visit window cannot start in the past')
  if (windowEnd - now > MAX_VISIT_WINDOW_MS) throw new DomainError('window_too_long', 'A visit pass can last at most 12 hours from now')

  const officer = await getOfficer(db, request.officerEmployeeNo)
  if (officer.status !== 'active') throw new DomainError('officer_suspended', `Officer ${officer.employeeNo} is suspended`)

  const policyContext = { workOrder, insideDeclaredCampaign: await isInsideDeclaredCampaign(services, request.purpose, officer, now) }
  let ktp: KtpPolicy
  if (request.ktp) {
    if (!isKtpPolicy(request.ktp)) throw new DomainError('unknown_ktp_policy', `Unknown KTP policy ${request.ktp}`)
    ktp = request.ktp
    const problem = checkKtpPolicy(purpose, ktp, policyContext)
    if (problem) throw new DomainError(problem, KTP_PROBLEM_MESSAGES[problem])
  } else {
    ktp = defaultKtpPolicy(purpose, policyContext)
  }

  const id = newCredentialId()
  const { code, token } = await insertCredential(
    services,
    {
      id,
      kind: 'visit_pass',
      officerId: officer.id,
      purpose: purpose.code,
      ktpPolicy: ktp,
      customerHash: hashCustomerId(services, customerId),
      customerLast4: customerId.slice(-4),
      workOrder,
      windowStart,
      windowEnd,
      issuedAt: now,
      issuedBy: request.issuedBy,
    },
    (status) =>
      signCredentialToken(services.keys, services.audience, {
        kind: 'visit_pass',
        jti: id,
        subject: officer.employeeNo,
        issuedAt: now,
        notBefore: windowStart - VISIT_GRACE_MS,
        expiresAt: windowEnd + VISIT_GRACE_MS,
        claims: passClaims(officer, { purpose: purpose.code, ktpPolicy: ktp, customerLast4: customerId.slice(-4), workOrder }),
        status,
      }),
  )
  return { id, kind: 'visit_pass', token, url: verifyUrl(services, token), code, exp: Math.floor((windowEnd + VISIT_GRACE_MS) / 1000) }
}

export async function issueBadge(services: Services, request: { officerEmployeeNo: string; issuedBy: string }): Promise<IssuedCredential> {
  const now = services.clock.now()
  const officer = await getOfficer(services.db, request.officerEmployeeNo)
  if (officer.status !== 'active') throw new DomainError('officer_suspended', `Officer ${officer.employeeNo} is suspended`)
  const id = newCredentialId()
  const windowEnd = now + BADGE_LIFETIME_MS
  const { code, token } = await insertCredential(
    services,
    { id, kind: 'badge', officerId: officer.id, windowStart: now, windowEnd, issuedAt: now, issuedBy: request.issuedBy },
    (status) =>
      signCredentialToken(services.keys, services.audience, {
        kind: 'badge',
        jti: id,
        subject: officer.employeeNo,
        issuedAt: now,
        notBefore: now,
        expiresAt: windowEnd,
        claims: { unt: officer.unitCode ?? undefined },
        status,
      }),
  )
  return { id, kind: 'badge', token, url: verifyUrl(services, token), code, exp: Math.floor(windowEnd / 1000) }
}

/**
 * The default window of the new-pass form: from now to the end of the working day (17:00
 * local) when that is between one and twelve hours away, otherwise four hours. Always a
 * window issueVisitPass accepts, at any hour (a night-time outage call included).
 */
export function defaultVisitWindow(now: number, timeZone: string): { start: number; end: number } {
  const fivePm = fromLocalInput(`${toLocalInput(now, timeZone).slice(0, 10)}T17:00`, timeZone)
  const untilFivePm = fivePm === null ? -1 : fivePm - now
  const end = fivePm !== null && untilFivePm >= 3600 * 1000 && untilFivePm <= MAX_VISIT_WINDOW_MS ? fivePm : now + 4 * 3600 * 1000
  return { start: now, end }
}

export async function revokeCredential(services: Services, id: string, options: { reason?: string | null; actor: string }): Promise<Credential> {
  const credential = await findCredential(services, id)
  if (!credential) throw new DomainError('unknown_credential', `No pass or badge with id ${id}`)
  if (credential.revokedAt !== null) throw new DomainError('already_revoked', `Pass ${id} is already revoked`)
  return audited(services.db, services.clock, async (tx) => {
    const [revoked] = await tx
      .update(credentials)
      .set({ revokedAt: services.clock.now(), revokedReason: options.reason ?? null })
      .where(eq(credentials.id, id))
      .returning()
    if (!revoked) throw new DomainError('unknown_credential', `No pass or badge with id ${id}`)
    return {
      result: revoked,
      audit: { actor: options.actor, action: `${credential.kind === 'badge' ? 'badge' : 'pass'}.revoked`, subject: `${credential.kind}:${id}`, details: { reason: options.reason ?? null } },
    }
  })
}

/** What becomes of a suspended officer's passes and badges when they are reactivated. */
export type OldPassesChoice = 'restore' | 'cancel'

export const OLD_PASSES_CHOICES: readonly OldPassesChoice[] = ['cancel', 'restore']

export function isOldPassesChoice(value: string): value is OldPassesChoice {
  return (OLD_PASSES_CHOICES as readonly string[]).includes(value)
}

/** Not revoked and not over: the token still verifies, or will again once its officer is active. */
function outstanding(officerId: number, now: number): SQL {
  return and(eq(credentials.officerId, officerId), isNull(credentials.revokedAt), gt(credentials.windowEnd, now - VISIT_GRACE_MS))!
}

/** The officer's outstanding badges and visit passes: badges first, then passes by window, newest first. */
export function listOutstandingCredentials(db: Queries, officerId: number, now: number): Promise<Credential[]> {
  return db.select().from(credentials).where(outstanding(officerId, now)).orderBy(asc(credentials.kind), desc(credentials.windowStart), asc(credentials.id))
}

/**
 * Reactivates a suspended officer and settles what they were issued before. `cancel` revokes
 * every outstanding pass and badge in the same transaction, each audited as `pass revoke`
 * audits it, so none of them verifies again even for a moment; `restore` lets them verify as
 * before the suspension. The choice is in the officer.reactivated audit row.
 */
export async function reactivateOfficerWithPasses(
  services: Services,
  employeeNo: string,
  options: { actor: string; passes: OldPassesChoice },
): Promise<{ officer: Officer; revoked: Credential[] }> {
  const { clock } = services
  return services.db.transaction(async (tx) => {
    const officer = await getOfficer(tx, employeeNo)
    if (officer.status === 'active') throw new DomainError('already_active', `Officer ${employeeNo} is already active`)
    const revoked = options.passes === 'cancel' ? await revokeOutstandingWithin(tx, clock.now(), officer.id, options.actor) : []
    const reactivated = await reactivateOfficerWithin(tx, clock, employeeNo, { actor: options.actor, details: { passes: options.passes, revoked: revoked.length } })
    return { officer: reactivated, revoked }
  })
}

const CANCELLED_ON_REACTIVATION = 'cancelled when the officer was reactivated'

async function revokeOutstandingWithin(tx: Transaction, now: number, officerId: number, actor: string): Promise<Credential[]> {
  const revoked = await tx.update(credentials).set({ revokedAt: now, revokedReason: CANCELLED_ON_REACTIVATION }).where(outstanding(officerId, now)).returning()
  revoked.sort((a, b) => a.id.localeCompare(b.id))
  for (const credential of revoked) {
    await appendAuditRow(tx, now, {
      actor,
      action: `${credential.kind === 'badge' ? 'badge' : 'pass'}.revoked`,
      subject: `${credential.kind}:${credential.id}`,
      details: { reason: CANCELLED_ON_REACTIVATION },
    })
  }
  return revoked
}

const KTP_PROBLEM_MESSAGES = {
  photo_not_allowed: 'A KTP photo is only allowed for BALIK_NAMA (with a work-order number) and PEMADANAN_DATA (inside a declared campaign)',
  photo_needs_work_order: 'A KTP photo for this purpose needs a work-order number',
  photo_needs_campaign: 'A KTP photo for data matching is only allowed inside a declared campaign',
  looser_than_purpose: 'The KTP policy may only be stricter than the purpose allows',
} as const

async function isInsideDeclaredCampaign(services: Services, purpose: PurposeCode, officer: Officer, now: number): Promise<boolean> {
  const [campaign] = await services.db
    .select({ id: declaredCampaigns.id })
    .from(declaredCampaigns)
    .where(
      and(
        eq(declaredCampaigns.purpose, purpose),
        lte(declaredCampaigns.startsAt, now),
        gte(declaredCampaigns.endsAt, now),
        officer.unitCode ? or(isNull(declaredCampaigns.unitCode), eq(declaredCampaigns.unitCode, officer.unitCode)) : isNull(declaredCampaigns.unitCode),
      ),
    )
    .limit(1)
  return campaign !== undefined
}
