import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { preparePrivateDatabaseFile } from './private-files.ts'
import * as schema from './schema.ts'

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database }

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
  // group-committed (src/reports/reports.ts), so a burst pays one sync per batch. Scan records
  // opt out (withoutSyncPerCommit).
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('foreign_keys = ON')
  const db = drizzle(sqlite, { schema })
  migrate(db, { migrationsFolder })
  return db
}

export function databasePath(dataDir: string): string {
  return join(dataDir, 'cek-petugas.db')
}

/**
 * Runs `write` with SQLite answering SQLITE_BUSY at once instead of waiting for the lock: its
 * busy handler sleeps in steps of up to 100 ms and stops the whole process meanwhile.
 */
export function withoutBusyWait<T>(db: Db, write: () => T): T {
  return withPragma(db, 'busy_timeout', 0, write)
}

/**
 * Runs `write` with `synchronous = NORMAL`: its commit is not synced by itself, but by the next
 * synced commit or checkpoint. Only for records that nobody was promised (scan records): a
 * power cut may lose the last of them, while a sync per batch of scans cost the verify path
 * about 60 µs of CPU per request (`npm run bench -- verify`, 464 → 392 µs).
 */
export function withoutSyncPerCommit<T>(db: Db, write: () => T): T {
  return withPragma(db, 'synchronous', 1, write)
}

/** Runs `write` with a numeric pragma of this connection set to `value`, then puts it back. */
function withPragma<T>(db: Db, name: 'busy_timeout' | 'synchronous', value: number, write: () => T): T {
  const before = db.$client.pragma(name, { simple: true }) as number
  db.$client.pragma(`${name} = ${value}`)
  try {
    return write()
  } finally {
    db.$client.pragma(`${name} = ${before}`)
  }
}

/**
 * Prepared statements made on first use, once per app or CLI run: the services are built before
 * migrations may have created the tables, so preparing them up front could fail.
 */
export class PreparedOnFirstUse<Statements> {
  #statements: Statements | undefined

  constructor(private readonly prepare: () => Statements) {}

  get statements(): Statements {
    return (this.#statements ??= this.prepare())
  }
}

/** Another connection holds the write lock. */
export function isBusy(error: unknown): boolean {
  return (error as { code?: string }).code === 'SQLITE_BUSY'
}
