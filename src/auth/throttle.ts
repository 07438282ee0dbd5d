import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { CounterStore } from '../counters/store.ts'
import { RateLimiter } from '../counters/rate-limiter.ts'

const MINUTE = 60_000
const LOCK_SECONDS = 15 * 60

/**
 * Login throttling after OWASP's "device cookies" scheme: a device that signed in to an account
 * before carries a cookie binding it to that account, and is judged only by its own failures.
 * Guesses from its address or against its account lock out unknown devices only, so an attacker
 * cannot lock a real officer out of their own phone.
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
  async blockedFor(input: { clientKey: string; username: string; deviceCookie: string | null }, now: number): Promise<number | null> {
    if (!this.enabled) return null
    const device = this.#trustedDevice(input.deviceCookie, input.username)
    if (device) return (await this.perDevice.isBlocked(device, now)) ? LOCK_SECONDS : null
    const clientWait = await this.perClient.consume(input.clientKey, now)
    if (clientWait) return clientWait
    return (await this.perAccountUntrusted.isBlocked(this.#accountKey(input.username), now)) ? LOCK_SECONDS : null
  }

  async recordFailure(input: { username: string; deviceCookie: string | null }, now: number): Promise<void> {
    if (!this.enabled) return
    const device = this.#trustedDevice(input.deviceCookie, input.username)
    if (device) await this.perDevice.consume(device, now)
    else await this.perAccountUntrusted.consume(this.#accountKey(input.username), now)
  }

  /** A cookie value binding this device to this username. */
  issueDeviceCookie(username: string): string {
    const nonce = randomBytes(12).toString('base64url')
    return `${nonce}.${this.#sign(username, nonce)}`
  }

  /** The counter key of a device cookie that is valid for this username, or null. */
  #trustedDevice(cookie: string | null, username: string): string | null {
    if (!cookie || cookie.length > 200) return null
    const [nonce, signature] = cookie.split('.')
    if (!nonce || !signature) return null
    const expected = Buffer.from(this.#sign(username, nonce))
    const given = Buffer.from(signature)
    return expected.length === given.length && timingSafeEqual(expected, given) ? this.#keyed(`device\n${username}\n${nonce}`) : null
  }

  /** Counter keys are keyed hashes: a typed "username" may be a password, and counters are stored. */
  #accountKey(username: string): string {
    return this.#keyed(`account\n${username}`)
  }

  #keyed(value: string): string {
    return createHmac('sha256', this.deviceKey).update(`throttle\n${value}`).digest('base64url')
  }

  #sign(username: string, nonce: string): string {
    return createHmac('sha256', this.deviceKey).update(`${username}\n${nonce}`).digest('base64url')
  }
}
