import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../db/client.ts'
import { createReport } from '../src/reports/reports.ts'
import { createServices } from '../src/services.ts'
import { fixedClock, tempDir, testConfig } from './helpers.ts'

// Reports from one process while another process (a second worker, the CLI) holds the database's
// write lock: the reports wait without stopping this process, then commit once the lock is free.

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

const details = { category: 'otp' as const, note: 'minta kode OTP', phone: null, location: null, latitude: null, longitude: null }

describe('filing reports while another process holds the write lock', () => {
  it('keeps this process answering meanwhile and commits every report once the lock is released', async () => {
    const dir = tempDir('report-commit')
    const path = join(dir.path, 'cek-petugas.db')
    const db = openDatabase(path)
    const other = new Database(path)
    cleanups.push(() => dir.remove(), () => db.$client.close(), () => other.close())
    const services = createServices({ db, config: testConfig(), clock: fixedClock() })

    other.prepare('begin immediate').run()
    const filing = Promise.all([1, 2, 3].map((n) => createReport(services, { subject: null, verification: null, clientAddress: `10.0.${n}.1`, details: { ...details, note: `laporan ${n}` } })))
    let settled = false
    void filing.then(() => (settled = true))

    // The event loop keeps turning: timers fire while the reports wait for the lock.
    const started = performance.now()
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(performance.now() - started).toBeLessThan(1000)
    expect(settled).toBe(false)

    other.prepare('commit').run()
    const filed = await filing
    expect(new Set(filed.map(({ report }) => report.ticket)).size).toBe(3)
    expect(other.prepare('select count(*) as n from reports').get()).toEqual({ n: 3 })
    expect(db.$client.pragma('busy_timeout', { simple: true })).toBe(5000)
  })
})
