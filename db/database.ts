import type BetterSqlite3 from 'better-sqlite3'
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm'
import { drizzle, type SqliteRemoteDatabase, type SqliteRemoteResult } from 'drizzle-orm/sqlite-proxy'
import { SQLiteAsyncDialect, type SQLiteTransaction } from 'drizzle-orm/sqlite-core'
import * as schema from './schema.ts'

type Schema = typeof schema
type Drizzle = SqliteRemoteDatabase<Schema>
type DrizzleTransaction = SQLiteTransaction<'async', SqliteRemoteResult, Schema, ExtractTablesWithRelations<Schema>>

/** Statements that read or write; awaited, whatever engine runs them. */
type Statements = Pick<Drizzle, 'select' | 'selectDistinct' | 'insert' | 'update' | 'delete' | '$with' | 'with'> & {
  /** Rows of a hand-written query, as objects named by its columns. */
  rows<T>(query: SQL): Promise<T[]>
}

/** What a prepared statement is built from. */
export type StatementBuilders = Pick<Drizzle, 'select' | 'insert' | 'update' | 'delete'>

/** Inside `Db.transaction`: every statement of the work goes through this, and commits with it. */
export interface Transaction extends Statements {
  /** A savepoint inside the transaction: `work` commits or rolls back on its own. */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>
  /**
   * A statement of a hot path, built once and run with `.execute(values)` for each use:
   * `build` writes it with drizzle's `sql.placeholder`s and ends with `.prepare()`. Building a
   * statement costs more CPU than SQLite takes to run it (a report's five statements took
   * ~60 % of its CPU, `npm run bench -- reports`). On SQLite it is built on first use and kept
   * for every later transaction; an engine whose prepared statements belong to one connection
   * keeps them per connection. `name` identifies it (PostgreSQL names its prepared statements).
   */
  prepared<P>(name: string, build: (q: StatementBuilders) => P): P
}

export interface TransactionOptions {
  /**
   * 'full' (the default) syncs the commit to disk before it is acknowledged; 'normal' leaves it
   * to the next synced commit or checkpoint — only for records nobody was promised (scans): a
   * power cut may lose the last of them, while a sync per batch of scans cost the verify path
   * about 60 µs of CPU per request (`npm run bench -- verify`, 464 → 392 µs).
   */
  durability?: 'full' | 'normal'
  /**
   * SQLite: fail with SQLITE_BUSY at once when another process holds the write lock, instead of
   * waiting (busy_timeout waits synchronously, holding up every request of the process). PostgreSQL
   * waits for its turn without blocking anything, so it ignores this.
   */
  failWhenBusy?: boolean
  /**
   * false: on PostgreSQL this transaction does not take its turn among the writers (db/postgres.ts)
   * because it locks what it changes itself (the outbox claim's FOR UPDATE SKIP LOCKED). SQLite
   * has one writer at a time whatever this says.
   */
  takesTurns?: boolean
}

/**
 * The one way domain code reaches the database: awaited statements and transactions whose work
 * is async. An async driver (PostgreSQL, step 14) implements the same shape; nothing in a
 * domain module depends on SQLite answering synchronously.
 *
 * Writes happen inside `transaction`. On SQLite all statements share one connection, so
 * transactions take turns, and a statement issued outside a transaction waits while one is
 * open: nothing outside ever sees a transaction's writes before its COMMIT, as with PostgreSQL's
 * read committed. Work must therefore use its `tx`, never the `Db` it came from (that would
 * wait for itself).
 */
export interface Db extends Statements {
  /** Which engine runs the statements (DATABASE_URL chooses): SQL that differs asks this. */
  readonly engine: Engine
  transaction<T>(work: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>
  /**
   * A value that changes whenever anything was committed to the database, by this process or any
   * other; read without waiting. Null when the engine has none (PostgreSQL: many nodes commit,
   * and no counter sees them all without a round trip), so callers must not remember answers.
   */
  changeCounter(): string | null
  /** Ends the connections; statements after it fail. */
  close(): Promise<void>
  /** The SQLite connection itself, for what only SQLite has (pragmas, tests); throws on PostgreSQL. */
  readonly $client: BetterSqlite3.Database
}

export type Engine = 'sqlite' | 'postgres'

/** What a function writes through when it may run inside a caller's transaction or on its own. */
export type Queries = Db | Transaction

const STATEMENT_CACHE_SIZE = 500

/**
 * `Db` over one better-sqlite3 connection, through drizzle's async SQLite dialect
 * (drizzle-orm/sqlite-proxy), so domain code is written exactly as it will be for an async driver.
 */
export function sqliteDatabase(sqlite: BetterSqlite3.Database): Db {
  const dialect = new SQLiteAsyncDialect()
  // Prepared statements by their SQL; drizzle's own better-sqlite3 driver prepares every statement
  // on every run, and most of ours are the same few texts.
  const arrayStatements = new Map<string, BetterSqlite3.Statement>()
  const objectStatements = new Map<string, BetterSqlite3.Statement>()
  const nativeStatement = (cache: Map<string, BetterSqlite3.Statement>, text: string, arrays: boolean) => {
    let statement = cache.get(text)
    if (!statement) {
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear()
      statement = sqlite.prepare(text)
      if (arrays && statement.reader) statement.raw(true)
      cache.set(text, statement)
    }
    return statement
  }

  function execute(text: string, params: unknown[], method: 'run' | 'all' | 'values' | 'get') {
    const statement = nativeStatement(arrayStatements, text, true)
    if (!statement.reader) return { rows: [], ...statement.run(params) }
    if (method === 'get') return { rows: statement.get(params) as unknown[] }
    if (method === 'run') {
      statement.all(params)
      return { rows: [] }
    }
    return { rows: statement.all(params) as unknown[] }
  }
  function objectRows<T>(query: SQL): T[] {
    const { sql: text, params } = dialect.sqlToQuery(query)
    const statement = nativeStatement(objectStatements, text, false)
    if (!statement.reader) {
      statement.run(params)
      return []
    }
    return statement.all(params) as T[]
  }

  // better-sqlite3's own pragma() prepares its statement anew on every call; a group commit sets two per batch.
  const pragmaStatements = new Map<string, BetterSqlite3.Statement>()
  const pragma = (text: string): unknown => {
    let statement = pragmaStatements.get(text)
    if (!statement) pragmaStatements.set(text, (statement = sqlite.prepare(text)))
    return statement.reader ? statement.pluck().get() : statement.run()
  }

  // Statements outside a transaction wait for the open one; the transaction's own go straight through.
  // Each wait re-checks `turn` and acts with no await in between, or a transaction begun meanwhile would be joined.
  let turn: Promise<void> | undefined
  const outside = drizzle<Schema>(
    async (text, params, method) => {
      while (turn) await turn
      return execute(text, params, method)
    },
    { schema },
  )
  const inside = drizzle<Schema>(async (text, params, method) => execute(text, params, method), { schema })

  // Built on `inside`, whose statements run on this connection without waiting: they are only
  // reachable from a transaction's `tx`, which runs while that transaction holds the turn.
  const preparedStatements = new Map<string, unknown>()
  const prepared = <P,>(name: string, build: (q: StatementBuilders) => P): P => {
    if (!preparedStatements.has(name)) preparedStatements.set(name, build(inside))
    return preparedStatements.get(name) as P
  }

  const asTransaction = (tx: DrizzleTransaction): Transaction =>
    Object.assign(Object.create(tx) as DrizzleTransaction, {
      rows: async <T,>(query: SQL) => objectRows<T>(query),
      transaction: <T,>(work: (inner: Transaction) => Promise<T>) => tx.transaction((inner) => work(asTransaction(inner))),
      prepared,
    })

  // SQLite's own change counters: `data_version` moves when another connection or process commits,
  // `total_changes()` when this connection writes.
  const counters = sqlite.prepare('select data_version as dataVersion, total_changes() as ownChanges from pragma_data_version')
  return Object.assign(Object.create(outside) as Drizzle, {
    engine: 'sqlite',
    $client: sqlite,
    changeCounter() {
      const { dataVersion, ownChanges } = counters.get() as { dataVersion: number; ownChanges: number }
      return `${dataVersion}:${ownChanges}`
    },
    async close() {
      sqlite.close()
    },
    async rows<T>(query: SQL): Promise<T[]> {
      while (turn) await turn
      return objectRows<T>(query)
    },
    async transaction<T>(work: (tx: Transaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
      while (turn) await turn
      let endTurn!: () => void
      turn = new Promise((resolve) => (endTurn = resolve))
      // Whatever fails from here on (even a closed connection), the turn is handed on.
      let restore = () => {}
      try {
        restore = setPragmas(pragma, {
          ...(options.durability === 'normal' ? { synchronous: 1 } : {}),
          ...(options.failWhenBusy ? { busy_timeout: 0 } : {}),
        })
        return await inside.transaction((tx) => work(asTransaction(tx)), { behavior: 'immediate' })
      } finally {
        try {
          restore()
        } finally {
          turn = undefined
          endTurn()
        }
      }
    },
  }) as unknown as Db
}

/** Sets numeric pragmas of the connection; the returned function puts them back. */
function setPragmas(run: (text: string) => unknown, values: Record<string, number>): () => void {
  const before = Object.entries(values).map(([name, value]) => {
    const previous = run(`pragma ${name}`) as number
    run(`pragma ${name} = ${value}`)
    return [name, previous] as const
  })
  return () => {
    for (const [name, previous] of before) run(`pragma ${name} = ${previous}`)
  }
}
