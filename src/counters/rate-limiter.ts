import type { CounterStore } from './store.ts'

/**
 * A fixed-window limit over a counter store. Households on Indonesian mobile networks share
 * carrier NAT addresses, so per-address limits are generous and per-target limits (a code, a
 * ticket, a badge) are strict.
 */
export class RateLimiter {
  constructor(
    /** Names this limit's counters in the store. */
    readonly name: string,
    readonly limit: number,
    readonly windowMs: number,
    private readonly counters: CounterStore,
  ) {}

  /** Counts one attempt; returns the seconds to wait when over the limit, else null. */
  async consume(key: string, now: number): Promise<number | null> {
    const window = await this.counters.increment(this.name, key, this.windowMs, now)
    return window.count > this.limit ? Math.ceil((window.resetAt - now) / 1000) : null
  }

  /** Whether `key` is already over the limit, without counting an attempt. */
  async isBlocked(key: string, now: number): Promise<boolean> {
    return (await this.blockedFor(key, now)) !== null
  }

  /** The seconds to wait when `key` is already at the limit, without counting an attempt; else null. */
  async blockedFor(key: string, now: number): Promise<number | null> {
    const window = await this.counters.current(this.name, key, now)
    return window !== null && window.count >= this.limit ? Math.max(1, Math.ceil((window.resetAt - now) / 1000)) : null
  }
}
