import { isBusy, withoutBusyWait, type Db } from '../../db/client.ts'

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
    /** Writes one item; called inside the batch's transaction. */
    private readonly write: (item: Item) => Result,
  ) {}

  /** Resolves only after the COMMIT that wrote `item`. */
  enqueue(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => this.#commit())
      }
    })
  }

  #commit(): void {
    this.#scheduled = false
    const batch = this.#waiting
    this.#waiting = []
    const { db } = this
    const writeAll = () => db.transaction(() => batch.map((waiting) => this.write(waiting.item)), { behavior: 'immediate' })
    const mayRetry = this.#lockedSince === null || performance.now() - this.#lockedSince < LOCK_RETRY_FOR_MS
    let results: Result[]
    try {
      results = mayRetry ? withoutBusyWait(db, writeAll) : writeAll()
    } catch (error) {
      if (mayRetry && isBusy(error)) {
        this.#lockedSince ??= performance.now()
        this.#waiting = batch
        this.#scheduled = true
        setTimeout(() => this.#commit(), LOCK_RETRY_EVERY_MS)
        return
      }
      this.#lockedSince = null
      // One item that cannot be written must not sink the others: retry each on its own.
      for (const waiting of batch) {
        try {
          waiting.resolve(db.transaction(() => this.write(waiting.item), { behavior: 'immediate' }))
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
