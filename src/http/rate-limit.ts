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
    return this.blockedFor(key, now) !== null
  }

  /** The seconds to wait when `key` is already at the limit, without counting an attempt; else null. */
  blockedFor(key: string, now: number): number | null {
    const window = this.counters.current(this.name, key, now)
    return window !== null && window.count >= this.limit ? Math.max(1, Math.ceil((window.resetAt - now) / 1000)) : null
  }
}

/**
 * The limits of the app. A request that presents a genuine credential (an existing short code,
 * the right tracking key of a ticket, a valid pass) is never refused because of failures counted
 * for its address or because others used the same code: only failures (unknown codes, wrong
 * keys, customer IDs that did not match) are limited, per address and per target. Besides them,
 * one flood limit per address bounds the work anyone can ask for.
 */
export interface RateLimits {
  enabled: boolean
  /** Every household request, per client address: a flood bound, not a judgement of the request. */
  householdPerClient: RateLimiter
  /** Unknown or malformed short codes, per client address. */
  badCodesPerClient: RateLimiter
  /** "Is this officer sent to my ID pelanggan?" answered no, per client and credential (strict) and per credential (from anywhere). */
  customerMismatchesPerClientAndCredential: RateLimiter
  customerMismatchesPerCredential: RateLimiter
  /** Scam reports filed: per client address (generous: carrier NAT), per client and reported token or code (strict), per reported token or code from anywhere. */
  reportsPerClient: RateLimiter
  reportsPerClientAndTarget: RateLimiter
  reportsPerTarget: RateLimiter
  /** Detail updates of one ticket, by the holder of its key. */
  reportUpdatesPerTicket: RateLimiter
  /** Tracking keys that did not match, per client address and per ticket. */
  badTrackingKeysPerClient: RateLimiter
  badTrackingKeysPerTicket: RateLimiter
}

export function createRateLimits(enabled: boolean, counters: CounterStore): RateLimits {
  const minute = 60_000
  const limiter = (name: string, limit: number, windowMs: number) => new RateLimiter(name, limit, windowMs, counters)
  return {
    enabled,
    householdPerClient: limiter('householdPerClient', 600, minute),
    badCodesPerClient: limiter('badCodesPerClient', 30, 10 * minute),
    customerMismatchesPerClientAndCredential: limiter('customerMismatchesPerClientAndCredential', 20, 10 * minute),
    customerMismatchesPerCredential: limiter('customerMismatchesPerCredential', 200, 10 * minute),
    reportsPerClient: limiter('reportsPerClient', 200, 10 * minute),
    reportsPerClientAndTarget: limiter('reportsPerClientAndTarget', 10, 10 * minute),
    reportsPerTarget: limiter('reportsPerTarget', 100, 10 * minute),
    reportUpdatesPerTicket: limiter('reportUpdatesPerTicket', 20, 10 * minute),
    badTrackingKeysPerClient: limiter('badTrackingKeysPerClient', 30, 10 * minute),
    badTrackingKeysPerTicket: limiter('badTrackingKeysPerTicket', 10, 10 * minute),
  }
}
