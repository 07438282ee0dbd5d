import { createHmac, timingSafeEqual } from 'node:crypto'
import type { CounterStore } from '../http/counters.ts'
import { RateLimiter } from '../http/rate-limit.ts'
import { secureRandomBytes } from '../credentials/random.ts'

const MINUTE = 60_000

/**
 * Login throttling after OWASP's "device cookies" scheme: guesses against one account from
 * unknown devices lock it for unknown devices only, so an attacker cannot lock a real officer
 * out — the officer's own phone carries a device cookie from an earlier successful login.
 */
export class LoginThrottle {
  readonly perClient: RateLimiter
  readonly perAccountUntrusted: RateLimiter
  readonly perDevice: RateLimiter

  constructor(
    private readonly deviceKey: Buffer,
    private readonly enabled: boolean,
    counters: CounterStore,
  ) {
    this.perClient = new RateLimiter('loginsPerClient', 30, 15 * MINUTE, counters)
    this.perAccountUntrusted = new RateLimiter('loginFailuresPerAccount', 10, 15 * MINUTE, counters)
    this.perDevice = new RateLimiter('loginFailuresPerDevice', 10, 15 * MINUTE, counters)
  }

  /** Seconds to wait before this attempt may be checked at all, or null. */
  blockedFor(input: { clientKey: string; username: string; deviceCookie: string | null }, now: number): number | null {
    if (!this.enabled) return null
    const clientWait = this.perClient.consume(input.clientKey, now)
    if (clientWait) return clientWait
    const device = this.#trustedDevice(input.deviceCookie, input.username)
    if (device) return this.perDevice.isBlocked(device, now) ? 15 * 60 : null
    return this.perAccountUntrusted.isBlocked(input.username, now) ? 15 * 60 : null
  }

  recordFailure(input: { username: string; deviceCookie: string | null }, now: number): void {
    if (!this.enabled) return
    const device = this.#trustedDevice(input.deviceCookie, input.username)
    if (device) this.perDevice.consume(device, now)
    else this.perAccountUntrusted.consume(input.username, now)
  }

  /** A cookie value binding this device to this username. */
  issueDeviceCookie(username: string): string {
    const nonce = secureRandomBytes(12).toString('base64url')
    return `${nonce}.${this.#sign(username, nonce)}`
  }

  #trustedDevice(cookie: string | null, username: string): string | null {
    if (!cookie || cookie.length > 200) return null
    const [nonce, signature] = cookie.split('.')
    if (!nonce || !signature) return null
    const expected = Buffer.from(this.#sign(username, nonce))
    const given = Buffer.from(signature)
    return expected.length === given.length && timingSafeEqual(expected, given) ? `${username}:${nonce}` : null
  }

  #sign(username: string, nonce: string): string {
    return createHmac('sha256', this.deviceKey).update(`${username}\n${nonce}`).digest('base64url')
  }
}
