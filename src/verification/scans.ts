import { sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { scans } from '../../db/schema.ts'

export type ScanRow = typeof scans.$inferInsert

/**
 * Writes scan records in small batches: one transaction per batch instead of one per scan keeps
 * the verification path cheap. A crash can lose the last fraction of a second of scan records,
 * never a verdict or any state that decides one.
 */
export class ScanRecorder {
  #queue: ScanRow[] = []
  #timer: NodeJS.Timeout | null = null
  readonly #insert

  constructor(
    private readonly db: Db,
    private readonly flushAfterMs = 200,
    private readonly maxBatch = 500,
  ) {
    this.#insert = db
      .insert(scans)
      .values({
        tokenHash: sql.placeholder('tokenHash'),
        credentialId: sql.placeholder('credentialId'),
        verdict: sql.placeholder('verdict'),
        via: sql.placeholder('via'),
        clientHash: sql.placeholder('clientHash'),
        scannedAt: sql.placeholder('scannedAt'),
      })
      .prepare()
  }

  record(row: ScanRow): void {
    this.#queue.push(row)
    if (this.#queue.length >= this.maxBatch) this.flush()
    else this.#timer ??= setTimeout(() => this.flush(), this.flushAfterMs).unref()
  }

  /** Writes everything queued now (tests, shutdown). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    const batch = this.#queue
    this.#queue = []
    if (batch.length === 0) return
    try {
      this.db.transaction(() => {
        for (const row of batch) this.#insert.run(row)
      })
    } catch (error) {
      console.error(`${batch.length} scan record(s) could not be written:`, (error as Error).message)
    }
  }
}

/**
 * Remembers from how many different networks each visit pass was checked lately, to notice a
 * screenshot passed around. Kept in memory: it only ever adds an amber warning.
 */
export class PlaceTracker {
  readonly #places = new Map<string, Map<string, number>>()

  constructor(
    private readonly periodMs: number,
    private readonly maxPasses = 100_000,
  ) {}

  /** Notes a check from `place`; returns the number of distinct places within the period. */
  note(credentialId: string, place: string, now: number): number {
    let seen = this.#places.get(credentialId)
    if (!seen) {
      if (this.#places.size >= this.maxPasses) this.#places.delete(this.#places.keys().next().value!)
      seen = new Map()
      this.#places.set(credentialId, seen)
    }
    seen.set(place, now)
    for (const [key, at] of seen) if (at <= now - this.periodMs) seen.delete(key)
    return seen.size
  }
}
