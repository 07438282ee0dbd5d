import pg from 'pg'
import type { Config } from '../config.ts'
import { postgresCounters } from './postgres.ts'
import { countersPath, SqliteCounters, type CounterStore } from './store.ts'

/** The server's counter store and how to close it. */
export interface OpenCounters {
  store: CounterStore
  close(): Promise<void>
}

/** Connections of the counters' own pool: each request counts at most a few times, one short statement each. */
const COUNTER_POOL_SIZE = 4

/**
 * Where the server counts rate limits and recent places: on PostgreSQL (DATABASE_URL) in its
 * tables, shared by every node; else in the SQLite file beside the database, shared by the
 * worker processes of this machine.
 */
export async function openCounters(config: Pick<Config, 'database' | 'dataDir'>): Promise<OpenCounters> {
  const { url, statementTimeoutMs } = config.database
  if (url) {
    const pool = new pg.Pool({ connectionString: url, max: COUNTER_POOL_SIZE, statement_timeout: statementTimeoutMs, connectionTimeoutMillis: 5000 })
    // A connection cut by a restart is made again on the next count; without a listener the error would end the process.
    const lost = (error: Error) => console.error(`PostgreSQL connection of the counters lost: ${error.message}`)
    pool.on('error', lost)
    pool.on('connect', (client) => client.on('error', lost))
    const store = await postgresCounters(pool)
    return { store, close: () => pool.end() }
  }
  const store = new SqliteCounters(countersPath(config.dataDir))
  return { store, close: async () => store.close() }
}
