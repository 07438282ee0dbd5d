import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { openDataDirDatabase } from './support/test-database.ts'
import { auditLog, doorChecks, outboxDeliveries, reportEvents, reports, scans, sessions } from '../db/schema.ts'
import { SESSION_IDLE_MS } from '../src/auth/sessions.ts'
import { createUser } from '../src/auth/users.ts'
import { DAY_MS } from '../src/i18n/time.ts'
import { PURGE_BATCH, purgeExpiredData } from '../src/privacy/retention.ts'
import { changeReportStatus } from '../src/reports/triage.ts'
import { createTestApp, fixedClock, PUBLIC_URL, tempDir, testConfig } from './helpers.ts'
import { runCliAt } from './support/cli-at.ts'
import { givenReport } from './support/reports.ts'

type TestApp = Awaited<ReturnType<typeof createTestApp>>

const SCAN_DAYS = 90
const DETAIL_DAYS = 180
const OUTBOX_DAYS = 7
const DETAILS = { phone: '+6281234567890', note: 'Minta uang tunai', location: 'Cikini', latitude: -6.19, longitude: 106.84 }

/** One row just inside and one just past every period, and rows no period touches. */
async function givenAgedRows(app: TestApp) {
  const now = app.clock.now()
  const inside = (days: number) => now - days * DAY_MS + 1
  const past = (days: number) => now - days * DAY_MS - 1
  const scan = (at: number, tokenHash: string) => ({ tokenHash, verdict: 'valid', via: 'page' as const, clientHash: `net-${tokenHash}`, scannedAt: at })
  await app.db.insert(scans).values([scan(inside(SCAN_DAYS), 'keep'), scan(past(SCAN_DAYS), 'purge')])
  const door = (id: string, at: number) => ({ id, codeHash: `code-${id}`, customerHash: 'customer', createdAt: at, expiresAt: at + 600_000 })
  await app.db.insert(doorChecks).values([door('door-keep', inside(SCAN_DAYS)), door('door-purge', past(SCAN_DAYS))])

  const closedInside = await givenReport(app, { ...DETAILS, status: 'resolved_scam', closedAt: inside(DETAIL_DAYS), createdAt: past(400) })
  const closedPast = await givenReport(app, { ...DETAILS, status: 'rejected', closedAt: past(DETAIL_DAYS), createdAt: past(400) })
  // Closed before closedAt was kept: its final status change says when.
  const legacyPast = await givenReport(app, { ...DETAILS, status: 'resolved_genuine', closedAt: null, createdAt: past(400) })
  await app.db.insert(reportEvents).values({ reportId: legacyPast.id, kind: 'status_changed', status: 'resolved_genuine', actor: 'admin', at: past(DETAIL_DAYS) })
  const legacyInside = await givenReport(app, { ...DETAILS, status: 'resolved_genuine', closedAt: null, createdAt: past(400) })
  await app.db.insert(reportEvents).values({ reportId: legacyInside.id, kind: 'status_changed', status: 'resolved_genuine', actor: 'admin', at: inside(DETAIL_DAYS) })
  // Still open after a year: its details are needed, however old.
  const open = await givenReport(app, { ...DETAILS, status: 'forwarded', createdAt: past(400) })

  const delivery = (webhookId: string, state: 'pending' | 'delivered' | 'dead', at: number) => ({
    webhookId,
    subject: webhookId,
    eventType: 'report.created',
    payload: JSON.stringify({ phone: DETAILS.phone }),
    state,
    nextAttemptAt: at,
    createdAt: at,
    deliveredAt: state === 'delivered' ? at : null,
    deadAt: state === 'dead' ? at : null,
  })
  await app.db
    .insert(outboxDeliveries)
    .values([
      delivery('delivered-keep', 'delivered', inside(OUTBOX_DAYS)),
      delivery('delivered-purge', 'delivered', past(OUTBOX_DAYS)),
      delivery('dead-keep', 'dead', inside(OUTBOX_DAYS)),
      delivery('dead-purge', 'dead', past(OUTBOX_DAYS)),
      delivery('pending-old', 'pending', past(60)),
    ])

  const user = await createUser(app.db, app.clock, { username: 'petugas-sesi', password: 'kata-sandi-yang-panjang-sekali', role: 'admin', officerEmployeeNo: null })
  const session = (idHash: string, lastSeenAt: number, expiresAt: number) => ({ idHash, userId: user.id, csrfToken: 'csrf', createdAt: lastSeenAt, lastSeenAt, expiresAt })
  await app.db
    .insert(sessions)
    .values([
      session('live', now - SESSION_IDLE_MS + 1, now + 1),
      session('expired', now - 1000, now),
      session('idle', now - SESSION_IDLE_MS, now + 3600_000),
    ])
  return { closedInside, closedPast, legacyPast, legacyInside, open }
}

async function snapshot(app: TestApp) {
  return JSON.stringify(
    await Promise.all([scans, doorChecks, reports, reportEvents, outboxDeliveries, sessions, auditLog].map((table) => app.db.select().from(table))),
  )
}

const EXPECTED = { scans: 1, doorChecks: 1, reportDetails: 2, outboxPayloads: 2, sessions: 2 }

describe('privacy purge (retention)', () => {
  it('removes exactly what is past its period, and nothing else', async () => {
    const app = await createTestApp({ config: { retention: { scans: SCAN_DAYS, reportDetails: DETAIL_DAYS, outbox: OUTBOX_DAYS } } })
    const { closedInside, closedPast, legacyPast, legacyInside, open } = await givenAgedRows(app)

    const result = await purgeExpiredData(app.services)
    expect(result).toMatchObject({ dryRun: false, counts: EXPECTED })

    expect((await app.db.select().from(scans)).map((row) => row.tokenHash)).toEqual(['keep'])
    expect((await app.db.select().from(doorChecks)).map((row) => row.id)).toEqual(['door-keep'])

    const byId = new Map((await app.db.select().from(reports)).map((row) => [row.id, row]))
    for (const kept of [closedInside, legacyInside, open]) expect(byId.get(kept.id)).toMatchObject({ ...DETAILS, detailsErasedAt: null })
    for (const erased of [closedPast, legacyPast]) {
      // The row stays for statistics: ticket, status, verdict; only the reporter's details go.
      expect(byId.get(erased.id)).toMatchObject({ ticket: erased.ticket, status: erased.status, phone: null, note: null, location: null, latitude: null, longitude: null, detailsErasedAt: app.clock.now() })
    }

    const outbox = new Map((await app.db.select().from(outboxDeliveries)).map((row) => [row.webhookId, row]))
    expect(outbox.size).toBe(5)
    for (const kept of ['delivered-keep', 'dead-keep', 'pending-old']) expect(outbox.get(kept)).toMatchObject({ payload: JSON.stringify({ phone: DETAILS.phone }), payloadPurgedAt: null })
    for (const purged of ['delivered-purge', 'dead-purge']) {
      expect(outbox.get(purged)).toMatchObject({ payload: '{}', payloadPurgedAt: app.clock.now(), state: purged.startsWith('dead') ? 'dead' : 'delivered' })
    }

    expect((await app.db.select().from(sessions)).map((row) => row.idHash)).toEqual(['live'])
  })

  it('writes one privacy.purged audit row with the counts, and none for a run that removed nothing', async () => {
    const app = await createTestApp()
    await givenAgedRows(app)
    await purgeExpiredData(app.services)
    const rows = await app.db.select().from(auditLog).where(eq(auditLog.action, 'privacy.purged'))
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ actor: 'system', subject: 'retention' })
    expect(JSON.parse(rows[0]!.details)).toMatchObject(EXPECTED)

    expect((await purgeExpiredData(app.services)).counts).toEqual({ scans: 0, doorChecks: 0, reportDetails: 0, outboxPayloads: 0, sessions: 0 })
    expect(await app.db.select().from(auditLog).where(eq(auditLog.action, 'privacy.purged'))).toHaveLength(1)
  })

  it('changes nothing on a dry run, and counts what a real run would remove', async () => {
    const app = await createTestApp()
    await givenAgedRows(app)
    const before = await snapshot(app)
    expect(await purgeExpiredData(app.services, { dryRun: true })).toMatchObject({ dryRun: true, counts: EXPECTED })
    expect(await snapshot(app)).toBe(before)
  })

  it('removes more than one batch, one batch per transaction', async () => {
    const app = await createTestApp()
    const old = app.clock.now() - (SCAN_DAYS + 1) * DAY_MS
    const rows = Array.from({ length: PURGE_BATCH * 2 + 5 }, (_, i) => ({ tokenHash: `t${i}`, verdict: 'valid', via: 'page' as const, scannedAt: old }))
    for (let i = 0; i < rows.length; i += 500) await app.db.insert(scans).values(rows.slice(i, i + 500))
    expect((await purgeExpiredData(app.services)).counts.scans).toBe(rows.length)
    expect(await app.db.select().from(scans)).toHaveLength(0)
  })
})

describe('npm run cli -- privacy purge', () => {
  it('prints one JSON object of counts; --dry-run changes nothing', async () => {
    const dir = tempDir('purge')
    try {
      const clock = fixedClock()
      const app = await createTestApp({ clock, db: await openDataDirDatabase(dir.path), config: { dataDir: dir.path } })
      await givenAgedRows(app)
      const env = { DATA_DIR: dir.path, KEK: testConfig().kek!, PUBLIC_URL }
      const before = await snapshot(app)
      const dry = await runCliAt(clock, ['privacy', 'purge', '--dry-run', '--json'], env)
      expect(dry.code).toBe(0)
      expect(dry.stdout.trim().split('\n')).toHaveLength(1)
      expect(dry.json).toMatchObject({ dryRun: true, ...EXPECTED })
      expect(await snapshot(app)).toBe(before)

      const real = await runCliAt(clock, ['privacy', 'purge', '--json'], env)
      expect(real.json).toMatchObject({ dryRun: false, ...EXPECTED })
      const [row] = await app.db.select().from(auditLog).where(eq(auditLog.action, 'privacy.purged'))
      expect(row?.actor).toBe('cli')
    } finally {
      dir.remove()
    }
  })
})

describe('reports.closedAt', () => {
  it('is set when a report enters a final status, and not before', async () => {
    const app = await createTestApp()
    const report = await givenReport(app, { ...DETAILS })
    const reviewed = await changeReportStatus(app.services, { report, to: 'in_review', expectedRevision: report.revision, actor: 'admin' })
    expect(reviewed.closedAt).toBeNull()
    app.clock.advance(DAY_MS)
    const closed = await changeReportStatus(app.services, { report: reviewed, to: 'resolved_scam', expectedRevision: reviewed.revision, actor: 'admin' })
    expect(closed.closedAt).toBe(app.clock.now())
  })
})
