import { afterEach, describe, expect, it } from 'vitest'
import { databasePath, openDatabase } from '../db/client.ts'
import { createTestApp, tempDir } from './helpers.ts'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

/** SQLite's `synchronous` levels (https://www.sqlite.org/pragma.html#pragma_synchronous). */
const FULL = 2
const NORMAL = 1

describe('an acknowledged ticket survives power loss', () => {
  it('is committed with synchronous=FULL, which syncs the WAL at every COMMIT, before the household sees the ticket', async () => {
    const dir = tempDir('durable')
    cleanups.push(dir.remove)
    const db = openDatabase(databasePath(dir.path))
    cleanups.push(() => db.$client.close())
    // Watches the level in force inside the very transaction that writes each report.
    db.$client.exec(`
      create temp table sync_levels (ticket text, level integer);
      create temp trigger report_sync_level after insert on main.reports
      begin insert into sync_levels select new.ticket, synchronous from pragma_synchronous; end;
    `)
    const app = await createTestApp({ db })

    const res = await app.request('/api/v1/reports', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 'ABCD2345', note: 'Minta uang' }) })
    expect(res.status).toBe(201)
    const { ticket } = (await res.json()) as { ticket: string }

    expect(db.$client.prepare('select ticket, level from sync_levels').all()).toEqual([{ ticket, level: FULL }])
    expect(db.$client.pragma('journal_mode', { simple: true })).toBe('wal')
  })

  it('keeps every other commit at FULL, and writes scan records, which nobody was promised, without a sync of their own', async () => {
    const dir = tempDir('durable-scans')
    cleanups.push(dir.remove)
    const db = openDatabase(databasePath(dir.path))
    cleanups.push(() => db.$client.close())
    db.$client.exec(`
      create temp table sync_levels (level integer);
      create temp trigger scan_sync_level after insert on main.scans
      begin insert into sync_levels select synchronous from pragma_synchronous; end;
    `)
    const app = await createTestApp({ db })

    const res = await app.request('/c/ABCD2345')
    expect(res.status).toBe(200)
    await app.verifier.flushScans()

    expect(db.$client.prepare('select distinct level from sync_levels').all()).toEqual([{ level: NORMAL }])
    expect(db.$client.pragma('synchronous', { simple: true })).toBe(FULL)
  })
})
