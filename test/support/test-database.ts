import { sql } from 'drizzle-orm'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'
import { databasePath, openDatabase, type Db } from '../../db/client.ts'
import { openPostgres } from '../../db/postgres.ts'
import { TEMPLATE_DATABASE, TEST_ENGINE } from './postgres.ts'

export { TEST_ENGINE }

/** A fresh, migrated database of the suite's engine: in memory on SQLite, a new database on PostgreSQL. */
export async function openTestDatabase(): Promise<Db> {
  if (TEST_ENGINE === 'sqlite') return openDatabase(':memory:')
  return openTestPostgres(await copyOfTemplate())
}

/** A fresh migrated PostgreSQL database for a server process (its DATABASE_URL); null on SQLite. */
export async function testDatabaseUrl(): Promise<string | null> {
  return TEST_ENGINE === 'postgres' ? copyOfTemplate() : null
}

const databaseOfDataDir = new Map<string, Promise<string>>()

/**
 * The environment a process needs to use the database of `dataDir`: nothing on SQLite (the file
 * in DATA_DIR is the database); on PostgreSQL the DATABASE_URL of the database that belongs to
 * that DATA_DIR, made on first use. A server and the CLI runs given the same DATA_DIR therefore
 * share one database on either engine, and a DATABASE_URL the test chose itself wins.
 */
export async function databaseEnv(env: Record<string, string | undefined>): Promise<Record<string, string>> {
  if (TEST_ENGINE === 'sqlite' || env.DATABASE_URL !== undefined || env.DATA_DIR === undefined) return {}
  let url = databaseOfDataDir.get(env.DATA_DIR)
  if (!url) databaseOfDataDir.set(env.DATA_DIR, (url = copyOfTemplate()))
  return { DATABASE_URL: await url }
}

/** The database a server on `dataDir` uses, opened in this process (the app under test runs in-process). */
export async function openDataDirDatabase(dataDir: string): Promise<Db> {
  if (TEST_ENGINE === 'sqlite') return openDatabase(databasePath(dataDir))
  const { DATABASE_URL } = await databaseEnv({ DATA_DIR: dataDir })
  return openTestPostgres(DATABASE_URL!)
}

function openTestPostgres(url: string): Promise<Db> {
  // Idle connections close after a second, so the many databases of a run do not pile up connections.
  return openPostgres(url, { poolSize: 4, statementTimeoutMs: 10_000, idleTimeoutMs: 1000 })
}

async function copyOfTemplate(): Promise<string> {
  const serverUrl = inject('postgresUrl')
  const name = `t_${randomBytes(6).toString('hex')}`
  const client = new pg.Client(serverUrl)
  await client.connect()
  try {
    await client.query(`create database "${name}" template "${TEMPLATE_DATABASE}"`)
  } finally {
    await client.end()
  }
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/**
 * Drops `table`, so the app's statements on it fail as on a broken database. PostgreSQL drops
 * the foreign keys that refer to it too (`cascade`); SQLite's drop deletes the rows first when
 * foreign keys are on, which also moves its change counter, so no remembered answer hides it.
 */
export async function dropTable(db: Db, table: string): Promise<void> {
  await db.rows(sql.raw(`drop table "${table}"${db.engine === 'postgres' ? ' cascade' : ''}`))
}

/** The database a server process started with `env` uses (its DATABASE_URL, else the SQLite file in its DATA_DIR). */
export async function openServerDatabase(env: Record<string, string>): Promise<Db> {
  if (env.DATABASE_URL) return openTestPostgres(env.DATABASE_URL)
  return openDatabase(databasePath(env.DATA_DIR ?? ''))
}

/** Makes every insert into `table` fail with `message`, as a full disk would, on either engine. */
export async function refuseInserts(db: Db, table: string, message: string): Promise<void> {
  const name = `refuse_${table}`
  if (db.engine === 'sqlite') {
    await db.rows(sql.raw(`create temp trigger ${name} before insert on main.${table} begin select raise(abort, '${message}'); end`))
    return
  }
  await db.rows(sql.raw(`create function ${name}() returns trigger language plpgsql as $$ begin raise exception '${message}'; end $$`))
  await db.rows(sql.raw(`create trigger ${name} before insert on ${table} for each row execute function ${name}()`))
}
