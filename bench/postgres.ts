/**
 * PostgreSQL for the bench: a throwaway cluster (test/support/postgres.ts) with one fresh database
 * per bench server, and what the bench needs to weigh it against SQLite fairly.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { databasePath, openDatabase, type Db } from '../db/client.ts'
import { openPostgres } from '../db/postgres.ts'
import { createScratchDatabase, startThrowawayPostgres } from '../test/support/postgres.ts'

export interface BenchPostgres {
  /** The cluster's maintenance database URL. */
  url: string
  /** The postmaster: its CPU and its backends' is the database's share of a request on PostgreSQL. */
  pid: number
  /** server_version, e.g. "15.14 (Debian 15.14-0+deb12u1)". */
  version: string
  /** A new, empty database on the cluster; answers its URL. */
  createDatabase: () => Promise<string>
  stop: () => void
}

/**
 * The test cluster runs with fsync=off; SQLite commits with synchronous=FULL, so the bench turns
 * fsync back on (a reload suffices) and both engines pay for durable commits on the same disk.
 */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const cluster = await startThrowawayPostgres()
  try {
    const client = new pg.Client(cluster.url)
    await client.connect()
    let dataDirectory: string
    let version: string
    try {
      await client.query('alter system set fsync = on')
      await client.query('select pg_reload_conf()')
      dataDirectory = (await client.query<{ setting: string }>("select setting from pg_settings where name = 'data_directory'")).rows[0]?.setting ?? ''
      version = (await client.query<{ server_version: string }>('show server_version')).rows[0]?.server_version ?? 'unknown'
    } finally {
      await client.end()
    }
    // The first line of postmaster.pid is the postmaster's process id.
    const pid = Number(readFileSync(join(dataDirectory, 'postmaster.pid'), 'utf8').split('\n')[0])
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`No postmaster pid in ${dataDirectory}/postmaster.pid`)
    return { url: cluster.url, pid, version, createDatabase: () => createScratchDatabase(cluster.url, 'bench'), stop: () => cluster.stop() }
  } catch (error) {
    cluster.stop()
    throw error
  }
}

/** The database a bench server runs on, opened in this process (migrations have run: the server ran them). */
export async function openServerDatabase(server: { dataDir: string; databaseUrl: string | null }): Promise<Db> {
  if (server.databaseUrl) return openPostgres(server.databaseUrl, { poolSize: 4, statementTimeoutMs: 600_000 })
  return openDatabase(databasePath(server.dataDir))
}
