import { AsyncLocalStorage } from 'node:async_hooks'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { getTableColumns, is, Param, sql, SQL, type ExtractTablesWithRelations } from 'drizzle-orm'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import { createTableRelationsHelpers, extractTablesRelationalConfig } from 'drizzle-orm/relations'
import { SQLiteAsyncDialect, type SQLiteInsertConfig, type SQLiteTransaction } from 'drizzle-orm/sqlite-core'
import { SqliteRemoteDatabase, type SqliteRemoteResult } from 'drizzle-orm/sqlite-proxy'
import { SQLiteRemoteSession } from 'drizzle-orm/sqlite-proxy/session'
import pg from 'pg'
import type { Db, StatementBuilders, Transaction, TransactionOptions } from './database.ts'
import * as schema from './schema.ts'

type Schema = typeof schema
type Drizzle = SqliteRemoteDatabase<Schema>
type DrizzleTransaction = SQLiteTransaction<'async', SqliteRemoteResult, Schema, ExtractTablesWithRelations<Schema>>
type Method = 'run' | 'all' | 'values' | 'get'

const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), 'migrations-pg')

/**
 * Every write transaction takes this lock first (`pg_advisory_xact_lock`), on every node: they
 * take turns, as on SQLite, so the domain code's read-then-write steps (the audit chain's last
 * hash, a status list's next entry, a ticket not yet taken) hold across nodes too, and ids are
 * given in commit order. Reads outside transactions run side by side on the pool. The load is
 * small (DESIGN §14: ~50 checks a second at the peak, one write each, batched).
 */
const WRITE_LOCK = 0x63656b70 // "cekp"
/** Held while migrations run, so nodes starting together migrate one after the other. */
const MIGRATION_LOCK = 0x63656b6d // "cekm"

export interface PostgresOptions {
  /** DATABASE_POOL_SIZE: connections per process. */
  poolSize: number
  /** DATABASE_STATEMENT_TIMEOUT_MS: PostgreSQL cancels a statement that runs longer. */
  statementTimeoutMs: number
  /** Closes a connection idle for this long (pg's idleTimeoutMillis; its default 10 s when not given). */
  idleTimeoutMs?: number
  /** Where a lost connection or a failed background check is reported. */
  log?: (message: string) => void
}

/**
 * The app's `Db` on PostgreSQL. Domain code builds its statements with drizzle's SQLite query
 * builder over db/schema.ts, exactly as on SQLite; this runs that SQL on PostgreSQL through the
 * `pg` driver. db/schema-pg.ts keeps the same tables, columns and stored values (integers for
 * times and flags, text), so the same statement text and the same value mappers serve both, and
 * test/schema-parity.test.ts keeps the two schemas in step. What the text needs on the way:
 * `?` placeholders become `$n`; an insert names `default` for a column it leaves out (SQLite's
 * builder writes null, which PostgreSQL's identity columns refuse); `begin immediate` is `begin`.
 * SQL written by hand uses only what both engines read the same way (docs/architecture.md).
 */
export async function openPostgres(url: string, options: PostgresOptions): Promise<Db> {
  const pool = postgresPool(url, options)
  await runMigrations(pool)
  return postgresDatabase(pool)
}

/**
 * A `pg` pool as every part of the app opens one (the database, the counters): values read back
 * as SQLite gives them, and connection losses logged instead of ending the process.
 */
export function postgresPool(url: string, options: PostgresOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    statement_timeout: options.statementTimeoutMs,
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMillis: options.idleTimeoutMs }),
    // A connection that cannot be made within this answers an error instead of a hung request.
    connectionTimeoutMillis: 5000,
    types: { getTypeParser: typeParser },
  })
  // An idle connection cut by a restart or failover is dropped by the pool and made again on the
  // next checkout; without a listener the error would end the process.
  pool.on('error', (error) => options.log?.(`PostgreSQL connection lost: ${error.message}`))
  // A connection in use when the server goes away fails its statement (the request answers 503)
  // and also emits this, which must not end the process either.
  pool.on('connect', (client) => client.on('error', (error) => options.log?.(`PostgreSQL connection lost: ${error.message}`)))
  return pool
}

async function runMigrations(pool: pg.Pool): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK])
    try {
      await migrate(drizzlePg(client), { migrationsFolder })
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK])
    }
  } finally {
    client.release()
  }
}

export function postgresDatabase(pool: pg.Pool): Db {
  const dialect = new PostgresCompatibleDialect()
  // The connection of the transaction running in this async context; outside one, the pool.
  const connection = new AsyncLocalStorage<pg.PoolClient>()

  /** Runs on the connection of the transaction in this async context, else on any of the pool's. */
  function run(text: string, params: unknown[], rowMode?: 'array'): Promise<pg.QueryResult> {
    const query = { text: postgresText(text), values: params.map(postgresValue), ...(rowMode ? { rowMode } : {}) }
    return (connection.getStore() ?? pool).query(query)
  }
  async function execute(text: string, params: unknown[], method: Method): Promise<{ rows: unknown[] }> {
    const result = await run(text, params, 'array')
    if (method === 'get') return { rows: result.rows[0] as unknown[] }
    return { rows: method === 'run' ? [] : result.rows }
  }
  async function objectRows<T>(query: SQL): Promise<T[]> {
    const { sql: text, params } = dialect.sqlToQuery(query)
    return (await run(text, params)).rows as T[]
  }

  const database = remoteDatabase(dialect, execute)
  const prepared = new Map<string, unknown>()
  const asTransaction = (tx: DrizzleTransaction): Transaction =>
    Object.assign(Object.create(tx) as DrizzleTransaction, {
      rows: <T,>(query: SQL) => objectRows<T>(query),
      transaction: <T,>(work: (inner: Transaction) => Promise<T>) => tx.transaction((inner) => work(asTransaction(inner))),
      // Built once, on the database whose statements go to the transaction's own connection.
      prepared: <P,>(name: string, build: (q: StatementBuilders) => P): P => {
        if (!prepared.has(name)) prepared.set(name, build(database))
        return prepared.get(name) as P
      },
    })

  const db = Object.assign(Object.create(database) as Drizzle, {
    engine: 'postgres',
    rows: <T,>(query: SQL) => objectRows<T>(query),
    changeCounter: () => null,
    async close() {
      await pool.end()
    },
    async transaction<T>(work: (tx: Transaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
      const client = await pool.connect()
      let failure: Error | undefined
      try {
        return await connection.run(client, () =>
          database.transaction(async (tx) => {
            // Waiting for the turn is an await here, which blocks no other request, so a transaction
            // always waits (`failWhenBusy` is for SQLite, whose wait blocks the whole process). A
            // try-lock that rolled back and came again every millisecond cost five times the CPU
            // per report with two processes (`npm run bench -- reports`).
            if (options.takesTurns !== false) await client.query('select pg_advisory_xact_lock($1)', [WRITE_LOCK])
            // Only records nobody was promised opt out of waiting for the commit's flush (db/database.ts).
            if (options.durability === 'normal') await client.query('set local synchronous_commit = off')
            return work(asTransaction(tx))
          }),
        )
      } catch (error) {
        // A connection that failed mid-transaction is not handed out again.
        if (isConnectionError(error)) failure = error as Error
        throw error
      } finally {
        client.release(failure)
      }
    },
  })
  Object.defineProperty(db, '$client', {
    get(): never {
      throw new Error('db.$client is SQLite only; this database is PostgreSQL')
    },
  })
  return db as unknown as Db
}

/** drizzle's SQLite builder, writing `default` for the columns an insert leaves out. */
class PostgresCompatibleDialect extends SQLiteAsyncDialect {
  override buildInsertQuery(config: SQLiteInsertConfig): SQL {
    if (!Array.isArray(config.values)) return super.buildInsertQuery(config)
    const columns = Object.entries(getTableColumns(config.table))
    const values = (config.values as Record<string, unknown>[]).map((row) => {
      const filled: Record<string, unknown> = { ...row }
      for (const [field, column] of columns) {
        const given = row[field]
        const left = given === undefined || (is(given, Param) && given.value === undefined)
        if (left && column.default === undefined && column.defaultFn === undefined && column.onUpdateFn === undefined) filled[field] = sql`default`
      }
      return filled
    })
    return super.buildInsertQuery({ ...config, values } as SQLiteInsertConfig)
  }
}

/** A drizzle SQLite database (as drizzle-orm/sqlite-proxy's `drizzle()` builds it) on our dialect. */
function remoteDatabase(dialect: SQLiteAsyncDialect, execute: (text: string, params: unknown[], method: Method) => Promise<{ rows: unknown[] }>): Drizzle {
  const tables = extractTablesRelationalConfig(schema, createTableRelationsHelpers)
  const relational = { fullSchema: schema, schema: tables.tables, tableNamesMap: tables.tableNamesMap }
  const session = new SQLiteRemoteSession(execute, dialect, relational, undefined, {})
  return new SqliteRemoteDatabase('async', dialect, session as never, relational as never) as Drizzle
}

/**
 * The statement as PostgreSQL reads it: `?` placeholders numbered `$1`, `$2`… (outside quoted
 * strings and names), an upsert's conflict columns without their table, and SQLite's
 * `begin immediate` as a plain `begin`.
 */
export function postgresText(text: string): string {
  let translated = translatedTexts.get(text)
  if (translated === undefined) {
    translated = /^begin\b/i.test(text) ? 'begin' : numberedPlaceholders(unqualifiedConflictTarget(text))
    // Most statements are the same few texts (as db/database.ts's statement cache counts on).
    if (translatedTexts.size >= TRANSLATED_TEXTS) translatedTexts.clear()
    translatedTexts.set(text, translated)
  }
  return translated
}

const TRANSLATED_TEXTS = 500
const translatedTexts = new Map<string, string>()

/** SQLite's builder names an upsert's conflict columns with their table, which PostgreSQL refuses. */
function unqualifiedConflictTarget(text: string): string {
  return text.replace(/ on conflict \(([^)]*)\)/g, (_, columns: string) => ` on conflict (${columns.replace(/"[^"]+"\./g, '')})`)
}

function numberedPlaceholders(text: string): string {
  let out = ''
  let n = 0
  // Inside a string, a quoted name, or a comment, where `?` is text: what ends it.
  let until: string | null = null
  for (let at = 0; at < text.length; at++) {
    const char = text[at]!
    if (until) {
      if (text.startsWith(until, at)) {
        out += until
        at += until.length - 1
        until = null
        continue
      }
    } else if (char === "'" || char === '"') {
      until = char
    } else if (text.startsWith('--', at)) {
      until = '\n'
    } else if (text.startsWith('/*', at)) {
      until = '*/'
      out += '/*'
      at++
      continue
    } else if (char === '?') {
      out += `$${++n}`
      continue
    }
    out += char
  }
  return out
}

/**
 * A parameter as PostgreSQL takes it: SQLite's builder already turned booleans and dates into
 * numbers. PostgreSQL's text cannot hold a NUL character, which SQLite stores; a NUL (only ever
 * in hostile input) becomes U+FFFD, so the statement still runs instead of failing the request.
 */
function postgresValue(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value
  return typeof value === 'bigint' ? value.toString() : value
}

const INT8 = 20
const NUMERIC = 1700
const BOOL = 16
const JSON_OID = 114
const JSONB = 3802

/**
 * Values read back as SQLite gives them, so the same mappers serve both: 64-bit integers (times
 * in ms, counts, sums) as numbers, booleans of hand-written conditions as 1/0, JSON as its text.
 */
function typeParser(oid: number, format?: string): (value: string) => unknown {
  if (oid === INT8 || oid === NUMERIC) return Number
  if (oid === BOOL) return (value) => (value === 't' ? 1 : 0)
  if (oid === JSON_OID || oid === JSONB) return (value) => value
  return pg.types.getTypeParser(oid, format as 'text')
}

/** Errors of the connection itself (reset, terminated by a restart or failover), not of a statement. */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown; cause?: { code?: unknown } })?.code ?? (error as { cause?: { code?: unknown } })?.cause?.code
  if (typeof code === 'string' && (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'EPIPE')) return true
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(String((error as Error)?.message ?? ''))
}
