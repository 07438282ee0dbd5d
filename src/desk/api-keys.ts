import { createHash, timingSafeEqual } from 'node:crypto'
import { desc, eq } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { apiKeys } from '../../db/schema.ts'
import { audited } from '../audit/audit.ts'
import type { Clock } from '../config.ts'
import { randomId } from '../credentials/random.ts'
import { generateShortCode } from '../credentials/short-code.ts'
import { DomainError } from '../errors.ts'

/**
 * API keys of the CRM screen-pop API (DESIGN §11). A key reads `cpk_<id>_<secret>`: the id names
 * the key in lists and the audit log, the secret is 256 random bits. Only the SHA-256 of the whole
 * key is stored, so the database cannot give a key back; the key is shown once, when created.
 */

export type ApiKey = typeof apiKeys.$inferSelect
export type ApiKeyScope = ApiKey['scope']
export const API_KEY_SCOPES: readonly ApiKeyScope[] = ['cso']

/** What lists show: everything but the hash. */
export type ApiKeySummary = Omit<ApiKey, 'keyHash'>

const KEY_PREFIX = 'cpk_'
const ID_SHAPE = /^ak_[0-9A-HJKMNP-TV-Z]{8}$/
/** `cpk_`, the id, `_`, then 32 bytes in base64url (43 characters, which may hold `_` themselves). */
const KEY_SHAPE = /^cpk_(ak_[0-9A-HJKMNP-TV-Z]{8})_([A-Za-z0-9_-]{43})$/
const NAME_MAX = 80
/** Writing lastUsedAt on every request would make each lookup a write; once a minute says enough. */
const LAST_USED_RESOLUTION_MS = 60_000

export function isApiKeyScope(value: string): value is ApiKeyScope {
  return (API_KEY_SCOPES as readonly string[]).includes(value)
}

export function isApiKeyId(value: string): boolean {
  return ID_SHAPE.test(value)
}

function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

export interface NewApiKey {
  name: string
  scope: string
  /** Who creates it, for the row and the audit log. */
  actor: string
}

/** Creates a key; the returned `key` is the only time it exists outside its holder's hands. */
export async function createApiKey(db: Db, clock: Clock, input: NewApiKey): Promise<{ apiKey: ApiKeySummary; key: string }> {
  const name = input.name.trim()
  if (name.length === 0 || name.length > NAME_MAX || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new DomainError('invalid_api_key_name', `An API key's name must be 1–${NAME_MAX} characters on one line`)
  }
  if (!isApiKeyScope(input.scope)) throw new DomainError('invalid_api_key_scope', `Scope must be one of: ${API_KEY_SCOPES.join(', ')}`)
  const scope = input.scope
  const now = clock.now()
  return audited(db, clock, async (tx) => {
    let id = `ak_${generateShortCode()}`
    // 40 random bits: a repeat is rare, but it would be a primary-key failure, so another id is drawn.
    while ((await tx.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.id, id)).limit(1)).length > 0) id = `ak_${generateShortCode()}`
    const key = `${KEY_PREFIX}${id}_${randomId(32)}`
    const [apiKey] = await tx.insert(apiKeys).values({ id, name, scope, keyHash: hashApiKey(key), createdBy: input.actor, createdAt: now }).returning(SUMMARY)
    return { result: { apiKey: apiKey!, key }, audit: { actor: input.actor, action: 'apikey.created', subject: `apikey:${id}`, details: { name, scope } } }
  })
}

/** The columns every answer but authentication reads: never the hash. */
const SUMMARY = {
  id: apiKeys.id,
  name: apiKeys.name,
  scope: apiKeys.scope,
  createdBy: apiKeys.createdBy,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
  revokedBy: apiKeys.revokedBy,
}

/** Every key, newest first. */
export function listApiKeys(db: Db): Promise<ApiKeySummary[]> {
  return db.select(SUMMARY).from(apiKeys).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
}

export async function findApiKey(db: Db, id: string): Promise<ApiKeySummary | null> {
  if (!isApiKeyId(id)) return null
  const [row] = await db.select(SUMMARY).from(apiKeys).where(eq(apiKeys.id, id)).limit(1)
  return row ?? null
}

/** Revokes a key at once (the server reads key state on every request). Revoking twice is refused. */
export async function revokeApiKey(db: Db, clock: Clock, id: string, actor: string): Promise<ApiKeySummary> {
  return audited(db, clock, async (tx) => {
    const [row] = isApiKeyId(id) ? await tx.select(SUMMARY).from(apiKeys).where(eq(apiKeys.id, id)).limit(1) : []
    if (!row) throw new DomainError('unknown_api_key', `No API key ${id}`)
    if (row.revokedAt !== null) throw new DomainError('api_key_revoked', `API key ${id} is already revoked`)
    const [updated] = await tx.update(apiKeys).set({ revokedAt: clock.now(), revokedBy: actor }).where(eq(apiKeys.id, id)).returning(SUMMARY)
    return { result: updated!, audit: { actor, action: 'apikey.revoked', subject: `apikey:${id}`, details: { name: row.name } } }
  })
}

/**
 * The key a bearer token names, or null: malformed, unknown, wrong secret and revoked all read
 * the same. The row is found by its public id and the hashes compared in constant time, so the
 * answer's timing says nothing about how much of a guessed secret was right.
 */
export async function authenticateApiKey(db: Db, clock: Clock, bearer: string): Promise<ApiKeySummary | null> {
  const id = KEY_SHAPE.exec(bearer)?.[1]
  if (!id) return null
  const [row] = await db.select({ ...SUMMARY, keyHash: apiKeys.keyHash }).from(apiKeys).where(eq(apiKeys.id, id)).limit(1)
  if (!row) return null
  const { keyHash, ...summary } = row
  if (!timingSafeEqual(Buffer.from(hashApiKey(bearer), 'hex'), Buffer.from(keyHash, 'hex')) || row.revokedAt !== null) return null
  const now = clock.now()
  if (row.lastUsedAt === null || now - row.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
    await db.transaction(async (tx) => {
      await tx.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, id))
    })
    return { ...summary, lastUsedAt: now }
  }
  return summary
}
