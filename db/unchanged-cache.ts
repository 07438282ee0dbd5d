import type { Db } from './client.ts'

const MAX_ENTRIES = 10_000

/** Query answers valid as of the moment `UnchangedDatabaseCache.current()` was called, or later. */
export interface CurrentLookups {
  /** `key` names the query and its arguments; `read` runs the query when the answer is not known. */
  get<T>(key: string, read: () => T | Promise<T>): Promise<T>
}

/**
 * Remembers query answers only while the database is provably unchanged. `current()` reads
 * SQLite's own change counters — `data_version` moves when any other connection or process (the
 * CLI, another worker) commits, `total_changes()` when this connection writes — and forgets
 * everything when either moved. A revocation, suspension or key change is therefore seen by the
 * very next `current()`, exactly as without the cache; repeated checks of one credential between
 * writes skip the joins.
 *
 * Reading the counters opens a read transaction, which costs about as much as a small query, so
 * one verification reads them once and makes all its lookups through the same `current()`.
 */
export class UnchangedDatabaseCache {
  /**
   * Answers as promises, remembered the moment their read is started: an entry is therefore
   * always either emptied by the next `current()` that sees a change or read after the change
   * it would have missed. (Remembering the value once the read has finished could put an answer
   * read before a commit into the memory emptied for that commit.)
   */
  readonly #entries = new Map<string, Promise<unknown>>()
  #seen: string | null = null
  readonly #lookups: CurrentLookups = {
    get: <T>(key: string, read: () => T | Promise<T>): Promise<T> => {
      const known = this.#entries.get(key)
      if (known) return known as Promise<T>
      const answer = (async () => read())()
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear()
      this.#entries.set(key, answer)
      // A failed read is not an answer: the next lookup tries again.
      answer.catch(() => {
        if (this.#entries.get(key) === answer) this.#entries.delete(key)
      })
      return answer
    },
  }

  constructor(private readonly db: Db) {}

  /**
   * Lookups that reflect every commit made before this call. An entry remembered now had its
   * read started after the last change the counters showed, and any later change empties the
   * memory at the next `current()`, so nothing older than this moment is ever answered. (A
   * transaction of this connection still open counts in `total_changes()` already; the read
   * waits for it to end, db/database.ts, so it sees its commit or its rollback.)
   */
  current(): CurrentLookups {
    const now = this.db.changeCounter()
    // An engine without a counter (PostgreSQL, where other nodes commit) remembers nothing between calls.
    if (now === null || now !== this.#seen) {
      this.#entries.clear()
      this.#seen = now
    }
    return this.#lookups
  }
}
