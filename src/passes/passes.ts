import { and, desc, eq, gt, gte, inArray, isNull, lte, or, sql } from 'drizzle-orm'
import { credentials, declaredCampaigns, officers, units } from '../../db/schema.ts'
import { audited } from '../audit/audit.ts'
import { keyedHash } from '../credentials/secrets.ts'
import { generateShortCode } from '../credentials/short-code.ts'
import { signCredentialToken, VISIT_GRACE_MS, type CredentialKind } from '../credentials/tokens.ts'
import { DomainError } from '../errors.ts'
import { getOfficer, type Officer } from '../officers/officers.ts'
import type { Services } from '../services.ts'
import { checkKtpPolicy, defaultKtpPolicy, isKtpPolicy, isPurposeCode, PURPOSES, type KtpPolicy, type PurposeCode } from './purposes.ts'
import { randomId } from '../credentials/random.ts'

export type Credential = typeof credentials.$inferSelect

export const MAX_VISIT_WINDOW_MS = 12 * 3600 * 1000
export const LIVE_TOKEN_LIFETIME_MS = 5 * 60 * 1000
export const BADGE_LIFETIME_MS = 365 * 24 * 3600 * 1000

const CUSTOMER_ID = /^\d{12}$/
const WORK_ORDER = /^[A-Za-z0-9][A-Za-z0-9/._-]{2,39}$/

export interface IssuedCredential {
  id: string
  kind: CredentialKind
  token: string
  url: string
  code: string
  /** Seconds since the epoch, as in the token. */
  exp: number
}

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

  const officer = getOfficer(db, request.officerEmployeeNo)
  if (officer.status !== 'active') throw new DomainError('officer_suspended', `Officer ${officer.employeeNo} is suspended`)

  const policyContext = { workOrder, insideDeclaredCampaign: isInsideDeclaredCampaign(services, request.purpose, officer, now) }
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
  const { token, kid } = await signCredentialToken(services.keys, services.audience, {
    kind: 'visit_pass',
    jti: id,
    subject: officer.employeeNo,
    issuedAt: now,
    notBefore: windowStart - VISIT_GRACE_MS,
    expiresAt: windowEnd + VISIT_GRACE_MS,
    claims: passClaims(officer, { purpose: purpose.code, ktpPolicy: ktp, customerLast4: customerId.slice(-4), workOrder }),
  })
  const code = insertCredential(services, {
    id,
    kind: 'visit_pass',
    officerId: officer.id,
    kid,
    purpose: purpose.code,
    ktpPolicy: ktp,
    customerHash: hashCustomerId(services, customerId),
    customerLast4: customerId.slice(-4),
    workOrder,
    windowStart,
    windowEnd,
    issuedAt: now,
    issuedBy: request.issuedBy,
  })
  return { id, kind: 'visit_pass', token, url: verifyUrl(services, token), code, exp: Math.floor((windowEnd + VISIT_GRACE_MS) / 1000) }
}

export async function issueBadge(services: Services, request: { officerEmployeeNo: string; issuedBy: string }): Promise<IssuedCredential> {
  const now = services.clock.now()
  const officer = getOfficer(services.db, request.officerEmployeeNo)
  if (officer.status !== 'active') throw new DomainError('officer_suspended', `Officer ${officer.employeeNo} is suspended`)
  const id = newCredentialId()
  const windowEnd = now + BADGE_LIFETIME_MS
  const { token, kid } = await signCredentialToken(services.keys, services.audience, {
    kind: 'badge',
    jti: id,
    subject: officer.employeeNo,
    issuedAt: now,
    notBefore: now,
    expiresAt: windowEnd,
    claims: { unt: officer.unitCode ?? undefined },
  })
  const code = insertCredential(services, {
    id,
    kind: 'badge',
    officerId: officer.id,
    kid,
    windowStart: now,
    windowEnd,
    issuedAt: now,
    issuedBy: request.issuedBy,
  })
  return { id, kind: 'badge', token, url: verifyUrl(services, token), code, exp: Math.floor(windowEnd / 1000) }
}

/**
 * A fresh token for an existing credential. `live` tokens (the on-screen QR) last 5 minutes at
 * most, so a screenshot goes stale; printed ones last the visit window (a badge: its year).
 */
export async function mintCredentialToken(
  services: Services,
  credential: Credential,
  officer: Officer,
  options: { live: boolean },
): Promise<{ token: string; exp: number }> {
  const now = services.clock.now()
  const isPass = credential.kind === 'visit_pass'
  const grace = isPass ? VISIT_GRACE_MS : 0
  const end = credential.windowEnd + grace
  const expiresAt = options.live ? Math.min(now + LIVE_TOKEN_LIFETIME_MS, end) : end
  const { token } = await signCredentialToken(services.keys, services.audience, {
    kind: credential.kind,
    jti: credential.id,
    subject: officer.employeeNo,
    issuedAt: now,
    notBefore: credential.windowStart - grace,
    expiresAt,
    claims: isPass ? passClaims(officer, credential) : { unt: officer.unitCode ?? undefined },
  })
  return { token, exp: Math.floor(expiresAt / 1000) }
}

export function revokeCredential(services: Services, id: string, options: { reason?: string | null; actor: string }): Credential {
  const credential = findCredential(services, id)
  if (!credential) throw new DomainError('unknown_credential', `No pass or badge with id ${id}`)
  if (credential.revokedAt !== null) throw new DomainError('already_revoked', `Pass ${id} is already revoked`)
  return audited(services.db, services.clock, (tx) => ({
    result: tx
      .update(credentials)
      .set({ revokedAt: services.clock.now(), revokedReason: options.reason ?? null })
      .where(eq(credentials.id, id))
      .returning()
      .get(),
    audit: { actor: options.actor, action: `${credential.kind === 'badge' ? 'badge' : 'pass'}.revoked`, subject: `${credential.kind}:${id}`, details: { reason: options.reason ?? null } },
  }))
}

export function findCredential(services: Services, id: string): Credential | null {
  return services.db.select().from(credentials).where(eq(credentials.id, id)).get() ?? null
}

export function verifyUrl(services: Services, token: string): string {
  return `${services.config.publicUrl}/v/${token}`
}

const KTP_PROBLEM_MESSAGES = {
  photo_needs_work_order: 'A KTP photo for this purpose needs a work-order number',
  photo_needs_campaign: 'A KTP photo for data matching is only allowed inside a declared campaign',
  looser_than_purpose: 'The KTP policy may only be stricter than the purpose allows (or photo with a work-order number)',
} as const

function passClaims(
  officer: Officer,
  pass: { purpose: string | null; ktpPolicy: string | null; customerLast4: string | null; workOrder: string | null },
): Record<string, string | undefined> {
  return {
    pur: pass.purpose ?? undefined,
    ktp: pass.ktpPolicy ?? undefined,
    cst: pass.customerLast4 ?? undefined,
    wo: pass.workOrder ?? undefined,
    unt: officer.unitCode ?? undefined,
  }
}

function isInsideDeclaredCampaign(services: Services, purpose: PurposeCode, officer: Officer, now: number): boolean {
  const campaign = services.db
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
    .get()
  return campaign !== undefined
}

function newCredentialId(): string {
  return randomId(12)
}

/** Inserts the credential with a fresh short code, retrying on the rare collision. */
function insertCredential(services: Services, row: Omit<typeof credentials.$inferInsert, 'shortCode'>): string {
  for (let attempt = 0; ; attempt++) {
    const shortCode = generateShortCode()
    try {
      audited(services.db, services.clock, (tx) => {
        tx.insert(credentials).values({ ...row, shortCode }).run()
        const details = { officerId: row.officerId, purpose: row.purpose ?? null, ktp: row.ktpPolicy ?? null, windowEnd: row.windowEnd, kid: row.kid }
        return { result: null, audit: { actor: row.issuedBy, action: `${row.kind === 'badge' ? 'badge' : 'pass'}.issued`, subject: `${row.kind}:${row.id}`, details } }
      })
      return shortCode
    } catch (error) {
      const collided = (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && String(error).includes('short_code')
      if (!collided || attempt >= 5) throw error
    }
  }
}

export interface PassListRow {
  pass: Credential
  officer: { id: number; employeeNo: string; name: string; unitCode: string | null }
  timeZone: string
}

/** Visit passes of the given officers (all when null), newest window first. */
export function listVisitPasses(services: Services, options: { officerIds: Set<number> | null; endingAfter?: number; limit?: number }): PassListRow[] {
  if (options.officerIds !== null && options.officerIds.size === 0) return []
  const conditions = [eq(credentials.kind, 'visit_pass')]
  if (options.officerIds !== null) conditions.push(inArray(credentials.officerId, [...options.officerIds]))
  if (options.endingAfter !== undefined) conditions.push(gt(credentials.windowEnd, options.endingAfter))
  return services.db
    .select({
      pass: credentials,
      officer: { id: officers.id, employeeNo: officers.employeeNo, name: officers.name, unitCode: officers.unitCode },
      timeZone: sql<string>`coalesce(${units.timeZone}, 'Asia/Jakarta')`,
    })
    .from(credentials)
    .innerJoin(officers, eq(officers.id, credentials.officerId))
    .leftJoin(units, eq(units.code, officers.unitCode))
    .where(and(...conditions))
    .orderBy(desc(credentials.windowStart))
    .limit(options.limit ?? 100)
    .all()
}

/** A credential with its officer, or null. */
export function findCredentialWithOfficer(services: Services, id: string): { credential: Credential; officer: Officer; timeZone: string } | null {
  const row = services.db
    .select({ credential: credentials, officer: officers, timeZone: sql<string>`coalesce(${units.timeZone}, 'Asia/Jakarta')` })
    .from(credentials)
    .innerJoin(officers, eq(officers.id, credentials.officerId))
    .leftJoin(units, eq(units.code, officers.unitCode))
    .where(eq(credentials.id, id))
    .get()
  return row ?? null
}

/** The officer's newest badge that is neither revoked nor expired, or null. */
export function findLiveBadge(services: Services, officer: Officer): Credential | null {
  const now = services.clock.now()
  return (
    services.db
      .select()
      .from(credentials)
      .where(and(eq(credentials.officerId, officer.id), eq(credentials.kind, 'badge'), isNull(credentials.revokedAt), gt(credentials.windowEnd, now)))
      .orderBy(desc(credentials.issuedAt))
      .get() ?? null
  )
}
