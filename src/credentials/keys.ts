import { and, count, eq, gt, isNull, sql } from 'drizzle-orm'
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose'
import type { Db, Queries } from '../../db/client.ts'
import type { CurrentLookups } from '../../db/unchanged-cache.ts'
import { credentials, signingKeys } from '../../db/schema.ts'
import type { Clock } from '../config.ts'
import { appendAuditRow, audited } from '../audit/audit.ts'
import { decryptSecret, encryptSecret, type Secrets } from './secrets.ts'
import { randomId } from './random.ts'
import { LIVE_TOKEN_LIFETIME_MS, VISIT_GRACE_MS } from './tokens.ts'

export type KeyState = 'active' | 'verify_only' | 'retired' | 'compromised'

export interface KeySummary {
  kid: string
  state: KeyState
  createdAt: number
  stateChangedAt: number
  /** Badges and printed passes signed by this key that are neither revoked nor expired. */
  liveCredentials: number
}

export type KeyErrorCode =
  | 'unknown_key'
  | 'no_active_key'
  | 'key_active'
  | 'key_retired'
  | 'key_compromised'
  | 'live_credentials'
  | 'live_count_changed'
  | 'recently_active'

/** A refused key operation; `code` lets the admin console word it in the user's language. */
export class KeyError extends Error {
  constructor(
    readonly code: KeyErrorCode,
    message: string,
    readonly facts: { liveCredentials?: number; until?: number } = {},
  ) {
    super(message)
  }
}

export interface RetireOptions {
  actor: string
  /**
   * Retire although live credentials still rely on the key, breaking them. `true` is the CLI's
   * `--force`; the admin console passes the count the admin saw and typed, and is refused if
   * the count has changed since.
   */
  force?: boolean | { acceptedLiveCredentials: number }
}

/**
 * What the admin console offers for a key in this state; retire() and compromise() still guard
 * every call. A retired key verifies nothing already, so only the CLI marks one compromised.
 */
export function keyActions(state: KeyState): { canRetire: boolean; canCompromise: boolean } {
  return { canRetire: state === 'verify_only', canCompromise: state === 'active' || state === 'verify_only' }
}

/**
 * Signing keys live in the database so that a server and a CLI on one DATA_DIR share them.
 * Key *state* is read through the caller's lookups on every use (a CLI may change it at any
 * moment); the imported key material, which never changes for a kid, is cached.
 */
export class KeyRing {
  readonly #publicKeys = new Map<string, CryptoKey>()
  readonly #privateKeys = new Map<string, CryptoKey>()
  readonly #stateByKid
  readonly #activeKey

  constructor(
    private readonly db: Db,
    private readonly secrets: Secrets,
    private readonly clock: Clock,
  ) {
    // Prepared (the SQL built once): the key lookup is on the verification path, where building
    // a select anew costs about as much as the rest of a short-code check. Preparing reads
    // nothing yet, and both run on the Db, never inside a transaction (there they would wait for it).
    this.#stateByKid = db
      .select({ state: signingKeys.state, publicJwk: signingKeys.publicJwk })
      .from(signingKeys)
      .where(eq(signingKeys.kid, sql.placeholder('kid')))
      .prepare()
    this.#activeKey = db
      .select({ kid: signingKeys.kid, encryptedPrivateJwk: signingKeys.encryptedPrivateJwk })
      .from(signingKeys)
      .where(eq(signingKeys.state, 'active'))
      .limit(1)
      .prepare()
  }

  /** The public key for `kid` with its state as `lookups` see it, or null when unknown or retired. */
  async verificationKey(kid: string, lookups: CurrentLookups): Promise<{ key: CryptoKey; state: KeyState } | null> {
    const row = await this.#keyRow(kid, lookups)
    if (!row || row.state === 'retired') return null
    let key = this.#publicKeys.get(kid)
    if (!key) {
      key = (await importJWK(JSON.parse(row.publicJwk) as JWK, 'ES256')) as CryptoKey
      this.#publicKeys.set(kid, key)
    }
    return { key, state: row.state }
  }

  /** The state of `kid` as `lookups` see it, or null for an unknown key. */
  async keyState(kid: string, lookups: CurrentLookups): Promise<KeyState | null> {
    return (await this.#keyRow(kid, lookups))?.state ?? null
  }

  /** The kid that signs new tokens now, or null before the first key exists. */
  async activeKid(): Promise<string | null> {
    return (await this.#activeKeyRow())?.kid ?? null
  }

  /**
   * The active key for signing, creating the first one if the database has none. With `kid`:
   * that key, which must still verify (active or verify-only); a reprint of a credential from
   * before printed tokens were kept is signed again by the key that signed the original.
   */
  async signingKey(kid?: string): Promise<{ kid: string; key: CryptoKey }> {
    let row: { kid: string; encryptedPrivateJwk: string } | undefined
    if (kid === undefined) {
      row = await this.#activeKeyRow()
      if (!row) {
        await this.ensureActiveKey()
        row = await this.#activeKeyRow()
        if (!row) throw new KeyError('no_active_key', 'No active signing key')
      }
    } else {
      const [found] = await this.db.select().from(signingKeys).where(eq(signingKeys.kid, kid)).limit(1)
      if (!found) throw new KeyError('unknown_key', `No key with kid ${kid}`)
      if (found.state === 'retired') throw new KeyError('key_retired', `Key ${kid} is retired`)
      if (found.state === 'compromised') throw new KeyError('key_compromised', `Key ${kid} is marked compromised`)
      row = found
    }
    let key = this.#privateKeys.get(row.kid)
    if (!key) {
      const jwk = JSON.parse(decryptSecret(this.secrets.keyEncryptionKey, row.encryptedPrivateJwk, row.kid)) as JWK
      key = (await importJWK(jwk, 'ES256')) as CryptoKey
      this.#privateKeys.set(row.kid, key)
    }
    return { kid: row.kid, key }
  }

  /** Creates the first active key unless one exists (safe when two processes start together). */
  async ensureActiveKey(): Promise<void> {
    if (await this.#activeKeyRow()) return
    const fresh = await this.#generate()
    await this.db.transaction(async (tx) => {
      const [existing] = await tx.select({ kid: signingKeys.kid }).from(signingKeys).where(eq(signingKeys.state, 'active')).limit(1)
      if (existing) return
      await tx.insert(signingKeys).values(fresh)
      await appendAuditRow(tx, this.clock.now(), { actor: 'system', action: 'key.created', subject: `key:${fresh.kid}` })
    })
  }

  /** Makes a new key active; the old active key keeps verifying until retired. */
  async rotate(actor: string): Promise<{ kid: string; previousKid: string | null }> {
    const fresh = await this.#generate()
    const now = this.clock.now()
    return audited(this.db, this.clock, async (tx) => {
      // Demote first: the unique index on the active state refuses a second active key.
      const [current] = await tx.select({ kid: signingKeys.kid }).from(signingKeys).where(eq(signingKeys.state, 'active')).limit(1)
      if (current) await tx.update(signingKeys).set({ state: 'verify_only', stateChangedAt: now }).where(eq(signingKeys.kid, current.kid))
      await tx.insert(signingKeys).values(fresh)
      const previousKid = current?.kid ?? null
      return { result: { kid: fresh.kid, previousKid }, audit: { actor, action: 'key.rotated', subject: `key:${fresh.kid}`, details: { previousKid } } }
    })
  }

  /**
   * Stops a verify-only key from verifying anything. The one guard for the CLI and the admin
   * console: it refuses while the key still vouches for live credentials (counted by the key
   * that signed their printed token), unless forced, and while on-screen QR codes it signed
   * before it was rotated out may still be shown. State is read and changed in one transaction.
   */
  async retire(kid: string, options: RetireOptions): Promise<KeySummary> {
    const now = this.clock.now()
    await audited(this.db, this.clock, async (tx) => {
      const key = await this.#summary(tx, kid)
      if (key.state === 'active') throw new KeyError('key_active', `Key ${kid} is active; rotate first, then retire it`)
      if (key.state === 'retired') throw new KeyError('key_retired', `Key ${kid} is already retired`)
      if (key.state === 'compromised') throw new KeyError('key_compromised', `Key ${kid} is marked compromised; it stays rejected`)
      const liveQrUntil = key.stateChangedAt + LIVE_TOKEN_LIFETIME_MS
      if (liveQrUntil > now) {
        throw new KeyError('recently_active', `Key ${kid} signed on-screen QR codes until it was rotated; they stay valid until ${new Date(liveQrUntil).toISOString()}`, { until: liveQrUntil })
      }
      const live = key.liveCredentials
      if (live > 0) {
        const { force } = options
        if (typeof force === 'object' && force.acceptedLiveCredentials !== live) {
          throw new KeyError('live_count_changed', `Key ${kid} now signs ${live} live credential(s), not ${force.acceptedLiveCredentials}; check again`, { liveCredentials: live })
        }
        if (!force) throw new KeyError('live_credentials', `Key ${kid} still signs ${live} live credential(s); reissue them or use --force`, { liveCredentials: live })
      }
      await tx.update(signingKeys).set({ state: 'retired', stateChangedAt: now }).where(eq(signingKeys.kid, kid))
      return { result: null, audit: { actor: options.actor, action: 'key.retired', subject: `key:${kid}`, details: { forced: live > 0, liveCredentials: live } } }
    })
    return this.#summary(this.db, kid)
  }

  /** Rejects every token signed by `kid` at once; a compromised active key is replaced in the same transaction. */
  async compromise(kid: string, actor: string): Promise<{ key: KeySummary; replacementKid: string | null }> {
    // Make the replacement before the transaction, so that the write lock is not held while a
    // key pair is generated; it is used only if the key is still the active one inside it.
    const candidate = await this.#generate()
    const replacementKid = await audited(this.db, this.clock, async (tx) => {
      const [row] = await tx.select({ state: signingKeys.state }).from(signingKeys).where(eq(signingKeys.kid, kid)).limit(1)
      if (!row) throw new KeyError('unknown_key', `No key with kid ${kid}`)
      if (row.state === 'compromised') throw new KeyError('key_compromised', `Key ${kid} is already marked compromised`)
      await tx.update(signingKeys).set({ state: 'compromised', stateChangedAt: this.clock.now() }).where(eq(signingKeys.kid, kid))
      const replacement = row.state === 'active' ? candidate : null
      if (replacement) await tx.insert(signingKeys).values(replacement)
      const replacementKid = replacement?.kid ?? null
      return { result: replacementKid, audit: { actor, action: 'key.compromised', subject: `key:${kid}`, details: { previousState: row.state, replacementKid } } }
    })
    return { key: await this.#summary(this.db, kid), replacementKid }
  }

  list(): Promise<KeySummary[]> {
    return this.#list(this.db)
  }

  /** One key's summary, or null for an unknown kid. */
  async find(kid: string): Promise<KeySummary | null> {
    return (await this.#list(this.db)).find((key) => key.kid === kid) ?? null
  }

  async #list(db: Queries): Promise<KeySummary[]> {
    const live = await this.#liveCredentialCounts(db)
    const rows = await db.select().from(signingKeys).orderBy(signingKeys.createdAt)
    return rows.map((row) => ({
      kid: row.kid,
      state: row.state,
      createdAt: row.createdAt,
      stateChangedAt: row.stateChangedAt,
      liveCredentials: live.get(row.kid) ?? 0,
    }))
  }

  /** The JSON Web Key Set of keys that currently verify (`active` and `verify_only`). */
  async publicKeySet(): Promise<{ keys: JWK[] }> {
    const rows = await this.db
      .select({ kid: signingKeys.kid, state: signingKeys.state, publicJwk: signingKeys.publicJwk })
      .from(signingKeys)
      .orderBy(signingKeys.createdAt)
    return {
      keys: rows
        .filter((row) => row.state === 'active' || row.state === 'verify_only')
        .map((row) => ({ ...(JSON.parse(row.publicJwk) as JWK), kid: row.kid, alg: 'ES256', use: 'sig' })),
    }
  }

  async #summary(db: Queries, kid: string): Promise<KeySummary> {
    const summary = (await this.#list(db)).find((key) => key.kid === kid)
    if (!summary) throw new KeyError('unknown_key', `No key with kid ${kid}`)
    return summary
  }

  #keyRow(kid: string, lookups: CurrentLookups) {
    return lookups.get(`signing key ${kid}`, async () => (await this.#stateByKid.execute({ kid }))[0])
  }

  async #activeKeyRow(): Promise<{ kid: string; encryptedPrivateJwk: string } | undefined> {
    return (await this.#activeKey.execute())[0]
  }

  /**
   * Credentials that still verify, by the key that signed their printed token. A pass keeps
   * verifying (amber) for the grace period after its window, so that counts as live too.
   */
  async #liveCredentialCounts(db: Queries): Promise<Map<string, number>> {
    const rows = await db
      .select({ kid: credentials.kid, live: count() })
      .from(credentials)
      .where(and(isNull(credentials.revokedAt), gt(credentials.windowEnd, this.clock.now() - VISIT_GRACE_MS)))
      .groupBy(credentials.kid)
    return new Map(rows.map((row) => [row.kid, row.live]))
  }

  async #generate(): Promise<typeof signingKeys.$inferInsert> {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
    const kid = randomId(6)
    const now = this.clock.now()
    const { kty, crv, x, y } = await exportJWK(publicKey)
    return {
      kid,
      state: 'active',
      publicJwk: JSON.stringify({ kty, crv, x, y }),
      encryptedPrivateJwk: encryptSecret(this.secrets.keyEncryptionKey, JSON.stringify(await exportJWK(privateKey)), kid),
      createdAt: now,
      stateChangedAt: now,
    }
  }
}
