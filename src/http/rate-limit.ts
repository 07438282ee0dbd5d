import type { CounterStore } from './counters.ts'

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
  consume(key: string, now: number): number | null {
    const window = this.counters.increment(this.name, key, this.windowMs, now)
    return window.count > this.limit ? Math.ceil((window.resetAt - now) / 1000) : null
  }

  /** Whether `key` is already over the limit, without counting an attempt. */
  isBlocked(key: string, now: number): boolean {
    const window = this.counters.current(this.name, key, now)
    return window !== null && window.count >= this.limit
  }
}

export interface RateLimits {
  enabled: boolean
  /** Every household request, per client address. */
  householdPerClient: RateLimiter
  /** Unknown or malformed short codes, per client address. */
  badCodesPerClient: RateLimiter
  /** Look-ups of one short code, from anywhere. */
  lookupsPerCode: RateLimiter
  /** "Is this officer sent to my ID pelanggan?" per client address and per credential. */
  customerChecksPerClient: RateLimiter
  customerChecksPerCredential: RateLimiter
  /** Scam reports filed, per client address (generous: carrier NAT) and per reported token or code (strict). */
  reportsPerClient: RateLimiter
  reportsPerTarget: RateLimiter
  /** Detail updates of one ticket, and tracking keys that did not match, per client address. */
  reportUpdatesPerTicket: RateLimiter
  badTrackingKeysPerClient: RateLimiter
}

export function createRateLimits(enabled: boolean, counters: CounterStore): RateLimits {
  const minute = 60_000
  const limiter = (name: string, limit: number, windowMs: number) => new RateLimiter(name, limit, windowMs, counters)
  return {
    enabled,
    householdPerClient: limiter('householdPerClient', 600, minute),
    badCodesPerClient: limiter('badCodesPerClient', 30, 10 * minute),
    lookupsPerCode: limiter('lookupsPerCode', 120, 10 * minute),
    customerChecksPerClient: limiter('customerChecksPerClient', 30, 10 * minute),
    customerChecksPerCredential: limiter('customerChecksPerCredential', 20, 10 * minute),
    reportsPerClient: limiter('reportsPerClient', 20, 10 * minute),
    reportsPerTarget: limiter('reportsPerTarget', 10, 10 * minute),
    reportUpdatesPerTicket: limiter('reportUpdatesPerTicket', 20, 10 * minute),
    badTrackingKeysPerClient: limiter('badTrackingKeysPerClient', 30, 10 * minute),
  }
}
