import type Database from 'better-sqlite3'
import type { Db } from './client.ts'

const MAX_ENTRIES = 10_000

/**
 * Remembers query answers only while the database is provably unchanged: every lookup first reads
 * SQLite's own change counters — `data_version` moves when any other connection or process (the
 * CLI, another worker) commits, `total_changes()` when this connection writes — and forgets
 * everything when either moved. A revocation, suspension or key change is therefore seen by the
 * very next lookup, exactly as without the cache; repeated checks of one credential between
 * writes skip the joins.
 */
export class UnchangedDatabaseCache {
  readonly #version: Database.Statement<[], { dataVersion: number; ownChanges: number }>
  readonly #entries = new Map<string, unknown>()
  #seen = { dataVersion: -1, ownChanges: -1 }

  constructor(db: Db) {
    this.#version = db.$client.prepare('select data_version as dataVersion, total_changes() as ownChanges from pragma_data_version')
  }

  /** `key` names the query and its arguments; `read` runs the query when the answer is not known. */
  get<T>(key: string, read: () => T): T {
    const now = this.#version.get()!
    if (now.dataVersion !== this.#seen.dataVersion || now.ownChanges !== this.#seen.ownChanges) {
      this.#entries.clear()
      this.#seen = now
    }
    if (this.#entries.has(key)) return this.#entries.get(key) as T
    const value = read()
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear()
    this.#entries.set(key, value)
    return value
  }
}
