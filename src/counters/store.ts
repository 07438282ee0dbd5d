import { join } from 'node:path'
import Database from 'better-sqlite3'
import { preparePrivateDatabaseFile } from '../../db/private-files.ts'

/** One fixed window of a counter: how many events, and when the window closes. */
export interface CounterWindow {
  count: number
  resetAt: number
}

/**
 * Where rate limits and recent-place counts live. The server's worker processes (and, on
 * PostgreSQL, its nodes) share one store, so a limit holds for a client however its connections
 * are spread over them. Asynchronous because a shared store may be across the network.
 */
export interface CounterStore {
  /** Counts one event for `key` in `scope`; the first event after a window closed opens the next. */
  increment(scope: string, key: string, windowMs: number, now: number): Promise<CounterWindow>
  /** The open window of `key`, without counting an event. */
  current(scope: string, key: string, now: number): Promise<CounterWindow | null>
  /** Notes `member` under `key`; returns how many distinct members were noted within `periodMs`. */
  noteMember(scope: string, key: string, member: string, periodMs: number, now: number): Promise<number>
}

/** Keys come from requests; a long one is cut rather than stored whole. */
export const MAX_KEY_LENGTH = 256
export const SWEEP_EVERY_MS = 60_000
/** Members older than this are dropped even when their key is never noted again. */
export const MAX_MEMBER_AGE_MS = 24 * 3600 * 1000

/**
 * Counters in their own SQLite file next to the database, shared by every process on the data
 * directory. They are throw-away state — deleting the file only resets the limits — so the file
 * is written without fsync and never competes with the database's writers for its lock.
 */
export class SqliteCounters implements CounterStore {
  readonly #sqlite: Database.Database
  readonly #increment
  readonly #current
  readonly #noteMember
  readonly #sweepStatements
  readonly #later
  /** Events counted while another process held the write lock, by scope and key. */
  readonly #pending = new Map<string, PendingWindow>()
  readonly #pendingMembers: PendingMember[] = []
  #flushTimer: NodeJS.Timeout | null = null
  #nextSweep = 0

  constructor(location: string) {
    if (location !== ':memory:') preparePrivateDatabaseFile(location)
    this.#sqlite = new Database(location)
    this.#sqlite.pragma('journal_mode = WAL')
    this.#sqlite.pragma('synchronous = OFF')
    this.#sqlite.pragma('busy_timeout = 5000')
    this.#sqlite.exec(`
      create table if not exists counter_windows (
        scope text not null, key text not null, count integer not null, reset_at integer not null,
        primary key (scope, key)
      ) without rowid;
      create table if not exists counter_members (
        scope text not null, key text not null, member text not null, seen_at integer not null,
        primary key (scope, key, member)
      ) without rowid;
    `)
    this.#increment = this.#sqlite.prepare<{ scope: string; key: string; now: number; resetAt: number }, { count: number; resetAt: number }>(`
      insert into counter_windows (scope, key, count, reset_at) values (:scope, :key, 1, :resetAt)
      on conflict (scope, key) do update set
        count = case when reset_at <= :now then 1 else count + 1 end,
        reset_at = case when reset_at <= :now then excluded.reset_at else reset_at end
      returning count, reset_at as resetAt`)
    this.#current = this.#sqlite.prepare<{ scope: string; key: string; now: number }, { count: number; resetAt: number }>(
      'select count, reset_at as resetAt from counter_windows where scope = :scope and key = :key and reset_at > :now',
    )
    const note = this.#sqlite.prepare<{ scope: string; key: string; member: string; now: number }>(`
      insert into counter_members (scope, key, member, seen_at) values (:scope, :key, :member, :now)
      on conflict (scope, key, member) do update set seen_at = excluded.seen_at`)
    const forget = this.#sqlite.prepare<{ scope: string; key: string; since: number }>('delete from counter_members where scope = :scope and key = :key and seen_at <= :since')
    const count = this.#sqlite.prepare<{ scope: string; key: string }, { members: number }>('select count(*) as members from counter_members where scope = :scope and key = :key')
    this.#noteMember = this.#sqlite.transaction((params: { scope: string; key: string; member: string; now: number; since: number }) => {
      note.run({ scope: params.scope, key: params.key, member: params.member, now: params.now })
      forget.run({ scope: params.scope, key: params.key, since: params.since })
      return count.get({ scope: params.scope, key: params.key })!.members
    })
    this.#sweepStatements = {
      windows: this.#sqlite.prepare<{ now: number }>('delete from counter_windows where reset_at <= :now'),
      members: this.#sqlite.prepare<{ before: number }>('delete from counter_members where seen_at <= :before'),
    }
    this.#later = {
      add: this.#sqlite.prepare<{ scope: string; key: string; n: number; now: number; resetAt: number }>(`
        insert into counter_windows (scope, key, count, reset_at) values (:scope, :key, :n, :resetAt)
        on conflict (scope, key) do update set
          count = case when reset_at <= :now then :n else count + :n end,
          reset_at = case when reset_at <= :now then excluded.reset_at else reset_at end`),
      members: this.#sqlite.prepare<{ scope: string; key: string; since: number }, { members: number }>(
        'select count(*) as members from counter_members where scope = :scope and key = :key and seen_at > :since',
      ),
      seen: this.#sqlite.prepare<{ scope: string; key: string; member: string; since: number }, { found: number }>(
        'select 1 as found from counter_members where scope = :scope and key = :key and member = :member and seen_at > :since',
      ),
    }
    // Waiting for the lock stalls the whole event loop (better-sqlite3 is synchronous), and this
    // store sits on every household request: from here on a busy file never waits (see #countLater).
    this.#sqlite.pragma('busy_timeout = 0')
  }

  // The SQLite file is local and better-sqlite3 synchronous: these answer at once, wrapped in a
  // promise for the interface (and a thrown error becomes a rejection).
  async increment(scope: string, key: string, windowMs: number, now: number): Promise<CounterWindow> {
    return this.#incrementNow(scope, key, windowMs, now)
  }

  async current(scope: string, key: string, now: number): Promise<CounterWindow | null> {
    return this.#currentNow(scope, key, now)
  }

  async noteMember(scope: string, key: string, member: string, periodMs: number, now: number): Promise<number> {
    return this.#noteMemberNow(scope, key, member, periodMs, now)
  }

  #incrementNow(scope: string, key: string, windowMs: number, now: number): CounterWindow {
    this.#sweep(now)
    key = key.slice(0, MAX_KEY_LENGTH)
    const pending = this.#pending.get(`${scope}\n${key}`)
    try {
      const stored = this.#increment.get({ scope, key, now, resetAt: now + windowMs })!
      return pending ? { count: stored.count + pending.count, resetAt: stored.resetAt } : stored
    } catch (error) {
      if (!isBusy(error)) throw error
    }
    return this.#countLater(scope, key, windowMs, now)
  }

  #currentNow(scope: string, key: string, now: number): CounterWindow | null {
    key = key.slice(0, MAX_KEY_LENGTH)
    const pending = this.#pending.get(`${scope}\n${key}`)
    let stored: CounterWindow | null = null
    try {
      stored = this.#current.get({ scope, key, now }) ?? null
    } catch (error) {
      if (!isBusy(error)) throw error
    }
    if (!pending) return stored
    return { count: (stored?.count ?? 0) + pending.count, resetAt: stored?.resetAt ?? pending.firstAt + pending.windowMs }
  }

  #noteMemberNow(scope: string, key: string, member: string, periodMs: number, now: number): number {
    this.#sweep(now)
    const params = { scope, key: key.slice(0, MAX_KEY_LENGTH), member: member.slice(0, MAX_KEY_LENGTH), now, since: now - periodMs }
    try {
      return this.#noteMember.immediate(params)
    } catch (error) {
      if (!isBusy(error)) throw error
    }
    this.#pendingMembers.push(params)
    this.#scheduleFlush()
    try {
      const counted = this.#later.members.get(params)!.members
      return counted + (this.#later.seen.get(params) ? 0 : 1)
    } catch (error) {
      if (!isBusy(error)) throw error
      return 1
    }
  }

  /**
   * Writes the events counted while the file was locked; false when it is still locked. Called
   * by a timer until it succeeds, and by close().
   */
  flushPending(): boolean {
    if (this.#pending.size === 0 && this.#pendingMembers.length === 0) return true
    const windows = [...this.#pending.values()]
    const members = [...this.#pendingMembers]
    try {
      this.#sqlite
        .transaction(() => {
          for (const window of windows) {
            this.#later.add.run({ scope: window.scope, key: window.key, n: window.count, now: window.firstAt, resetAt: window.firstAt + window.windowMs })
          }
          for (const params of members) this.#noteMember(params)
        })
        .immediate()
    } catch (error) {
      if (!isBusy(error)) throw error
      return false
    }
    this.#pending.clear()
    this.#pendingMembers.splice(0, members.length)
    return true
  }

  close(): void {
    clearTimeout(this.#flushTimer ?? undefined)
    this.flushPending()
    this.#sqlite.close()
  }

  /**
   * Another process holds the file's write lock: the event is kept here and written shortly,
   * and this answer counts it on top of what the file holds. Counting fails open only if this
   * process ends before the lock is free, losing a few events of a throw-away limit; a limit
   * briefly undercounted beats a household's request frozen behind a lock.
   */
  #countLater(scope: string, key: string, windowMs: number, now: number): CounterWindow {
    const id = `${scope}\n${key}`
    const pending = this.#pending.get(id) ?? { scope, key, count: 0, windowMs, firstAt: now }
    pending.count++
    this.#pending.set(id, pending)
    this.#scheduleFlush()
    let stored: CounterWindow | null = null
    try {
      stored = this.#current.get({ scope, key, now }) ?? null
    } catch (error) {
      if (!isBusy(error)) throw error
    }
    return { count: (stored?.count ?? 0) + pending.count, resetAt: stored?.resetAt ?? pending.firstAt + windowMs }
  }

  #scheduleFlush(): void {
    if (this.#flushTimer) return
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = null
      try {
        if (!this.flushPending()) this.#scheduleFlush()
      } catch (error) {
        console.error('Rate-limit counters could not be written; the pending counts are dropped:', error)
        this.#pending.clear()
        this.#pendingMembers.length = 0
      }
    }, FLUSH_RETRY_MS)
    this.#flushTimer.unref()
  }

  #sweep(now: number): void {
    if (now < this.#nextSweep) return
    this.#nextSweep = now + SWEEP_EVERY_MS
    try {
      this.#sweepStatements.windows.run({ now })
      this.#sweepStatements.members.run({ before: now - MAX_MEMBER_AGE_MS })
    } catch (error) {
      if (!isBusy(error)) throw error
      // Another process is writing; sweeping can wait for the next minute.
    }
  }
}

interface PendingWindow {
  scope: string
  key: string
  count: number
  windowMs: number
  firstAt: number
}

interface PendingMember {
  scope: string
  key: string
  member: string
  now: number
  since: number
}

/** How soon counts kept while the file was locked are written again. */
const FLUSH_RETRY_MS = 20

function isBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY')
}

export function countersPath(dataDir: string): string {
  return join(dataDir, 'counters.db')
}
