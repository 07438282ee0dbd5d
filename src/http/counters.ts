import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'

/** One fixed window of a counter: how many events, and when the window closes. */
export interface CounterWindow {
  count: number
  resetAt: number
}

/**
 * Where rate limits and recent-place counts live. The server's worker processes share one store,
 * so a limit holds for a client however its connections are spread over the workers.
 */
export interface CounterStore {
  /** Counts one event for `key` in `scope`; the first event after a window closed opens the next. */
  increment(scope: string, key: string, windowMs: number, now: number): CounterWindow
  /** The open window of `key`, without counting an event. */
  current(scope: string, key: string, now: number): CounterWindow | null
  /** Notes `member` under `key`; returns how many distinct members were noted within `periodMs`. */
  noteMember(scope: string, key: string, member: string, periodMs: number, now: number): number
}

/** Keys come from requests; a long one is cut rather than stored whole. */
const MAX_KEY_LENGTH = 256
const SWEEP_EVERY_MS = 60_000
/** Members older than this are dropped even when their key is never noted again. */
const MAX_MEMBER_AGE_MS = 24 * 3600 * 1000

/** Counters of one process: tests, and any createApp() caller that passes no store. */
export class MemoryCounters implements CounterStore {
  readonly #windows = new Map<string, CounterWindow>()
  readonly #members = new Map<string, Map<string, number>>()
  #nextSweep = 0

  constructor(private readonly maxKeys = 100_000) {}

  increment(scope: string, key: string, windowMs: number, now: number): CounterWindow {
    this.#sweep(now)
    const id = `${scope}\n${key.slice(0, MAX_KEY_LENGTH)}`
    let window = this.#windows.get(id)
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowMs }
      this.#windows.set(id, window)
    }
    window.count++
    return { ...window }
  }

  current(scope: string, key: string, now: number): CounterWindow | null {
    const window = this.#windows.get(`${scope}\n${key.slice(0, MAX_KEY_LENGTH)}`)
    return window && window.resetAt > now ? { ...window } : null
  }

  noteMember(scope: string, key: string, member: string, periodMs: number, now: number): number {
    const id = `${scope}\n${key.slice(0, MAX_KEY_LENGTH)}`
    let seen = this.#members.get(id)
    if (!seen) {
      if (this.#members.size >= this.maxKeys) this.#members.delete(this.#members.keys().next().value!)
      seen = new Map()
      this.#members.set(id, seen)
    }
    seen.set(member.slice(0, MAX_KEY_LENGTH), now)
    for (const [name, at] of seen) if (at <= now - periodMs) seen.delete(name)
    return seen.size
  }

  #sweep(now: number): void {
    if (now < this.#nextSweep) return
    this.#nextSweep = now + SWEEP_EVERY_MS
    for (const [id, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(id)
  }
}

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
  #nextSweep = 0

  constructor(location: string) {
    if (location !== ':memory:') mkdirSync(dirname(location), { recursive: true })
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
  }

  increment(scope: string, key: string, windowMs: number, now: number): CounterWindow {
    this.#sweep(now)
    return this.#increment.get({ scope, key: key.slice(0, MAX_KEY_LENGTH), now, resetAt: now + windowMs })!
  }

  current(scope: string, key: string, now: number): CounterWindow | null {
    return this.#current.get({ scope, key: key.slice(0, MAX_KEY_LENGTH), now }) ?? null
  }

  noteMember(scope: string, key: string, member: string, periodMs: number, now: number): number {
    this.#sweep(now)
    return this.#noteMember.immediate({ scope, key: key.slice(0, MAX_KEY_LENGTH), member: member.slice(0, MAX_KEY_LENGTH), now, since: now - periodMs })
  }

  close(): void {
    this.#sqlite.close()
  }

  #sweep(now: number): void {
    if (now < this.#nextSweep) return
    this.#nextSweep = now + SWEEP_EVERY_MS
    this.#sweepStatements.windows.run({ now })
    this.#sweepStatements.members.run({ before: now - MAX_MEMBER_AGE_MS })
  }
}

export function countersPath(dataDir: string): string {
  return join(dataDir, 'counters.db')
}
