import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryCounters } from '../src/counters/memory.ts'
import { SqliteCounters, type CounterStore } from '../src/counters/store.ts'
import { RateLimiter } from '../src/counters/rate-limiter.ts'
import { tempDir } from './helpers.ts'

const MINUTE = 60_000
const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

/** Two handles on one store, as two server processes see it; the in-memory store has only one. */
function givenStores(kind: 'memory' | 'sqlite'): [CounterStore, CounterStore] {
  if (kind === 'memory') {
    const store = new MemoryCounters()
    return [store, store]
  }
  const dir = tempDir('counters')
  const path = `${dir.path}/counters.db`
  const first = new SqliteCounters(path)
  const second = new SqliteCounters(path)
  cleanups.push(() => dir.remove(), () => first.close(), () => second.close())
  return [first, second]
}

describe.each(['memory', 'sqlite'] as const)('%s counters', (kind) => {
  it('count one window across every handle, then start over when it has closed', async () => {
    const [a, b] = givenStores(kind)
    const limitA = new RateLimiter('lookups', 3, 10 * MINUTE, a)
    const limitB = new RateLimiter('lookups', 3, 10 * MINUTE, b)
    expect(await limitA.consume('client-1', 0)).toBeNull()
    expect(await limitB.consume('client-1', 1000)).toBeNull()
    expect(await limitA.isBlocked('client-1', 1000)).toBe(false)
    expect(await limitB.consume('client-1', 2000)).toBeNull()
    expect(await limitA.isBlocked('client-1', 2000)).toBe(true)
    // The fourth attempt waits for the window opened at 0 to close: 598 s later.
    expect(await limitA.consume('client-1', 2000)).toBe(598)
    expect(await limitB.consume('client-2', 2000)).toBeNull()
    expect(await new RateLimiter('other limit', 3, 10 * MINUTE, b).consume('client-1', 2000)).toBeNull()

    expect(await limitB.isBlocked('client-1', 10 * MINUTE)).toBe(false)
    expect(await limitB.consume('client-1', 10 * MINUTE)).toBeNull()
    expect(await a.current('lookups', 'client-1', 10 * MINUTE)).toEqual({ count: 1, resetAt: 20 * MINUTE })
  })

  it('count distinct members within the period, forgetting older ones', async () => {
    const [a, b] = givenStores(kind)
    expect(await a.noteMember('places', 'pass-1', '10.0.1', 60 * MINUTE, 0)).toBe(1)
    expect(await b.noteMember('places', 'pass-1', '10.0.2', 60 * MINUTE, MINUTE)).toBe(2)
    expect(await a.noteMember('places', 'pass-1', '10.0.1', 60 * MINUTE, 2 * MINUTE)).toBe(2)
    expect(await b.noteMember('places', 'pass-2', '10.0.3', 60 * MINUTE, 2 * MINUTE)).toBe(1)
    // 10.0.2 was last seen at 1 min; by 62 min only 10.0.1 (seen at 2 min) and the newcomer count.
    expect(await a.noteMember('places', 'pass-1', '10.0.4', 60 * MINUTE, 61.5 * MINUTE)).toBe(2)
  })

  it('treat an oversized key as its first 256 characters instead of storing it whole', async () => {
    const [a, b] = givenStores(kind)
    const long = 'x'.repeat(10_000)
    await a.increment('keys', long, MINUTE, 0)
    expect(await b.current('keys', `${long}different tail`, 0)).toEqual({ count: 1, resetAt: MINUTE })
  })
})

describe('sqlite counters while another process holds the write lock', () => {
  function givenLockedStore() {
    const dir = tempDir('counters-locked')
    const path = `${dir.path}/counters.db`
    const store = new SqliteCounters(path)
    const other = new SqliteCounters(path)
    const lock = new Database(path)
    cleanups.push(() => dir.remove(), () => store.close(), () => other.close(), () => lock.close())
    // Another worker (or the CLI) in the middle of a write transaction on the same file.
    lock.exec('begin immediate')
    lock.prepare("insert into counter_windows (scope, key, count, reset_at) values ('other', 'x', 1, 1)").run()
    return { store, other, release: () => lock.exec('commit') }
  }

  it('counts an event at once instead of waiting for the lock, and writes it once the lock is free', async () => {
    const { store, other, release } = givenLockedStore()
    const limit = new RateLimiter('badCodes', 2, 10 * MINUTE, store)
    // Calls that answer at once, without SQLITE_BUSY, while the lock is still held.
    expect(await limit.consume('client-1', 0)).toBeNull()
    expect(await limit.consume('client-1', 1000)).toBeNull()
    expect(await limit.consume('client-1', 2000)).toBe(598)
    expect(await store.current('badCodes', 'client-1', 2000)).toEqual({ count: 3, resetAt: 10 * MINUTE })
    expect(await store.noteMember('places', 'pass-1', '10.0.1', 60 * MINUTE, 2000)).toBe(1)
    expect(store.flushPending()).toBe(false)
    expect(await other.current('badCodes', 'client-1', 2000)).toBeNull()

    release()
    expect(store.flushPending()).toBe(true)
    expect(await other.current('badCodes', 'client-1', 2000)).toEqual({ count: 3, resetAt: 10 * MINUTE })
    expect(await other.noteMember('places', 'pass-1', '10.0.2', 60 * MINUTE, 3000)).toBe(2)
    // Nothing is counted twice once the pending events are written.
    expect(await store.current('badCodes', 'client-1', 3000)).toEqual({ count: 3, resetAt: 10 * MINUTE })
    expect(await limit.consume('client-1', 3000)).toBe(597)
    expect(await other.current('badCodes', 'client-1', 3000)).toEqual({ count: 4, resetAt: 10 * MINUTE })
  })
})
