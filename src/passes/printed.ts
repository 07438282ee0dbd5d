import { eq } from 'drizzle-orm'
import { signingKeys } from '../../db/schema.ts'
import { decryptSecret } from '../credentials/secrets.ts'
import { LIVE_TOKEN_LIFETIME_MS, signCredentialToken } from '../credentials/tokens.ts'
import { DomainError } from '../errors.ts'
import type { Officer } from '../officers/officers.ts'
import type { Services } from '../services.ts'
import {
  credentialClaims,
  findCredentialWithOfficer,
  insertCredential,
  newCredentialId,
  printedLifetime,
  printedTokenContext,
  verifyUrl,
  type Credential,
  type IssuedCredential,
} from './credential-records.ts'
import { BADGE_LIFETIME_MS } from './passes.ts'
import { credentialStatusReference } from './status-lists.ts'

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
    status: credentialStatusReference(services, credential),
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
    {
      kind: credential.kind,
      jti: credential.id,
      subject: officer.employeeNo,
      issuedAt: credential.issuedAt,
      notBefore,
      expiresAt,
      claims: credentialClaims(officer, credential),
      status: credentialStatusReference(services, credential),
    },
    { kid: credential.kid },
  )
  return token
}

/** Whether the key that signed the credential's printed token still vouches for it (not compromised or retired). */
export async function isPrintedKeyUsable(services: Services, credential: Credential): Promise<boolean> {
  const [key] = await services.db.select({ state: signingKeys.state }).from(signingKeys).where(eq(signingKeys.kid, credential.kid)).limit(1)
  return key?.state === 'active' || key?.state === 'verify_only'
}

/**
 * Replaces a credential whose printed token can no longer be trusted (its key was marked
 * compromised, or retired): the old one is revoked and a new one with the same facts, a new
 * short code and the active key's signature takes its place, in one transaction.
 */
export async function reissueCredential(services: Services, id: string, actor: string): Promise<IssuedCredential> {
  const found = await findCredentialWithOfficer(services, id)
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
  const { code, token } = await insertCredential(
    services,
    {
      id: newId,
      kind: old.kind,
      officerId: officer.id,
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
    (status) =>
      signCredentialToken(services.keys, services.audience, {
        kind: old.kind,
        jti: newId,
        subject: officer.employeeNo,
        issuedAt: now,
        notBefore,
        expiresAt,
        claims: credentialClaims(officer, old),
        status,
      }),
    { replaces: old },
  )
  return { id: newId, kind: old.kind, token, url: verifyUrl(services, token), code, exp: Math.floor(expiresAt / 1000) }
}
