import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { databasePath, openDatabase } from '../db/client.ts'
import { createReport } from '../src/reports/reports.ts'
import { createServices } from '../src/services.ts'
import { createTestApp, fixedClock, givenPass, tempDir, testConfig } from './helpers.ts'

// Reports and scan records from one process while another process (a second worker, the CLI)
// holds the database's write lock: they wait without stopping this process, then commit once the
// lock is free.

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

/** This process's connection, and a plain connection to the same file standing for another process. */
function givenThisAndAnotherProcess() {
  const dir = tempDir('write-lock')
  const path = databasePath(dir.path)
  const db = openDatabase(path)
  const other = new Database(path)
  cleanups.push(() => dir.remove(), () => db.$client.close(), () => other.close())
  return { db, other }
}

const details = { categories: ['otp' as const], note: 'minta kode OTP', phone: null, location: null, latitude: null, longitude: null }

describe('filing reports while another process holds the write lock', () => {
  it('keeps this process answering meanwhile and commits every report once the lock is released', async () => {
    const { db, other } = givenThisAndAnotherProcess()
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

describe('checking passes while another process holds the write lock', () => {
  it('answers every check at once and writes every scan record once the lock is released', async () => {
    const { db, other } = givenThisAndAnotherProcess()
    const { services, verifier } = await createTestApp({ db })
    const pass = await givenPass(services)
    const scansWritten = () => (other.prepare('select count(*) as n from scans').get() as { n: number }).n

    other.prepare('begin immediate').run()
    // The longest the event loop went without turning while the lock was held. Waiting in
    // SQLite's busy handler would stop it for the whole 5 s busy timeout.
    let lastBeat = performance.now()
    let longestGap = 0
    const heartbeat = setInterval(() => {
      longestGap = Math.max(longestGap, performance.now() - lastBeat)
      lastBeat = performance.now()
    }, 10)
    const verdicts: string[] = []
    for (let n = 0; n < 450; n++) verdicts.push((await verifier.verify({ token: pass.token }, { via: 'api', clientAddress: '10.0.0.1' })).verdict)
    // Past the recorder's own flush delay: its batches meet the lock and wait their turn.
    await new Promise((resolve) => setTimeout(resolve, 400))
    clearInterval(heartbeat)
    expect(longestGap).toBeLessThan(2000)
    expect(new Set(verdicts)).toEqual(new Set(['valid']))
    expect(scansWritten()).toBe(0)

    other.prepare('commit').run()
    const deadline = performance.now() + 5000
    while (scansWritten() < 450 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(scansWritten()).toBe(450)
    expect(db.$client.pragma('busy_timeout', { simple: true })).toBe(5000)
  })
})
