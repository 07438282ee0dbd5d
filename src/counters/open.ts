import { postgresPool } from '../../db/postgres.ts'
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
    const pool = postgresPool(url, { poolSize: COUNTER_POOL_SIZE, statementTimeoutMs, log: (message) => console.error(`Counters: ${message}`) })
    const store = await postgresCounters(pool)
    return { store, close: () => pool.end() }
  }
  const store = new SqliteCounters(countersPath(config.dataDir))
  return { store, close: async () => store.close() }
}
