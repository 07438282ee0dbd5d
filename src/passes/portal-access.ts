import { and, asc, desc, eq, gt, inArray, isNull, sql } from 'drizzle-orm'
import { credentials, officers, units } from '../../db/schema.ts'
import type { AuthContext } from '../auth/sessions.ts'
import { findOfficer, type Officer } from '../officers/officers.ts'
import { canActForOfficer, officerIdsInScope } from '../officers/scope.ts'
import type { Services } from '../services.ts'
import { findCredentialWithOfficer, type Credential } from './credential-records.ts'
import { issueBadge, revokeCredential } from './passes.ts'
import { isPrintedKeyUsable, reissueCredential } from './printed.ts'

export interface PassListRow {
  pass: Credential
  officer: { id: number; employeeNo: string; name: string; unitCode: string | null; status: 'active' | 'suspended' }
  timeZone: string
}

/** Visit passes of the given officers (all when null), newest window first. */
export async function listVisitPasses(services: Services, options: { officerIds: Set<number> | null; endingAfter?: number; limit?: number }): Promise<PassListRow[]> {
  if (options.officerIds !== null && options.officerIds.size === 0) return []
  const conditions = [eq(credentials.kind, 'visit_pass')]
  if (options.officerIds !== null) conditions.push(inArray(credentials.officerId, [...options.officerIds]))
  if (options.endingAfter !== undefined) conditions.push(gt(credentials.windowEnd, options.endingAfter))
  return services.db
    .select({
      pass: credentials,
      officer: { id: officers.id, employeeNo: officers.employeeNo, name: officers.name, unitCode: officers.unitCode, status: officers.status },
      timeZone: sql<string>`coalesce(${units.timeZone}, 'Asia/Jakarta')`,
    })
    .from(credentials)
    .innerJoin(officers, eq(officers.id, credentials.officerId))
    .leftJoin(units, eq(units.code, officers.unitCode))
    .where(and(...conditions))
    .orderBy(desc(credentials.windowStart))
    .limit(options.limit ?? 100)
}

/**
 * The officer's newest badge that is neither revoked nor expired and whose printed token still
 * verifies (its key is neither compromised nor retired), or null.
 */
export async function findLiveBadge(services: Services, officer: Officer): Promise<Credential | null> {
  return (await liveBadges(services, officer)).usable
}

/**
 * The officer's newest live badge whose key still vouches for it; without one, the live badges
 * whose key no longer does (a new badge replaces them), newest first.
 */
async function liveBadges(services: Services, officer: Officer): Promise<{ usable: Credential | null; deadKey: Credential[] }> {
  const now = services.clock.now()
  const badges = await services.db
    .select()
    .from(credentials)
    .where(and(eq(credentials.officerId, officer.id), eq(credentials.kind, 'badge'), isNull(credentials.revokedAt), gt(credentials.windowEnd, now)))
    .orderBy(desc(credentials.issuedAt))
  const deadKey: Credential[] = []
  for (const badge of badges) {
    if (await isPrintedKeyUsable(services, badge)) return { usable: badge, deadKey }
    deadKey.push(badge)
  }
  return { usable: null, deadKey }
}

/** Visit passes of the officers the user may act for (all, for admins), newest window first. */
export async function listOfficerPasses(services: Services, auth: AuthContext, options: { endingAfter?: number; limit: number }): Promise<PassListRow[]> {
  return listVisitPasses(services, { officerIds: await officerIdsInScope(services.db, auth), ...options })
}

/** The visit pass with that id when the user may act for its officer; null otherwise (a 404, so ids cannot be probed). */
export async function findOwnPass(services: Services, auth: AuthContext, id: string): Promise<{ credential: Credential; officer: Officer; timeZone: string } | null> {
  const found = await findCredentialWithOfficer(services, id)
  if (!found || found.credential.kind !== 'visit_pass' || !(await canActForOfficer(services.db, auth, found.officer.id))) return null
  return found
}

/** The officer with that employee number when the user may act for them. */
export async function findOfficerToActFor(services: Services, auth: AuthContext, employeeNo: string): Promise<Officer | 'unknown' | 'forbidden'> {
  const officer = employeeNo ? await findOfficer(services.db, employeeNo) : null
  if (!officer) return 'unknown'
  return (await canActForOfficer(services.db, auth, officer.id)) ? officer : 'forbidden'
}

/** Whom the user may issue a pass for, by name; null when that is only themselves. */
export async function listPassOfficerChoices(services: Services, auth: AuthContext): Promise<{ employeeNo: string; name: string }[] | null> {
  const scope = await officerIdsInScope(services.db, auth)
  if (scope !== null && scope.size <= 1) return null
  return services.db
    .select({ employeeNo: officers.employeeNo, name: officers.name })
    .from(officers)
    .where(scope === null ? eq(officers.status, 'active') : inArray(officers.id, [...scope]))
    .orderBy(asc(officers.name))
}

/**
 * Gives the officer a live badge when they have none. A badge whose key was marked compromised
 * or retired is replaced (and revoked), not reprinted; older such badges are revoked.
 */
export async function ensureLiveBadge(services: Services, officer: Officer, actor: string): Promise<void> {
  const { usable, deadKey } = await liveBadges(services, officer)
  if (usable) return
  const [dead, ...older] = deadKey
  for (const badge of older) await revokeCredential(services, badge.id, { reason: 'signing key no longer trusted', actor })
  if (dead) await reissueCredential(services, dead.id, actor)
  else await issueBadge(services, { officerEmployeeNo: officer.employeeNo, issuedBy: actor })
}
