/**
 * Fixed-window counters kept in memory. Households on Indonesian mobile networks share carrier
 * NAT addresses, so per-address limits are generous and per-target limits (a code, a ticket, a
 * badge) are strict.
 */
export class RateLimiter {
  readonly #windows = new Map<string, { count: number; resetAt: number }>()
  #nextSweep = 0

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Counts one attempt; returns the seconds to wait when over the limit, else null. */
  consume(key: string, now: number): number | null {
    this.#sweep(now)
    let window = this.#windows.get(key)
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + this.windowMs }
      this.#windows.set(key, window)
    }
    window.count++
    return window.count > this.limit ? Math.ceil((window.resetAt - now) / 1000) : null
  }

  /** Whether `key` is already over the limit, without counting an attempt. */
  isBlocked(key: string, now: number): boolean {
    const window = this.#windows.get(key)
    return window !== undefined && window.resetAt > now && window.count >= this.limit
  }

  #sweep(now: number): void {
    if (now < this.#nextSweep) return
    this.#nextSweep = now + this.windowMs
    for (const [key, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(key)
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

export function createRateLimits(enabled: boolean): RateLimits {
  const minute = 60_000
  return {
    enabled,
    householdPerClient: new RateLimiter(600, minute),
    badCodesPerClient: new RateLimiter(30, 10 * minute),
    lookupsPerCode: new RateLimiter(120, 10 * minute),
    customerChecksPerClient: new RateLimiter(30, 10 * minute),
    customerChecksPerCredential: new RateLimiter(20, 10 * minute),
    reportsPerClient: new RateLimiter(20, 10 * minute),
    reportsPerTarget: new RateLimiter(10, 10 * minute),
    reportUpdatesPerTicket: new RateLimiter(20, 10 * minute),
    badTrackingKeysPerClient: new RateLimiter(30, 10 * minute),
  }
}
