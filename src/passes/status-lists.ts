import { createHash, randomInt } from 'node:crypto'
import { constants as zlibConstants, deflateSync, gzipSync, inflateSync } from 'node:zlib'
import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm'
import { isUniqueViolation, type Queries, type Transaction } from '../../db/client.ts'
import { credentials, officers, signingKeys, statusLists } from '../../db/schema.ts'
import { auditRowsAfter, lastAuditId, type AuditRow } from '../audit/audit.ts'
import { randomId } from '../credentials/random.ts'
import { signStatusListToken, type StatusListReference } from '../credentials/tokens.ts'
import type { Services } from '../services.ts'

// Token Status Lists (IETF OAuth Token Status List, draft-ietf-oauth-status-list; DESIGN §12).

/** Entries in a new list: DESIGN §12 asks for at least 2^17, so one entry tells little about how many passes there are. */
export const STATUS_LIST_CAPACITY = 2 ** 17
/**
 * A new list is opened once the newest is this full, so a random index is free at least every
 * other try and never more than half of a list's entries are in use.
 */
export const STATUS_LIST_FILL_LIMIT = 0.5
export const STATUS_BITS = 2
/** Status Type values of the draft's registry: VALID, INVALID (we say revoked), SUSPENDED. */
export const STATUS = { valid: 0, revoked: 1, suspended: 2 } as const
export type StatusValue = (typeof STATUS)[keyof typeof STATUS]
/** Seconds a consumer may keep a list before fetching it again (the `ttl` claim, and the HTTP max-age). */
export const STATUS_LIST_TTL_S = 900
/** A served list's `exp` is this long after its `iat` (DESIGN §12: at most 24 h). */
export const STATUS_LIST_LIFETIME_MS = 24 * 3600 * 1000
export const STATUS_LIST_MEDIA_TYPE = 'application/statuslist+jwt'

const LIST_ID = /^[A-Za-z0-9_-]{1,32}$/
const ENTRY_MASK = (1 << STATUS_BITS) - 1
/** At half full a random index is taken with probability ½ at most: 40 misses in a row happen once in 10^12. */
const MAX_PICKS = 40

// ── Encoding ─────────────────────────────────────────────────────────────────────────────────

/** The bytes of `capacity` entries, all 0 (valid). */
export function emptyStatusBytes(capacity: number): Uint8Array {
  return new Uint8Array(Math.ceil((capacity * STATUS_BITS) / 8))
}

// Entry i lives in byte floor(i·bits/8), from its least significant bit up (draft §4.1): with
// 2 bits, entries 0–3 of byte 0 are its bits 1–0, 3–2, 5–4 and 7–6.
export function setStatus(bytes: Uint8Array, idx: number, value: number): void {
  const bit = idx * STATUS_BITS
  const byte = bit >> 3
  const shift = bit & 7
  bytes[byte] = ((bytes[byte] ?? 0) & ~(ENTRY_MASK << shift)) | ((value & ENTRY_MASK) << shift)
}

export function getStatus(bytes: Uint8Array, idx: number): number {
  const bit = idx * STATUS_BITS
  return ((bytes[bit >> 3] ?? 0) >> (bit & 7)) & ENTRY_MASK
}

/** The `lst` claim: the bytes DEFLATE-compressed in the ZLIB format (RFC 1950), base64url without padding. */
export function encodeStatusList(bytes: Uint8Array): string {
  // Run-length matching only: a list is long runs of zero bytes between sparse entries. On
  // 2^20 entries with 1 % revoked it took 0.6 ms for 16.8 KB, where level 9's full search took
  // 47 ms for 15.3 KB, and a list is deflated again after every change.
  return deflateSync(bytes, { level: 9, strategy: zlibConstants.Z_RLE }).toString('base64url')
}

export function decodeStatusList(lst: string): Uint8Array {
  return new Uint8Array(inflateSync(Buffer.from(lst, 'base64url')))
}

// ── Allocation ───────────────────────────────────────────────────────────────────────────────

/** A credential's place in a list. */
export interface StatusEntry {
  listId: string
  idx: number
}

/** Where the list is served, which is also its `sub`. */
export function statusListUri(publicUrl: string, listId: string): string {
  return `${publicUrl}/status/${listId}`
}

/** The `status.status_list` of a credential's tokens, or null for a credential from before step 11. */
export function credentialStatusReference(services: Services, credential: { statusListId: string | null; statusIdx: number | null }): StatusListReference | null {
  if (credential.statusListId === null || credential.statusIdx === null) return null
  return { idx: credential.statusIdx, uri: statusListUri(services.config.publicUrl, credential.statusListId) }
}

export async function openStatusList(services: Services, capacity = STATUS_LIST_CAPACITY): Promise<{ id: string; capacity: number; used: number }> {
  for (let attempt = 0; ; attempt++) {
    // Short, because every token carries it in its `uri`: 24 random bits name far more lists
    // than there will ever be, and an id already taken is simply drawn again.
    const list = { id: randomId(3), capacity, used: 0, createdAt: services.clock.now() }
    try {
      await services.db.transaction(async (tx) => {
        await tx.insert(statusLists).values(list)
      })
      return list
    } catch (error) {
      if (!isUniqueViolation(error) || attempt >= 5) throw error
    }
  }
}

/**
 * A random entry that no credential holds, in the newest list under its fill limit, else in a
 * new list of `capacity` entries. Chosen before the credential's transaction because
 * its tokens are signed with it; takeStatusEntry claims it inside that transaction, where the
 * unique index on (list, idx) refuses it if another process took the same entry meanwhile.
 * Random rather than sequential, so neighbouring entries say nothing about when, or for whom,
 * a pass was issued.
 */
export async function pickStatusEntry(services: Services, options: { capacity?: number } = {}): Promise<StatusEntry> {
  const { db } = services
  const [withRoom] = await db
    .select({ id: statusLists.id, capacity: statusLists.capacity })
    .from(statusLists)
    .where(sql`${statusLists.used} < ${statusLists.capacity} * ${sql.raw(String(STATUS_LIST_FILL_LIMIT))}`)
    .orderBy(desc(statusLists.createdAt))
    .limit(1)
  const list = withRoom ?? (await openStatusList(services, options.capacity))
  for (let pick = 0; pick < MAX_PICKS; pick++) {
    const idx = randomInt(list.capacity)
    const [taken] = await db
      .select({ id: credentials.id })
      .from(credentials)
      .where(and(eq(credentials.statusListId, list.id), eq(credentials.statusIdx, idx)))
      .limit(1)
    if (!taken) return { listId: list.id, idx }
  }
  throw new Error(`No free entry found in status list ${list.id}`)
}

/** Counts the entry as used; in the transaction that inserts its credential. */
export async function takeStatusEntry(tx: Transaction, entry: StatusEntry): Promise<void> {
  await tx
    .update(statusLists)
    .set({ used: sql`${statusLists.used} + 1` })
    .where(eq(statusLists.id, entry.listId))
}

/** The insert failed because another credential took the same entry first. */
export function isStatusEntryTaken(error: unknown): boolean {
  return isUniqueViolation(error, 'status_idx')
}

// ── Serving ──────────────────────────────────────────────────────────────────────────────────

export interface SignedStatusList {
  /** The compact JWS, `application/statuslist+jwt`. */
  token: string
  /** The token gzipped once, for every client that accepts it. */
  gzip: Uint8Array<ArrayBuffer>
  /** Weak: the same token is sent gzipped or not. */
  etag: string
  /** Milliseconds. */
  issuedAt: number
  expiresAt: number
}

interface CachedList {
  bytes: Uint8Array
  /** When every entry was last read from the database. */
  readAt: number
  /** Null once an entry changed or the signing keys did: signed again on the next request. */
  signed: SignedStatusList | null
}

/** A signed list is signed again after this long even when nothing changed, so its `iat` says how fresh it is. */
const RESIGN_MS = 5 * 60 * 1000
/**
 * Every entry is read again from the database after this long. The audit log names every change
 * that moves an entry (below), so this only bounds the harm of a future change that forgets to
 * write its audit row; it costs one read of the list an hour.
 */
const FULL_READ_MS = 3600 * 1000
const MAX_CACHED_LISTS = 256
const AUDIT_PAGE = 1000
/** Past this many credentials to look at again, reading the cached lists whole is cheaper. */
const MAX_PATCHED = 20_000
const IN_CHUNK = 500

/** The entry's value as the database says now: revoked (or signed by a compromised key) before suspended. */
const ENTRY_VALUE = sql<number>`case when ${credentials.revokedAt} is not null or ${signingKeys.state} = 'compromised' then ${STATUS.revoked} when ${officers.status} = 'suspended' then ${STATUS.suspended} else ${STATUS.valid} end`

/**
 * Serves each list as a signed Status List Token, derived from the database at the moment of the
 * request: a revocation, a suspension (every credential of the officer: suspended; back to valid
 * on a reactivation that restores them) and a key compromise (every credential whose printed token
 * that key signed: revoked) show in the very next list served, whichever process made them.
 *
 * Rebuilding a list for every write would cost a read of all its credentials (scans and reports
 * write all the time), so each list's bytes are kept and patched. SQLite's change counters (as in
 * db/unchanged-cache.ts) say whether anything was committed since the last request; if so, the
 * audit rows appended since — every revocation, suspension, reactivation, key change and issue
 * writes one in its own transaction — name the credentials, officers and keys to look at again,
 * and only their entries are read. A list with a changed entry is deflated and signed again.
 */
export class StatusListPublisher {
  readonly #lists = new Map<string, CachedList>()
  /** The database's change counter when the cached lists were last brought up to date. */
  #seenCounters: string | null = null
  /** The last audit row whose changes the cached lists include; null before the first request. */
  #auditSeen: number | null = null
  #turn: Promise<unknown> = Promise.resolve()

  constructor(private readonly services: Services) {}

  /** The list `listId` signed as of now, or null for an id that names no list. */
  signedList(listId: string): Promise<SignedStatusList | null> {
    if (!LIST_ID.test(listId)) return Promise.resolve(null)
    // One request at a time patches and signs, so concurrent requests never patch the same bytes twice.
    const answer = this.#turn.then(() => this.#signedList(listId))
    this.#turn = answer.catch(() => undefined)
    return answer
  }

  async #signedList(listId: string): Promise<SignedStatusList | null> {
    const now = this.services.clock.now()
    // First the changes committed so far, then (if needed) the whole list: a change committed in
    // between is in both, and applying it twice gives the same bytes.
    await this.#catchUp()
    let list = this.#lists.get(listId)
    if (!list || now - list.readAt >= FULL_READ_MS) {
      const bytes = await this.#readEntries(listId)
      if (!bytes) {
        this.#lists.delete(listId)
        return null
      }
      list = { bytes, readAt: now, signed: null }
      this.#lists.delete(listId)
      if (this.#lists.size >= MAX_CACHED_LISTS) this.#lists.delete(this.#lists.keys().next().value!)
      this.#lists.set(listId, list)
    }
    if (!list.signed || now - list.signed.issuedAt >= RESIGN_MS || now < list.signed.issuedAt) list.signed = await this.#sign(listId, list.bytes, now)
    return list.signed
  }

  /** Brings every cached list up to the last commit, entry by entry. */
  async #catchUp(): Promise<void> {
    // Without a change counter (PostgreSQL, db/database.ts) the audit rows are read every time.
    const counters = this.services.db.changeCounter()
    if (counters !== null && counters === this.#seenCounters) return
    const { db } = this.services
    // The counters and the audit position are kept only once everything up to them is applied, so
    // a failed read is simply read again by the next request. Counters read before the audit rows:
    // a commit from here on moves them again and is read next time.
    if (this.#auditSeen === null || this.#lists.size === 0) {
      this.#auditSeen = await lastAuditId(db)
      this.#seenCounters = counters
      return
    }
    let seen = this.#auditSeen
    const changes = new EntryChanges()
    for (;;) {
      const rows = await auditRowsAfter(db, seen, AUDIT_PAGE)
      for (const row of rows) changes.note(row)
      seen = rows.at(-1)?.id ?? seen
      if (rows.length < AUDIT_PAGE) break
      if (changes.size > MAX_PATCHED) {
        // Cheaper to read the lists whole on their next request than to patch them.
        this.#auditSeen = await lastAuditId(db)
        this.#seenCounters = counters
        this.#lists.clear()
        return
      }
    }
    // A rotated, retired or compromised key may no longer be in the JWKS: sign with the active one.
    if (changes.keys) for (const list of this.#lists.values()) list.signed = null
    for (const { listId, idx, value } of await this.#changedEntries(changes)) {
      const list = this.#lists.get(listId)
      if (!list || getStatus(list.bytes, idx) === value) continue
      setStatus(list.bytes, idx, value)
      list.signed = null
    }
    this.#auditSeen = seen
    this.#seenCounters = counters
  }

  /** The entries, in any list, of the credentials the changes name. */
  async #changedEntries(changes: EntryChanges): Promise<{ listId: string; idx: number; value: number }[]> {
    const found: { listId: string; idx: number; value: number }[] = []
    const read = async (values: string[], where: (chunk: string[]) => SQL) => {
      for (let start = 0; start < values.length; start += IN_CHUNK) {
        const rows = await entryQuery(this.services.db, where(values.slice(start, start + IN_CHUNK)))
        for (const row of rows) if (row.listId !== null && row.idx !== null) found.push({ listId: row.listId, idx: row.idx, value: row.value })
      }
    }
    await read([...changes.credentialIds], (chunk) => inArray(credentials.id, chunk))
    await read([...changes.employeeNos], (chunk) => inArray(officers.employeeNo, chunk))
    // No index on the signing key: a whole read of the credentials, once per key compromise.
    await read([...changes.compromisedKids], (chunk) => inArray(credentials.kid, chunk))
    return found
  }

  /** Every entry of the list from the database, or null for an unknown list. */
  async #readEntries(listId: string): Promise<Uint8Array | null> {
    const { db } = this.services
    const [row] = await db.select({ capacity: statusLists.capacity }).from(statusLists).where(eq(statusLists.id, listId)).limit(1)
    if (!row) return null
    const bytes = emptyStatusBytes(row.capacity)
    // Reads every credential of the list by the index, so its rows in random order: the slow part
    // of a build (`npm run bench -- statuslist`), done at a worker's first request for the list
    // and once an hour after; every change since is a patch.
    const notValid = sql`(${credentials.revokedAt} is not null or ${signingKeys.state} = 'compromised' or ${officers.status} = 'suspended')`
    for (const entry of await entryQuery(db, and(eq(credentials.statusListId, listId), notValid)!)) {
      if (entry.idx !== null && entry.idx < row.capacity) setStatus(bytes, entry.idx, entry.value)
    }
    return bytes
  }

  async #sign(listId: string, bytes: Uint8Array, now: number): Promise<SignedStatusList> {
    const { config, keys } = this.services
    const expiresAt = now + STATUS_LIST_LIFETIME_MS
    const { token } = await signStatusListToken(keys, config.publicUrl, {
      subject: statusListUri(config.publicUrl, listId),
      issuedAt: now,
      expiresAt,
      ttl: STATUS_LIST_TTL_S,
      statusList: { bits: STATUS_BITS, lst: encodeStatusList(bytes) },
    })
    const etag = `W/"${createHash('sha256').update(token).digest('base64url').slice(0, 22)}"`
    return { token, gzip: new Uint8Array(gzipSync(token)), etag, issuedAt: now, expiresAt }
  }
}

function entryQuery(db: Queries, where: SQL) {
  return db
    .select({ listId: credentials.statusListId, idx: credentials.statusIdx, value: ENTRY_VALUE })
    .from(credentials)
    .innerJoin(officers, eq(officers.id, credentials.officerId))
    .leftJoin(signingKeys, eq(signingKeys.kid, credentials.kid))
    .where(where)
}

/** What the audit rows since the last request name, by the subjects their writers give them. */
class EntryChanges {
  readonly credentialIds = new Set<string>()
  readonly employeeNos = new Set<string>()
  readonly compromisedKids = new Set<string>()
  keys = false

  get size(): number {
    return this.credentialIds.size + this.employeeNos.size + this.compromisedKids.size
  }

  note(row: Pick<AuditRow, 'action' | 'subject' | 'details'>): void {
    const [kind, ...rest] = row.subject.split(':')
    const name = rest.join(':')
    if (kind === 'visit_pass' || kind === 'badge') {
      this.credentialIds.add(name)
      // A reissue revokes the credential it replaces in the same transaction.
      const replaced = replacedCredential(row.details)
      if (replaced) this.credentialIds.add(replaced)
    } else if (kind === 'officer') {
      this.employeeNos.add(name)
    } else if (kind === 'key') {
      this.keys = true
      if (row.action === 'key.compromised') this.compromisedKids.add(name)
    }
  }
}

function replacedCredential(details: string): string | null {
  try {
    const parsed = JSON.parse(details) as { replaces?: unknown }
    return typeof parsed.replaces === 'string' ? parsed.replaces : null
  } catch {
    return null
  }
}
