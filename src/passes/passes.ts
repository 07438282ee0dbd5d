import { and, asc, desc, eq, gt, gte, inArray, isNull, lte, or, sql } from 'drizzle-orm'
import { credentials, declaredCampaigns, officers, signingKeys, units } from '../../db/schema.ts'
import { audited } from '../audit/audit.ts'
import { decryptSecret, encryptSecret, keyedHash } from '../credentials/secrets.ts'
import { generateShortCode } from '../credentials/short-code.ts'
import { LIVE_TOKEN_LIFETIME_MS, signCredentialToken, VISIT_GRACE_MS, type CredentialKind } from '../credentials/tokens.ts'
import { fromLocalInput, toLocalInput } from '../i18n/time.ts'
import { DomainError } from '../errors.ts'
import type { AuthContext } from '../auth/sessions.ts'
import { findOfficer, getOfficer, type Officer } from '../officers/officers.ts'
import { canActForOfficer, officerIdsInScope } from '../officers/scope.ts'
import type { Services } from '../services.ts'
import { checkKtpPolicy, defaultKtpPolicy, isKtpPolicy, isPurposeCode, PURPOSES, type KtpPolicy, type PurposeCode } from './purposes.ts'
import { randomId } from '../credentials/random.ts'

export type Credential = typeof credentials.$inferSelect

export const MAX_VISIT_WINDOW_MS = 12 * 3600 * 1000
export { LIVE_TOKEN_LIFETIME_MS }
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
    printedTokenSealed: sealPrintedToken(services, id, token),
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
    printedTokenSealed: sealPrintedToken(services, id, token),
    windowStart: now,
    windowEnd,
    issuedAt: now,
    issuedBy: request.issuedBy,
  })
  return { id, kind: 'badge', token, url: verifyUrl(services, token), code, exp: Math.floor(windowEnd / 1000) }
}

/** A fresh on-screen token for an existing credential, signed by the active key; it lasts 5 minutes at most, so a screenshot goes stale. */
export async function mintLiveToken(services: Services, credential: Credential, officer: Officer): Promise<{ token: string; kid: string; exp: number }> {
  const now = services.clock.now()
  const { notBefore, expiresAt: end } = printedLifetime(credential)
  const expiresAt = Math.min(now + LIVE_TOKEN_LIFETIME_MS, end)
  const { token, kid } = await signCredentialToken(services.keys, services.audience, {
    kind: credential.kind,
    jti: credential.id,
    subject: officer.employeeNo,
    issuedAt: now,
    notBefore,
    expiresAt,
    claims: credentialClaims(officer, credential),
  })
  return { token, kid, exp: Math.floor(expiresAt / 1000) }
}

/**
 * The long-lived token printed on a pass or badge. A reprint shows the very token issued, so
 * the key that vouches for every copy in circulation stays the credential's `kid`, which is
 * what key retirement counts. A row from before printed tokens were kept gets the same claims
 * signed again by that same key (never by whichever key is active now).
 */
export async function printedToken(services: Services, credential: Credential, officer: Officer): Promise<string> {
  if (credential.printedTokenSealed) return decryptSecret(services.secrets.keyEncryptionKey, credential.printedTokenSealed, printedTokenContext(credential.id))
  const { notBefore, expiresAt } = printedLifetime(credential)
  const { token } = await signCredentialToken(
    services.keys,
    services.audience,
    { kind: credential.kind, jti: credential.id, subject: officer.employeeNo, issuedAt: credential.issuedAt, notBefore, expiresAt, claims: credentialClaims(officer, credential) },
    { kid: credential.kid },
  )
  return token
}

/** Whether the key that signed the credential's printed token still vouches for it (not compromised or retired). */
export function isPrintedKeyUsable(services: Services, credential: Credential): boolean {
  const key = services.db.select({ state: signingKeys.state }).from(signingKeys).where(eq(signingKeys.kid, credential.kid)).get()
  return key?.state === 'active' || key?.state === 'verify_only'
}

/**
 * Replaces a credential whose printed token can no longer be trusted (its key was marked
 * compromised, or retired): the old one is revoked and a new one with the same facts, a new
 * short code and the active key's signature takes its place, in one transaction.
 */
export async function reissueCredential(services: Services, id: string, actor: string): Promise<IssuedCredential> {
  const found = findCredentialWithOfficer(services, id)
  if (!found) throw new DomainError('unknown_credential', `No pass or badge with id ${id}`)
  const { credential: old, officer } = found
  const now = services.clock.now()
  if (old.revokedAt !== null) throw new DomainError('already_revoked', `Pass ${id} is already revoked`)
  if (now > old.windowEnd) throw new DomainError('window_in_past', 'The visit window has already ended')
  if (officer.status !== 'active') throw new DomainError('officer_suspended', `Officer ${officer.employeeNo} is suspended`)
  const newId = newCredentialId()
  const windowEnd = old.kind === 'badge' ? now + BADGE_LIFETIME_MS : old.windowEnd
  const windowStart = old.kind === 'badge' ? now : old.windowStart
  const draft = { ...old, id: newId, windowStart, windowEnd, issuedAt: now }
  const { notBefore, expiresAt } = printedLifetime(draft)
  const { token, kid } = await signCredentialToken(services.keys, services.audience, {
    kind: old.kind,
    jti: newId,
    subject: officer.employeeNo,
    issuedAt: now,
    notBefore,
    expiresAt,
    claims: credentialClaims(officer, old),
  })
  const code = insertCredential(
    services,
    {
      id: newId,
      kind: old.kind,
      officerId: officer.id,
      kid,
      printedTokenSealed: sealPrintedToken(services, newId, token),
      purpose: old.purpose,
      ktpPolicy: old.ktpPolicy,
      customerHash: old.customerHash,
      customerLast4: old.customerLast4,
      workOrder: old.workOrder,
      windowStart,
      windowEnd,
      issuedAt: now,
      issuedBy: actor,
    },
    { replaces: old },
  )
  return { id: newId, kind: old.kind, token, url: verifyUrl(services, token), code, exp: Math.floor(expiresAt / 1000) }
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
  photo_not_allowed: 'A KTP photo is only allowed for BALIK_NAMA (with a work-order number) and PEMADANAN_DATA (inside a declared campaign)',
  photo_needs_work_order: 'A KTP photo for this purpose needs a work-order number',
  photo_needs_campaign: 'A KTP photo for data matching is only allowed inside a declared campaign',
  looser_than_purpose: 'The KTP policy may only be stricter than the purpose allows',
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

/** Inserts the credential with a fresh short code, retrying on the rare collision; `replaces` is revoked in the same transaction. */
function insertCredential(services: Services, row: Omit<typeof credentials.$inferInsert, 'shortCode'>, options: { replaces?: Credential } = {}): string {
  const noun = row.kind === 'badge' ? 'badge' : 'pass'
  const replaced = options.replaces
  for (let attempt = 0; ; attempt++) {
    const shortCode = generateShortCode()
    try {
      audited(services.db, services.clock, (tx) => {
        if (replaced) {
          const revoked = tx
            .update(credentials)
            .set({ revokedAt: row.issuedAt, revokedReason: `reissued as ${row.id}` })
            .where(and(eq(credentials.id, replaced.id), isNull(credentials.revokedAt)))
            .run()
          if (revoked.changes !== 1) throw new DomainError('already_revoked', `Pass ${replaced.id} is already revoked`)
        }
        tx.insert(credentials).values({ ...row, shortCode }).run()
        const details = { officerId: row.officerId, purpose: row.purpose ?? null, ktp: row.ktpPolicy ?? null, windowEnd: row.windowEnd, kid: row.kid, replaces: replaced?.id ?? null }
        return { result: null, audit: { actor: row.issuedBy, action: replaced ? `${noun}.reissued` : `${noun}.issued`, subject: `${row.kind}:${row.id}`, details } }
      })
      return shortCode
    } catch (error) {
      const collided = (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && String(error).includes('short_code')
      if (!collided || attempt >= 5) throw error
    }
  }
}

function sealPrintedToken(services: Services, id: string, token: string): string {
  return encryptSecret(services.secrets.keyEncryptionKey, token, printedTokenContext(id))
}

function printedTokenContext(id: string): string {
  return `printed-token:${id}`
}

/** `nbf` and `exp` of the printed token: a pass's window with the grace around it, a badge's year. */
function printedLifetime(credential: Pick<Credential, 'kind' | 'windowStart' | 'windowEnd'>): { notBefore: number; expiresAt: number } {
  const grace = credential.kind === 'visit_pass' ? VISIT_GRACE_MS : 0
  return { notBefore: credential.windowStart - grace, expiresAt: credential.windowEnd + grace }
}

function credentialClaims(officer: Officer, credential: Credential): Record<string, string | undefined> {
  return credential.kind === 'visit_pass' ? passClaims(officer, credential) : { unt: officer.unitCode ?? undefined }
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

/**
 * The officer's newest badge that is neither revoked nor expired and whose printed token still
 * verifies (its key is neither compromised nor retired), or null.
 */
export function findLiveBadge(services: Services, officer: Officer): Credential | null {
  return liveBadges(services, officer).find((badge) => isPrintedKeyUsable(services, badge)) ?? null
}

/** Live badges whose key no longer vouches for them: a new badge replaces them. */
export function findDeadKeyBadges(services: Services, officer: Officer): Credential[] {
  return liveBadges(services, officer).filter((badge) => !isPrintedKeyUsable(services, badge))
}

function liveBadges(services: Services, officer: Officer): Credential[] {
  const now = services.clock.now()
  return services.db
    .select()
    .from(credentials)
    .where(and(eq(credentials.officerId, officer.id), eq(credentials.kind, 'badge'), isNull(credentials.revokedAt), gt(credentials.windowEnd, now)))
    .orderBy(desc(credentials.issuedAt))
    .all()
}

/** Visit passes of the officers the user may act for (all, for admins), newest window first. */
export function listOfficerPasses(services: Services, auth: AuthContext, options: { endingAfter?: number; limit: number }): PassListRow[] {
  return listVisitPasses(services, { officerIds: officerIdsInScope(services.db, auth), ...options })
}

/** The visit pass with that id when the user may act for its officer; null otherwise (a 404, so ids cannot be probed). */
export function findOwnPass(services: Services, auth: AuthContext, id: string): { credential: Credential; officer: Officer; timeZone: string } | null {
  const found = findCredentialWithOfficer(services, id)
  if (!found || found.credential.kind !== 'visit_pass' || !canActForOfficer(services.db, auth, found.officer.id)) return null
  return found
}

/** The officer with that employee number when the user may act for them. */
export function findOfficerToActFor(services: Services, auth: AuthContext, employeeNo: string): Officer | 'unknown' | 'forbidden' {
  const officer = employeeNo ? findOfficer(services.db, employeeNo) : null
  if (!officer) return 'unknown'
  return canActForOfficer(services.db, auth, officer.id) ? officer : 'forbidden'
}

/** Whom the user may issue a pass for, by name; null when that is only themselves. */
export function listPassOfficerChoices(services: Services, auth: AuthContext): { employeeNo: string; name: string }[] | null {
  const scope = officerIdsInScope(services.db, auth)
  if (scope !== null && scope.size <= 1) return null
  return services.db
    .select({ employeeNo: officers.employeeNo, name: officers.name })
    .from(officers)
    .where(scope === null ? eq(officers.status, 'active') : inArray(officers.id, [...scope]))
    .orderBy(asc(officers.name))
    .all()
}

/**
 * Gives the officer a live badge when they have none. A badge whose key was marked compromised
 * or retired is replaced (and revoked), not reprinted; older such badges are revoked.
 */
export async function ensureLiveBadge(services: Services, officer: Officer, actor: string): Promise<void> {
  if (findLiveBadge(services, officer)) return
  const [dead, ...older] = findDeadKeyBadges(services, officer)
  for (const badge of older) revokeCredential(services, badge.id, { reason: 'signing key no longer trusted', actor })
  if (dead) await reissueCredential(services, dead.id, actor)
  else await issueBadge(services, { officerEmployeeNo: officer.employeeNo, issuedBy: actor })
}
