import { MAX_KEY_LENGTH, SWEEP_EVERY_MS, type CounterStore, type CounterWindow } from './store.ts'

/** Counters of one process: tests, and any createApp() caller that passes no store. */
export class MemoryCounters implements CounterStore {
  readonly #windows = new Map<string, CounterWindow>()
  readonly #members = new Map<string, Map<string, number>>()
  #nextSweep = 0

  constructor(private readonly maxKeys = 100_000) {}

  async increment(scope: string, key: string, windowMs: number, now: number): Promise<CounterWindow> {
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

  async current(scope: string, key: string, now: number): Promise<CounterWindow | null> {
    const window = this.#windows.get(`${scope}\n${key.slice(0, MAX_KEY_LENGTH)}`)
    return window && window.resetAt > now ? { ...window } : null
  }

  async noteMember(scope: string, key: string, member: string, periodMs: number, now: number): Promise<number> {
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
