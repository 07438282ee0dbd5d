import { driverError, isBusy, type Db, type Transaction } from '../../db/client.ts'

interface Waiting<Item, Result> {
  item: Item
  resolve: (result: Result) => void
  reject: (error: unknown) => void
}

/** How long a batch may keep finding the write lock taken before it waits inside SQLite instead. */
const LOCK_RETRY_FOR_MS = 2000
const LOCK_RETRY_EVERY_MS = 1

/**
 * Group commit: items enqueued during one turn of the event loop are written in one immediate
 * transaction, and each caller hears back after that COMMIT. Under a burst this turns a thousand
 * commits a second into a few dozen while every answer given stays durable.
 *
 * When another process (a second worker, the CLI) holds the write lock, the batch does not sleep
 * in SQLite's busy handler, which backs off in steps of up to 100 ms and stops this process
 * meanwhile: it tries again a millisecond later, gathering the items that arrived in between.
 */
export class GroupCommit<Item, Result> {
  #waiting: Waiting<Item, Result>[] = []
  #scheduled = false
  #lockedSince: number | null = null

  constructor(
    private readonly db: Db,
    /** Writes one item; called inside the batch's transaction, through its `tx`. */
    private readonly write: (tx: Transaction, item: Item) => Promise<Result>,
  ) {}

  /** Resolves only after the COMMIT that wrote `item`. */
  enqueue(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => this.#start())
      }
    })
  }

  #start(): void {
    // #commit hands every outcome to the waiting callers; a rejection here would be our own bug.
    this.#commit().catch((error: unknown) => console.error('report group commit failed:', driverError(error)))
  }

  async #commit(): Promise<void> {
    this.#scheduled = false
    const batch = this.#waiting
    this.#waiting = []
    if (batch.length === 0) return
    const { db } = this
    const mayRetry = this.#lockedSince === null || performance.now() - this.#lockedSince < LOCK_RETRY_FOR_MS
    let results: Result[]
    try {
      results = await db.transaction(
        async (tx) => {
          const written: Result[] = []
          for (const waiting of batch) written.push(await this.write(tx, waiting.item))
          return written
        },
        { failWhenBusy: mayRetry },
      )
    } catch (error) {
      if (mayRetry && isBusy(error)) {
        this.#lockedSince ??= performance.now()
        // Items that came while this batch waited for its turn go with it, in their order.
        this.#waiting = [...batch, ...this.#waiting]
        if (!this.#scheduled) {
          this.#scheduled = true
          setTimeout(() => this.#start(), LOCK_RETRY_EVERY_MS)
        }
        return
      }
      this.#lockedSince = null
      // One item that cannot be written must not sink the others: retry each on its own.
      for (const waiting of batch) {
        try {
          waiting.resolve(await db.transaction((tx) => this.write(tx, waiting.item)))
        } catch (error) {
          waiting.reject(error)
        }
      }
      return
    }
    this.#lockedSince = null
    batch.forEach((waiting, index) => waiting.resolve(results[index]!))
  }
}
