import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { DrizzleQueryError } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import type { DatabaseSettings } from '../src/config.ts'
import { sqliteDatabase, type Db } from './database.ts'
import { openPostgres } from './postgres.ts'
import { preparePrivateDatabaseFile } from './private-files.ts'

export type { Db, Engine, Queries, StatementBuilders, Transaction } from './database.ts'

const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), 'migrations')

/**
 * Opens (creating if needed) the SQLite database and applies pending migrations.
 * `location` is a file path, or ':memory:' for tests. The file, its -wal and -shm are 0600 and
 * their directory 0700.
 */
export function openDatabase(location: string): Db {
  if (location !== ':memory:') preparePrivateDatabaseFile(location)
  const sqlite = new Database(location)
  // WAL lets the server and the CLI work on one file at once; busy_timeout makes a writer wait
  // for the other instead of failing.
  sqlite.pragma('journal_mode = WAL')
  // A ticket shown to a household, a revocation or an audit row is acknowledged only after its
  // COMMIT, and must survive a power cut, not just a killed process. In WAL mode NORMAL syncs
  // only at checkpoints, so the last commits before a power loss could roll back; FULL syncs the
  // WAL on every commit (https://www.sqlite.org/pragma.html#pragma_synchronous). Reports are
  // group-committed (src/reports/commit-queue.ts), so a burst pays one sync per batch. Scan records
  // opt out (a transaction with durability 'normal', db/database.ts).
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('foreign_keys = ON')
  migrate(drizzle(sqlite), { migrationsFolder })
  return sqliteDatabase(sqlite)
}

/**
 * The app's database: PostgreSQL when `settings.url` (DATABASE_URL) is set, else the SQLite file
 * in `dataDir`. Either way its migrations have run when this answers.
 */
export async function connectDatabase(settings: DatabaseSettings, dataDir: string, log?: (message: string) => void): Promise<Db> {
  if (settings.url) return openPostgres(settings.url, { poolSize: settings.poolSize, statementTimeoutMs: settings.statementTimeoutMs, log })
  return openDatabase(databasePath(dataDir))
}

export function databasePath(dataDir: string): string {
  return join(dataDir, 'cek-petugas.db')
}

/** Another connection holds the write lock. */
export function isBusy(error: unknown): boolean {
  return sqliteErrorCode(error) === 'SQLITE_BUSY'
}

/**
 * A unique constraint refused the write, on either engine; `column` (when given) must appear in
 * the driver's message (SQLite names the columns, PostgreSQL the constraint, named after them).
 */
export function isUniqueViolation(error: unknown, column?: string): boolean {
  const code = sqliteErrorCode(error)
  const unique = code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505'
  if (!unique || column === undefined) return unique
  const cause = driverError(error) as { message?: unknown; constraint?: unknown; detail?: unknown }
  return [cause.message, cause.constraint, cause.detail].some((text) => typeof text === 'string' && text.includes(column))
}

/** The driver's error code of a failed statement: SQLite's (`SQLITE_BUSY`…) or PostgreSQL's SQLSTATE (`23505`…). */
export function sqliteErrorCode(error: unknown): string | undefined {
  const { code } = (driverError(error) ?? {}) as { code?: unknown }
  return typeof code === 'string' ? code : undefined
}

/**
 * The driver's own error behind a failed statement, for logs and for telling errors apart. Drizzle
 * wraps it in a DrizzleQueryError whose message is the whole statement with its parameters,
 * which may be what a household wrote: a log line gets the driver's error instead.
 */
export function driverError(error: unknown): unknown {
  return error instanceof DrizzleQueryError && error.cause !== undefined ? error.cause : error
}
