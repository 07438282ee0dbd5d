import { and, eq, isNull, sql } from 'drizzle-orm'
import { isUniqueViolation, type Queries } from '../../db/client.ts'
import { credentials, officers, units } from '../../db/schema.ts'
import { audited } from '../audit/audit.ts'
import { encryptSecret } from '../credentials/secrets.ts'
import { generateShortCode } from '../credentials/short-code.ts'
import { VISIT_GRACE_MS, type CredentialKind, type StatusListReference } from '../credentials/tokens.ts'
import { DomainError } from '../errors.ts'
import type { Officer } from '../officers/officers.ts'
import type { Services } from '../services.ts'
import { randomId } from '../credentials/random.ts'
import { isStatusEntryTaken, pickStatusEntry, statusListUri, takeStatusEntry } from './status-lists.ts'

export type Credential = typeof credentials.$inferSelect

export interface IssuedCredential {
  id: string
  kind: CredentialKind
  token: string
  url: string
  code: string
  /** Seconds since the epoch, as in the token. */
  exp: number
}

export async function findCredential(services: Services, id: string): Promise<Credential | null> {
  const [credential] = await services.db.select().from(credentials).where(eq(credentials.id, id)).limit(1)
  return credential ?? null
}

export function verifyUrl(services: Services, token: string): string {
  return `${services.config.publicUrl}/v/${token}`
}

/** A credential with its officer, or null. */
export async function findCredentialWithOfficer(services: Services, id: string): Promise<{ credential: Credential; officer: Officer; timeZone: string } | null> {
  const [row] = await services.db
    .select({ credential: credentials, officer: officers, timeZone: sql<string>`coalesce(${units.timeZone}, 'Asia/Jakarta')` })
    .from(credentials)
    .innerJoin(officers, eq(officers.id, credentials.officerId))
    .leftJoin(units, eq(units.code, officers.unitCode))
    .where(eq(credentials.id, id))
    .limit(1)
  return row ?? null
}

export function passClaims(
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

export function newCredentialId(): string {
  return randomId(12)
}

/** Signs the printed token of a credential about to be inserted, with its status list entry in it. */
export type PrintedTokenSigner = (status: StatusListReference) => Promise<{ token: string; kid: string }>

/**
 * Inserts the credential with a fresh short code and a random entry in a status list, its
 * printed token signed by `sign` with that entry, retrying on the rare collision of either (the
 * server and the CLI may issue at once); `replaces` is revoked in the same transaction.
 */
export async function insertCredential(
  services: Services,
  row: Omit<typeof credentials.$inferInsert, 'shortCode' | 'kid' | 'printedTokenSealed' | 'statusListId' | 'statusIdx'>,
  sign: PrintedTokenSigner,
  options: { replaces?: Credential } = {},
): Promise<{ code: string; token: string; kid: string }> {
  const noun = row.kind === 'badge' ? 'badge' : 'pass'
  const replaced = options.replaces
  for (let attempt = 0; ; attempt++) {
    const entry = await pickStatusEntry(services)
    const { token, kid } = await sign({ idx: entry.idx, uri: statusListUri(services.config.publicUrl, entry.listId) })
    const shortCode = generateShortCode()
    try {
      await audited(services.db, services.clock, async (tx) => {
        if (replaced) {
          const revoked = await tx
            .update(credentials)
            .set({ revokedAt: row.issuedAt, revokedReason: `reissued as ${row.id}` })
            .where(and(eq(credentials.id, replaced.id), isNull(credentials.revokedAt)))
            .returning({ id: credentials.id })
          if (revoked.length !== 1) throw new DomainError('already_revoked', `Pass ${replaced.id} is already revoked`)
        }
        await takeStatusEntry(tx, entry)
        await tx.insert(credentials).values({
          ...row,
          kid,
          printedTokenSealed: sealPrintedToken(services, row.id, token),
          statusListId: entry.listId,
          statusIdx: entry.idx,
          shortCode,
        })
        const details = { officerId: row.officerId, purpose: row.purpose ?? null, ktp: row.ktpPolicy ?? null, windowEnd: row.windowEnd, kid, replaces: replaced?.id ?? null }
        return { result: null, audit: { actor: row.issuedBy, action: replaced ? `${noun}.reissued` : `${noun}.issued`, subject: `${row.kind}:${row.id}`, details } }
      })
      return { code: shortCode, token, kid }
    } catch (error) {
      const collided = isUniqueViolation(error, 'short_code')
      if (!(collided || isStatusEntryTaken(error)) || attempt >= 5) throw error
    }
  }
}

export function sealPrintedToken(services: Services, id: string, token: string): string {
  return encryptSecret(services.secrets.keyEncryptionKey, token, printedTokenContext(id))
}

export function printedTokenContext(id: string): string {
  return `printed-token:${id}`
}

/** `nbf` and `exp` of the printed token: a pass's window with the grace around it, a badge's year. */
export function printedLifetime(credential: Pick<Credential, 'kind' | 'windowStart' | 'windowEnd'>): { notBefore: number; expiresAt: number } {
  const grace = credential.kind === 'visit_pass' ? VISIT_GRACE_MS : 0
  return { notBefore: credential.windowStart - grace, expiresAt: credential.windowEnd + grace }
}

export function credentialClaims(officer: Officer, credential: Credential): Record<string, string | undefined> {
  return credential.kind === 'visit_pass' ? passClaims(officer, credential) : { unt: officer.unitCode ?? undefined }
}

/**
 * The officer a pass or badge belongs to, by its id or its short code, inside any transaction:
 * a report names the genuine officer of a pass that no longer passes (suspended, revoked, expired).
 */
export async function findCredentialOwner(db: Queries, by: { id: string } | { shortCode: string }): Promise<{ credentialId: string; officer: Officer } | null> {
  const [row] = await db
    .select({ credentialId: credentials.id, officer: officers })
    .from(credentials)
    .innerJoin(officers, eq(officers.id, credentials.officerId))
    .where('id' in by ? eq(credentials.id, by.id) : eq(credentials.shortCode, by.shortCode))
    .limit(1)
  return row ?? null
}
