import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { DrizzleQueryError } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { sqliteDatabase, type Db } from './database.ts'
import { preparePrivateDatabaseFile } from './private-files.ts'

export type { Db, Queries, StatementBuilders, Transaction } from './database.ts'

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

export function databasePath(dataDir: string): string {
  return join(dataDir, 'cek-petugas.db')
}

/** Another connection holds the write lock. */
export function isBusy(error: unknown): boolean {
  return sqliteErrorCode(error) === 'SQLITE_BUSY'
}

/** SQLite's error code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`…) of a failed statement. */
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
