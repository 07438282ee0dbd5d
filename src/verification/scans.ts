import { sql } from 'drizzle-orm'
import { driverError, isBusy, type Db } from '../../db/client.ts'
import { scans } from '../../db/schema.ts'
import type { CounterStore } from '../counters/store.ts'

export type ScanRow = typeof scans.$inferInsert

/** Past this many queued records, a batch waits for the write lock instead of trying again later. */
const MAX_QUEUED = 50_000
const LOCK_RETRY_EVERY_MS = 2

/**
 * Writes scan records in small batches: one transaction per batch instead of one per scan keeps
 * the verification path cheap, and a batch small enough to write in well under a millisecond
 * keeps the requests around it from waiting. When another process (a second worker, the CLI)
 * holds the write lock, the batch is tried again shortly instead of stopping this process in
 * SQLite's busy handler. A crash can lose the last fraction of a second of scan records, never
 * a verdict or any state that decides one.
 */
export class ScanRecorder {
  #queue: ScanRow[] = []
  #timer: NodeJS.Timeout | null = null
  #dueAt = 0
  /** The batch being written, if any: one at a time, so a retried batch keeps its place. */
  #writing: Promise<void> | null = null

  constructor(
    private readonly db: Db,
    private readonly flushAfterMs = 100,
    private readonly maxBatch = 200,
  ) {}

  record(row: ScanRow): void {
    this.#queue.push(row)
    // A batch being written schedules the next one when it is done.
    if (!this.#writing) this.#scheduleForQueue()
  }

  /** Writes everything queued now, waiting for the write lock if need be (tests, shutdown). */
  async flush(): Promise<void> {
    await this.#writing
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    const batch = this.#queue
    this.#queue = []
    try {
      await this.#insertAll(batch, { failWhenBusy: false })
    } catch (error) {
      logLost(batch, error)
    }
  }

  #schedule(delayMs: number): void {
    const dueAt = performance.now() + delayMs
    if (this.#timer) {
      if (this.#dueAt <= dueAt) return
      clearTimeout(this.#timer)
    }
    this.#dueAt = dueAt
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#writing = this.#writeNextBatch()
        .catch((error: unknown) => console.error('Scan records could not be written:', driverError(error)))
        .finally(() => (this.#writing = null))
    }, delayMs).unref()
  }

  async #writeNextBatch(): Promise<void> {
    const mayTryLater = this.#queue.length <= MAX_QUEUED
    // Off the queue while it is written, so that records arriving meanwhile are not written twice.
    const batch = this.#queue.splice(0, this.maxBatch)
    try {
      await this.#insertAll(batch, { failWhenBusy: mayTryLater })
    } catch (error) {
      if (mayTryLater && isBusy(error)) {
        this.#queue.unshift(...batch)
        this.#schedule(LOCK_RETRY_EVERY_MS)
        return
      }
      logLost(batch, error)
    }
    if (this.#queue.length > 0) this.#scheduleForQueue()
  }

  /** A full batch goes out on the next turn; a partial one when the first timer fires. */
  #scheduleForQueue(): void {
    if (this.#queue.length >= this.maxBatch) this.#schedule(0)
    else if (!this.#timer) this.#schedule(this.flushAfterMs)
  }

  async #insertAll(batch: ScanRow[], { failWhenBusy }: { failWhenBusy: boolean }): Promise<void> {
    if (batch.length === 0) return
    await this.db.transaction(
      async (tx) => {
        // Prepared once (Transaction.prepared): building an insert per row cost about 25 µs of
        // CPU per scan, i.e. per verification.
        const insert = tx.prepared('scan', (q) =>
          q
            .insert(scans)
            .values({
              tokenHash: sql.placeholder('tokenHash'),
              credentialId: sql.placeholder('credentialId'),
              verdict: sql.placeholder('verdict'),
              via: sql.placeholder('via'),
              clientHash: sql.placeholder('clientHash'),
              scannedAt: sql.placeholder('scannedAt'),
            })
            .prepare(),
        )
        for (const row of batch) await insert.execute(row)
      },
      { durability: 'normal', failWhenBusy },
    )
  }
}

function logLost(batch: ScanRow[], error: unknown): void {
  console.error(`${batch.length} scan record(s) could not be written:`, driverError(error))
}

/** A repeat check from a place this process noted within this time reuses that count instead of writing again. */
const RENOTE_AFTER_MS = 60_000
const MAX_RECENT_NOTES = 100_000

/**
 * Remembers from how many different networks each visit pass was checked lately, to notice a
 * screenshot passed around. It only ever adds an amber warning. A check from a new place always
 * counts afresh in the shared store; a repeat from a known place may see a count up to a minute old.
 */
export class PlaceTracker {
  readonly #recent = new Map<string, { places: number; notedAt: number }>()

  constructor(
    private readonly periodMs: number,
    private readonly counters: CounterStore,
  ) {}

  /** Notes a check from `place`; returns the number of distinct places within the period. */
  async note(credentialId: string, place: string, now: number): Promise<number> {
    const key = `${credentialId}\n${place}`
    const recent = this.#recent.get(key)
    if (recent && now - recent.notedAt < RENOTE_AFTER_MS) return recent.places
    const places = await this.counters.noteMember('placesPerPass', credentialId, place, this.periodMs, now)
    if (!recent && this.#recent.size >= MAX_RECENT_NOTES) this.#recent.delete(this.#recent.keys().next().value!)
    this.#recent.set(key, { places, notedAt: now })
    return places
  }
}
