import { and, count, eq, gt, isNull, sql } from 'drizzle-orm'
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose'
import type { Db } from '../../db/client.ts'
import type { CurrentLookups } from '../../db/unchanged-cache.ts'
import { credentials, signingKeys } from '../../db/schema.ts'
import type { Clock } from '../config.ts'
import { appendAuditRow, audited } from '../audit/audit.ts'
import { decryptSecret, encryptSecret, type Secrets } from './secrets.ts'
import { randomId } from './random.ts'

export type KeyState = 'active' | 'verify_only' | 'retired' | 'compromised'

export interface KeySummary {
  kid: string
  state: KeyState
  createdAt: number
  stateChangedAt: number
  /** Badges and printed passes signed by this key that are neither revoked nor expired. */
  liveCredentials: number
}

export class KeyError extends Error {}

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
    const row = lookups.get(`signing key ${kid}`, () => this.#stateByKid.get({ kid }))
    if (!row || row.state === 'retired') return null
    let key = this.#publicKeys.get(kid)
    if (!key) {
      key = (await importJWK(JSON.parse(row.publicJwk) as JWK, 'ES256')) as CryptoKey
      this.#publicKeys.set(kid, key)
    }
    return { key, state: row.state }
  }

  /** The active key for signing, creating the first one if the database has none. */
  async signingKey(): Promise<{ kid: string; key: CryptoKey }> {
    let row = this.#activeKey.get()
    if (!row) {
      await this.ensureActiveKey()
      row = this.#activeKey.get()
      if (!row) throw new KeyError('No active signing key')
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
    if (this.#activeKey.get()) return
    const fresh = await this.#generate()
    this.db.transaction(
      (tx) => {
        const existing = tx.select({ kid: signingKeys.kid }).from(signingKeys).where(eq(signingKeys.state, 'active')).get()
        if (existing) return
        tx.insert(signingKeys).values(fresh).run()
        appendAuditRow(tx, this.clock.now(), { actor: 'system', action: 'key.created', subject: `key:${fresh.kid}` })
      },
      { behavior: 'immediate' },
    )
  }

  /** Makes a new key active; the old active key keeps verifying until retired. */
  async rotate(actor: string): Promise<{ kid: string; previousKid: string | null }> {
    const fresh = await this.#generate()
    const now = this.clock.now()
    return audited(this.db, this.clock, (tx) => {
      const current = tx.select({ kid: signingKeys.kid }).from(signingKeys).where(eq(signingKeys.state, 'active')).get()
      if (current) tx.update(signingKeys).set({ state: 'verify_only', stateChangedAt: now }).where(eq(signingKeys.kid, current.kid)).run()
      tx.insert(signingKeys).values(fresh).run()
      const previousKid = current?.kid ?? null
      return { result: { kid: fresh.kid, previousKid }, audit: { actor, action: 'key.rotated', subject: `key:${fresh.kid}`, details: { previousKid } } }
    })
  }

  /** Stops a verify-only key from verifying anything; refuses while it still vouches for live credentials. */
  retire(kid: string, options: { force?: boolean; actor: string }): KeySummary {
    const key = this.#summary(kid)
    if (key.state === 'active') throw new KeyError(`Key ${kid} is active; rotate first, then retire it`)
    if (key.state === 'retired') throw new KeyError(`Key ${kid} is already retired`)
    if (key.state === 'compromised') throw new KeyError(`Key ${kid} is marked compromised; it stays rejected`)
    if (key.liveCredentials > 0 && !options.force) {
      throw new KeyError(`Key ${kid} still signs ${key.liveCredentials} live credential(s); reissue them or use --force`)
    }
    audited(this.db, this.clock, (tx) => {
      tx.update(signingKeys).set({ state: 'retired', stateChangedAt: this.clock.now() }).where(eq(signingKeys.kid, kid)).run()
      return { result: null, audit: { actor: options.actor, action: 'key.retired', subject: `key:${kid}`, details: { forced: options.force === true, liveCredentials: key.liveCredentials } } }
    })
    return this.#summary(kid)
  }

  /** Rejects every token signed by `kid` at once; a compromised active key is replaced. */
  async compromise(kid: string, actor: string): Promise<{ key: KeySummary; replacementKid: string | null }> {
    const key = this.#summary(kid)
    if (key.state === 'compromised') throw new KeyError(`Key ${kid} is already marked compromised`)
    const replacement = key.state === 'active' ? await this.#generate() : null
    audited(this.db, this.clock, (tx) => {
      tx.update(signingKeys).set({ state: 'compromised', stateChangedAt: this.clock.now() }).where(eq(signingKeys.kid, kid)).run()
      if (replacement) tx.insert(signingKeys).values(replacement).run()
      return { result: null, audit: { actor, action: 'key.compromised', subject: `key:${kid}`, details: { replacementKid: replacement?.kid ?? null } } }
    })
    return { key: this.#summary(kid), replacementKid: replacement?.kid ?? null }
  }

  list(): KeySummary[] {
    const live = this.#liveCredentialCounts()
    return this.db
      .select()
      .from(signingKeys)
      .orderBy(signingKeys.createdAt)
      .all()
      .map((row) => ({
        kid: row.kid,
        state: row.state,
        createdAt: row.createdAt,
        stateChangedAt: row.stateChangedAt,
        liveCredentials: live.get(row.kid) ?? 0,
      }))
  }

  /** The JSON Web Key Set of keys that currently verify (`active` and `verify_only`). */
  publicKeySet(): { keys: JWK[] } {
    const rows = this.db
      .select({ kid: signingKeys.kid, state: signingKeys.state, publicJwk: signingKeys.publicJwk })
      .from(signingKeys)
      .orderBy(signingKeys.createdAt)
      .all()
    return {
      keys: rows
        .filter((row) => row.state === 'active' || row.state === 'verify_only')
        .map((row) => ({ ...(JSON.parse(row.publicJwk) as JWK), kid: row.kid, alg: 'ES256', use: 'sig' })),
    }
  }

  #summary(kid: string): KeySummary {
    const summary = this.list().find((key) => key.kid === kid)
    if (!summary) throw new KeyError(`No key with kid ${kid}`)
    return summary
  }

  #liveCredentialCounts(): Map<string, number> {
    const rows = this.db
      .select({ kid: credentials.kid, live: count() })
      .from(credentials)
      .where(and(isNull(credentials.revokedAt), gt(credentials.windowEnd, this.clock.now())))
      .groupBy(credentials.kid)
      .all()
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
