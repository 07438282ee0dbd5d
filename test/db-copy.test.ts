import { count, eq, sql } from 'drizzle-orm'
import { inject } from 'vitest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databasePath, openDatabase, type Db } from '../db/client.ts'
import { openPostgres } from '../db/postgres.ts'
import { auditLog, credentials, reports, units } from '../db/schema.ts'
import { writeCheckpoint } from '../src/audit/checkpoints.ts'
import { createApp } from '../src/app.tsx'
import { createTestApp, fixedClock, givenOfficer, givenPass, PUBLIC_URL, tempDir, testConfig } from './helpers.ts'
import { createScratchDatabase } from './support/postgres.ts'
import { runCli } from './support/processes.ts'

// `db copy --to postgres://…` (docs/deploy.md): a SQLite deployment moved to PostgreSQL, every
// row checked, the audit log verified there, and the app working on the copy.

const KEK = 'db-copy-test-key-encryption-key-0123456789'
const dir = tempDir('db-copy')
let source: Db
let pass: { token: string }
let ticket: string
let target: Db | undefined

/** The CLI on the SQLite DATA_DIR (DATABASE_URL empty: never the suite's PostgreSQL). */
const cli = (args: string[]) => runCli(args, { DATA_DIR: dir.path, KEK, DATABASE_URL: '' })

beforeAll(async () => {
  source = openDatabase(databasePath(dir.path))
  const app = await createTestApp({ db: source, config: { dataDir: dir.path, kek: KEK, auditKeyFile: `${dir.path}/audit-ed25519.key` } })
  const issued = await givenPass(app.services, { officer: await givenOfficer(app.services) })
  pass = { token: issued.token }
  const filed = await app.request('/api/v1/reports', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: issued.code, note: 'Minta uang tunai', phone: '081234567890' }) })
  ticket = ((await filed.json()) as { ticket: string }).ticket
  await writeCheckpoint(app.services)
  await source.close()
}, 60_000)

afterAll(async () => {
  await target?.close()
  dir.remove()
})

describe('db copy --to', () => {
  it('copies every row, checks the counts and the audit log there, and says so', async () => {
    const url = await createScratchDatabase(inject('postgresUrl'), 'copy')
    const copied = await cli(['db', 'copy', '--to', url, '--json'])
    expect(copied.code, copied.stderr).toBe(0)
    const result = JSON.parse(copied.stdout) as { rows: number; tables: { table: string; source: number; target: number }[]; audit: { rows: number; treeSize: number | null; uncovered: number } }
    expect(result.tables.length).toBe(26)
    expect(result.tables.every((table) => table.source === table.target)).toBe(true)
    expect(result.tables.find((table) => table.table === 'units')!.target).toBe(3)
    expect(result.tables.find((table) => table.table === 'reports')!.target).toBe(1)
    expect(result.rows).toBe(result.tables.reduce((sum, table) => sum + table.target, 0))
    // The copy itself is the newest audit row, not yet under a checkpoint; everything before is.
    expect(result.audit.treeSize).toBeGreaterThan(0)
    expect(result.audit.rows).toBe(result.audit.treeSize! + result.audit.uncovered)

    target = await openPostgres(url, { poolSize: 2, statementTimeoutMs: 10_000 })
    const [copy] = await target.select({ action: auditLog.action, details: auditLog.details }).from(auditLog).orderBy(sql`${auditLog.id} desc`).limit(1)
    expect(copy).toEqual({ action: 'database.copied', details: JSON.stringify({ to: url }) })
    const [child] = await target.select({ parent: units.parentCode }).from(units).where(eq(units.code, 'ULP-CKN'))
    expect(child?.parent).toBe('UP3-MTG')
    expect((await target.select({ n: count() }).from(credentials))[0]!.n).toBe(1)
  })

  it('leaves an app on the copy that verifies the same pass, finds the report, and files new ones after the copied ids', async () => {
    // The app as a node on the copy starts it: the same KEK, nothing seeded.
    const { app } = createApp({ db: target!, config: testConfig({ kek: KEK }), clock: fixedClock() })
    const verified = await app.request(`${PUBLIC_URL}/api/v1/verify/${pass.token}`)
    expect(((await verified.json()) as { verdict: string }).verdict).toBe('valid')
    const [copied] = await target!.select({ id: reports.id }).from(reports).where(eq(reports.ticket, ticket))
    const filed = await app.request(`${PUBLIC_URL}/api/v1/reports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ category: 'otp', note: 'Minta kode OTP' }) })
    expect(filed.status).toBe(201)
    const [newest] = await target!.select({ id: reports.id }).from(reports).orderBy(sql`${reports.id} desc`).limit(1)
    expect(newest!.id).toBe(copied!.id + 1)
  })

  it('refuses a target that already holds data, and changes nothing there', async () => {
    const url = await createScratchDatabase(inject('postgresUrl'), 'copy')
    expect((await cli(['db', 'copy', '--to', url, '--json'])).code).toBe(0)
    const again = await cli(['db', 'copy', '--to', url, '--json'])
    expect(again.code).not.toBe(0)
    expect((JSON.parse(again.stdout) as { error: string }).error).toContain('already holds data')
    const db = await openPostgres(url, { poolSize: 1, statementTimeoutMs: 10_000 })
    try {
      expect((await db.select({ n: count() }).from(reports))[0]!.n).toBe(1)
    } finally {
      await db.close()
    }
  })

  it('refuses what is not a postgres:// URL, with a message', async () => {
    const refused = await cli(['db', 'copy', '--to', 'mysql://somewhere/db', '--json'])
    expect(refused.code).not.toBe(0)
    expect((JSON.parse(refused.stdout) as { error: string }).error).toContain('DATABASE_URL must start with postgres://')
  })
})
