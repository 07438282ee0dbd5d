import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { databasePath, openDatabase } from '../db/client.ts'
import { countersPath, SqliteCounters } from '../src/counters/store.ts'
import { tempDir } from './helpers.ts'
import { startServer, type RunningServer } from './support/processes.ts'
import { fileReportOverHttp } from './support/reports.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function modeOf(path: string): string {
  return (statSync(path).mode & 0o777).toString(8).padStart(4, '0')
}

/** The mode of each SQLite file of `location` that exists; the -wal and -shm must exist to count. */
function sqliteModes(location: string): Record<string, string> {
  const files = [location, `${location}-wal`, `${location}-shm`]
  for (const file of files) expect(existsSync(file), file).toBe(true)
  return Object.fromEntries(files.map((file) => [file.slice(location.length) || 'db', modeOf(file)]))
}

const PRIVATE = { db: '0600', '-wal': '0600', '-shm': '0600' }

describe('data at rest', () => {
  it('keeps DATA_DIR 0700 and the database, the counters, their -wal/-shm and the KEK 0600 on a running server', async () => {
    const dir = tempDir('at-rest')
    cleanups.push(dir.remove)
    const dataDir = join(dir.path, 'fresh', 'data')
    // The SQLite file itself is what this checks, on either run: no DATABASE_URL.
    const server: RunningServer = await startServer(dataDir, { RATE_LIMIT: 'on', DATABASE_URL: '' })
    cleanups.push(() => server.stop())
    await fileReportOverHttp(server.url, { code: 'ABCD2345', note: 'Minta transfer', phone: '081234567890' })

    expect(modeOf(dataDir)).toBe('0700')
    expect(sqliteModes(databasePath(dataDir))).toEqual(PRIVATE)
    expect(sqliteModes(countersPath(dataDir))).toEqual(PRIVATE)
    expect(modeOf(join(dataDir, 'kek.key'))).toBe('0600')
  })

  it('makes them private whatever the umask, and tightens files a laxer earlier start left readable', async () => {
    const dir = tempDir('at-rest-lax')
    cleanups.push(dir.remove)
    const dataDir = join(dir.path, 'data')
    const location = databasePath(dataDir)
    const previous = process.umask(0)
    try {
      // An earlier start under umask 000, before this fix: everything world-readable. It stays
      // open, so its -wal and -shm stay too.
      mkdirSync(dataDir, { mode: 0o777 })
      const old = new Database(location)
      old.pragma('journal_mode = WAL')
      old.exec('create table if not exists leftover (x); insert into leftover values (1)')
      for (const file of [location, `${location}-wal`, `${location}-shm`]) chmodSync(file, 0o666)
      chmodSync(dataDir, 0o777)

      const db = openDatabase(location)
      db.$client.exec('insert into leftover values (2)')
      const counters = new SqliteCounters(countersPath(dataDir))
      await counters.increment('test', 'key', 60_000, 0)
      cleanups.push(() => {
        counters.close()
        db.$client.close()
        old.close()
      })

      expect(modeOf(dataDir)).toBe('0700')
      expect(sqliteModes(location)).toEqual(PRIVATE)
      expect(sqliteModes(countersPath(dataDir))).toEqual(PRIVATE)
    } finally {
      process.umask(previous)
    }
  })
})
