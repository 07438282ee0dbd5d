import pg from 'pg'
import { MAX_KEY_LENGTH, MAX_MEMBER_AGE_MS, SWEEP_EVERY_MS, type CounterStore, type CounterWindow } from './store.ts'

/**
 * Counters in the PostgreSQL database every app node uses, so a limit holds for a client however
 * its requests are spread over the nodes. They are throw-away state, as the SQLite file is: the
 * tables are unlogged (no WAL, so no fsync per count and nothing for replicas to replay) and
 * PostgreSQL empties them after a crash, which only resets the limits.
 */
export class PostgresCounters implements CounterStore {
  readonly #pool: pg.Pool
  /** The tables exist; every call waits for this (at once, after the first). */
  readonly ready: Promise<void>
  #nextSweep = 0

  constructor(pool: pg.Pool) {
    this.#pool = pool
    this.ready = createCounterTables(pool)
    // Whoever calls first is told; this only keeps a failure from being reported as unhandled.
    this.ready.catch(() => {})
  }

  async increment(scope: string, key: string, windowMs: number, now: number): Promise<CounterWindow> {
    await this.ready
    this.#sweep(now)
    // One statement: the row lock of `on conflict do update` orders two nodes counting the same
    // key at once, so neither count is lost, and the first count after a window closed opens the next.
    const { rows } = await this.#pool.query<{ count: number; reset_at: string }>(
      `insert into counter_windows (scope, key, count, reset_at) values ($1, $2, 1, $4)
       on conflict (scope, key) do update set
         count = case when counter_windows.reset_at <= $3 then 1 else counter_windows.count + 1 end,
         reset_at = case when counter_windows.reset_at <= $3 then excluded.reset_at else counter_windows.reset_at end
       returning count, reset_at`,
      [scope, storedKey(key), millis(now), millis(now) + millis(windowMs)],
    )
    return windowOf(rows[0]!)
  }

  async current(scope: string, key: string, now: number): Promise<CounterWindow | null> {
    await this.ready
    const { rows } = await this.#pool.query<{ count: number; reset_at: string }>(
      'select count, reset_at from counter_windows where scope = $1 and key = $2 and reset_at > $3',
      [scope, storedKey(key), millis(now)],
    )
    return rows[0] ? windowOf(rows[0]) : null
  }

  async noteMember(scope: string, key: string, member: string, periodMs: number, now: number): Promise<number> {
    await this.ready
    this.#sweep(now)
    // One round trip. The outer select sees the table as it was before the insert (a data-modifying
    // CTE's rows are invisible to its own statement), so it counts the other members and adds this one.
    // Members older than the period are left to the sweep: deleting them here, from two nodes at
    // once, could make the two statements wait on each other's rows.
    const { rows } = await this.#pool.query<{ members: number }>(
      `with noted as (
         insert into counter_members (scope, key, member, seen_at) values ($1, $2, $3, $4)
         on conflict (scope, key, member) do update set seen_at = greatest(counter_members.seen_at, excluded.seen_at)
       )
       select 1 + count(*)::int as members from counter_members
       where scope = $1 and key = $2 and member <> $3 and seen_at > $5`,
      [scope, storedKey(key), storedKey(member), millis(now), millis(now) - millis(periodMs)],
    )
    return rows[0]!.members
  }

  /**
   * Drops closed windows and old members, at most once a minute per node. It runs beside the
   * request that triggered it, never in its way: a sweep that fails is logged and tried next minute.
   */
  #sweep(now: number): void {
    if (now < this.#nextSweep) return
    this.#nextSweep = now + SWEEP_EVERY_MS
    this.#pool
      .query(
        `with windows as (delete from counter_windows where reset_at <= $1)
         delete from counter_members where seen_at <= $2`,
        [millis(now), millis(now) - MAX_MEMBER_AGE_MS],
      )
      .catch((error: unknown) => console.error('Expired rate-limit counters could not be swept:', error))
  }
}

/** Counters on `pool`, once their tables exist. */
export async function postgresCounters(pool: pg.Pool): Promise<PostgresCounters> {
  const counters = new PostgresCounters(pool)
  await counters.ready
  return counters
}

async function createCounterTables(pool: pg.Pool): Promise<void> {
  // Several nodes may start at once, and two concurrent `create table if not exists` of one table
  // can both try to create it: the advisory lock lets one node at a time in. The statements run
  // as one implicit transaction, which holds the lock to its end.
  await pool.query(`
    select pg_advisory_xact_lock(hashtext('cek-petugas counter tables'));
    create unlogged table if not exists counter_windows (
      scope text not null, key text not null, count integer not null, reset_at bigint not null,
      primary key (scope, key)
    );
    create index if not exists counter_windows_reset_at on counter_windows (reset_at);
    create unlogged table if not exists counter_members (
      scope text not null, key text not null, member text not null, seen_at bigint not null,
      primary key (scope, key, member)
    );
    create index if not exists counter_members_seen_at on counter_members (seen_at);
  `)
}

/**
 * Keys come from requests: a long one is cut as the other stores cut it. PostgreSQL text cannot
 * hold NUL, which SQLite stores, so NUL becomes U+FFFD rather than failing the request.
 */
function storedKey(key: string): string {
  return key.slice(0, MAX_KEY_LENGTH).replaceAll('\u0000', '\uFFFD')
}

/** Times are whole milliseconds in bigint columns. */
function millis(value: number): number {
  return Math.floor(value)
}

/** node-postgres returns bigint as a string (it may exceed 2^53); ours are milliseconds since 1970. */
function windowOf(row: { count: number; reset_at: string }): CounterWindow {
  return { count: row.count, resetAt: Number(row.reset_at) }
}
