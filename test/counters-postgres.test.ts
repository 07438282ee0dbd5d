import pg from 'pg'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { PostgresCounters, postgresCounters } from '../src/counters/postgres.ts'
import { RateLimiter } from '../src/counters/rate-limiter.ts'
import { MAX_KEY_LENGTH, SWEEP_EVERY_MS } from '../src/counters/store.ts'
import { createScratchDatabase } from './support/postgres.ts'

const MINUTE = 60_000
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function givenPool(url: string, max = 5): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max })
  cleanups.push(() => pool.end())
  return pool
}

/** Two app nodes on one fresh database, each with its own pool, as two servers would be. */
async function givenTwoNodes() {
  const url = await createScratchDatabase(inject('postgresUrl'), 'counters')
  const [poolA, poolB] = [await givenPool(url), await givenPool(url)]
  // Both nodes start at once: neither may fail to create the tables the other is creating.
  const [a, b] = await Promise.all([postgresCounters(poolA), postgresCounters(poolB)])
  return { url, a, b, inspect: poolB }
}

describe('PostgreSQL counters shared by two app nodes', () => {
  it('hold one limit across both nodes: three attempts on each, and the sixth is refused on either', async () => {
    const { a, b } = await givenTwoNodes()
    const onA = new RateLimiter('badCodes', 5, 10 * MINUTE, a)
    const onB = new RateLimiter('badCodes', 5, 10 * MINUTE, b)
    expect(await onA.consume('client-1', 0)).toBeNull()
    expect(await onA.consume('client-1', 1000)).toBeNull()
    expect(await onA.consume('client-1', 2000)).toBeNull()
    expect(await onB.consume('client-1', 3000)).toBeNull()
    expect(await onB.isBlocked('client-1', 3000)).toBe(false)
    expect(await onB.consume('client-1', 4000)).toBeNull()
    expect(await onA.isBlocked('client-1', 4000)).toBe(true)
    // The sixth waits for the window opened at 0 on node A to close: 595 s later.
    expect(await onB.consume('client-1', 5000)).toBe(595)
    expect(await onA.consume('client-1', 5000)).toBe(595)
    expect(await onA.blockedFor('client-1', 5000)).toBe(595)
    expect(await onB.blockedFor('client-1', 5000)).toBe(595)
    // Another client, and another limit on the same client, are counted apart.
    expect(await onB.consume('client-2', 5000)).toBeNull()
    expect(await new RateLimiter('reports', 5, 10 * MINUTE, a).consume('client-1', 5000)).toBeNull()
  })

  it('open a new window once the period has passed, on whichever node counts first', async () => {
    const { a, b } = await givenTwoNodes()
    const onA = new RateLimiter('lookups', 2, 10 * MINUTE, a)
    const onB = new RateLimiter('lookups', 2, 10 * MINUTE, b)
    expect(await onA.consume('agent-1', 0)).toBeNull()
    expect(await onB.consume('agent-1', MINUTE)).toBeNull()
    expect(await onA.consume('agent-1', 10 * MINUTE - 1)).toBe(1)
    expect(await b.current('lookups', 'agent-1', 10 * MINUTE - 1)).toEqual({ count: 3, resetAt: 10 * MINUTE })

    expect(await a.current('lookups', 'agent-1', 10 * MINUTE)).toBeNull()
    expect(await onB.isBlocked('agent-1', 10 * MINUTE)).toBe(false)
    expect(await onB.consume('agent-1', 10 * MINUTE)).toBeNull()
    expect(await a.current('lookups', 'agent-1', 10 * MINUTE)).toEqual({ count: 1, resetAt: 20 * MINUTE })
  })

  it('lose no count when both nodes count the same key at once: 200 concurrent increments count 200', async () => {
    const { a, b } = await givenTwoNodes()
    const counts = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).increment('householdPerClient', 'carrier-nat', MINUTE, 1000)),
    )
    // Every increment saw its own count: no two read the same row and wrote the same number.
    expect(counts.map((window) => window.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
    expect(new Set(counts.map((window) => window.resetAt))).toEqual(new Set([MINUTE + 1000]))
    expect(await b.current('householdPerClient', 'carrier-nat', 1000)).toEqual({ count: 200, resetAt: MINUTE + 1000 })
  })

  it('count distinct members noted on either node within the period, forgetting older ones', async () => {
    const { a, b } = await givenTwoNodes()
    expect(await a.noteMember('places', 'pass-1', '10.0.1', 60 * MINUTE, 0)).toBe(1)
    expect(await b.noteMember('places', 'pass-1', '10.0.2', 60 * MINUTE, MINUTE)).toBe(2)
    expect(await a.noteMember('places', 'pass-1', '10.0.1', 60 * MINUTE, 2 * MINUTE)).toBe(2)
    expect(await b.noteMember('places', 'pass-2', '10.0.3', 60 * MINUTE, 2 * MINUTE)).toBe(1)
    // 10.0.2 was last seen at 1 min; by 61.5 min only 10.0.1 (seen at 2 min) and the newcomer count.
    expect(await b.noteMember('places', 'pass-1', '10.0.4', 60 * MINUTE, 61.5 * MINUTE)).toBe(2)
    expect(await a.noteMember('places', 'pass-1', '10.0.2', 60 * MINUTE, 63 * MINUTE)).toBe(2)
  })

  it('count a place noted on both nodes at once as one', async () => {
    const { a, b } = await givenTwoNodes()
    const [onA, onB] = await Promise.all([a.noteMember('places', 'pass-1', '10.0.1', 60 * MINUTE, 0), b.noteMember('places', 'pass-1', '10.0.1', 60 * MINUTE, 0)])
    expect([onA, onB]).toEqual([1, 1])
    expect(await b.noteMember('places', 'pass-1', '10.0.2', 60 * MINUTE, MINUTE)).toBe(2)
  })

  it('treat an oversized key as its first 256 characters, as the SQLite store does', async () => {
    const { a, b } = await givenTwoNodes()
    const long = 'x'.repeat(10_000)
    await a.increment('keys', long, MINUTE, 0)
    expect(await b.current('keys', `${long}different tail`, 0)).toEqual({ count: 1, resetAt: MINUTE })
    expect(await b.current('keys', 'x'.repeat(MAX_KEY_LENGTH), 0)).toEqual({ count: 1, resetAt: MINUTE })
    expect(await b.current('keys', 'x'.repeat(MAX_KEY_LENGTH - 1), 0)).toBeNull()
    expect(await a.noteMember('places', long, `${long}a`, MINUTE, 0)).toBe(1)
    expect(await b.noteMember('places', `${long}b`, `${long}b`, MINUTE, 0)).toBe(1)
  })

  it('count a key with a NUL character (from a decoded URL) instead of failing the request', async () => {
    const { a, b } = await givenTwoNodes()
    const limit = new RateLimiter('badTrackingKeysPerTicket', 1, MINUTE, a)
    expect(await limit.consume('LPR-\u0000', 0)).toBeNull()
    expect(await limit.consume('LPR-\u0000', 1)).toBe(60)
    expect(await b.noteMember('places', 'pass-\u0000', '10.0.\u0000', MINUTE, 0)).toBe(1)
  })

  it('keep the counters in unlogged tables and sweep closed windows at most once a minute', async () => {
    const { url, inspect } = await givenTwoNodes()
    // One connection: the sweep, sent beside a request rather than before it, is then done before
    // that request's own count, so the test sees it without waiting on a timer.
    const node = await postgresCounters(await givenPool(url, 1))
    const tables = await inspect.query<{ relname: string; relpersistence: string }>(
      "select relname, relpersistence from pg_class where relname in ('counter_windows', 'counter_members') order by relname",
    )
    expect(tables.rows).toEqual([
      { relname: 'counter_members', relpersistence: 'u' },
      { relname: 'counter_windows', relpersistence: 'u' },
    ])
    const rows = async () => Number((await inspect.query<{ n: string }>('select count(*) as n from counter_windows')).rows[0]!.n)
    await node.increment('short', 'client-1', 1000, 0)
    await node.increment('short', 'client-2', 1000, 0)
    // Both windows closed at 1 s, but this node swept at 0 and waits a minute for the next sweep.
    await node.increment('short', 'client-3', 1000, 2000)
    expect(await rows()).toBe(3)
    await node.increment('short', 'client-4', 1000, SWEEP_EVERY_MS)
    expect(await rows()).toBe(1)
    expect(await node.current('short', 'client-4', SWEEP_EVERY_MS)).toEqual({ count: 1, resetAt: SWEEP_EVERY_MS + 1000 })
  })
})

describe('PostgresCounters before its tables exist', () => {
  it('waits for them on the first call when constructed directly', async () => {
    const url = await createScratchDatabase(inject('postgresUrl'), 'counters')
    const counters = new PostgresCounters(await givenPool(url))
    expect(await counters.increment('lookups', 'agent-1', MINUTE, 0)).toEqual({ count: 1, resetAt: MINUTE })
  })
})
