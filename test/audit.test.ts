import { eq, sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { auditLog } from '../db/schema.ts'
import { verifyAuditChain } from '../src/audit/audit.ts'
import { reactivateOfficer, suspendOfficer } from '../src/officers/officers.ts'
import { revokeCredential } from '../src/passes/passes.ts'
import { createTestApp, givenOfficer, givenPass, tempDir } from './helpers.ts'
import { runCli, startServer } from './support/processes.ts'
import { givenUser, signIn, submitLogin } from './support/session.ts'
import { openServerDatabase } from './support/test-database.ts'

describe('the audit log', () => {
  it('records issuance, revocation, officer changes, key changes and logins, each chained to the last', async () => {
    const app = await createTestApp()
    const officer = await givenOfficer(app.services)
    const pass = await givenPass(app.services, { officer })
    await revokeCredential(app.services, pass.id, { reason: 'test', actor: 'supervisor-a' })
    await suspendOfficer(app.db, app.clock, officer.employeeNo, { reason: 'fraud', actor: 'admin-a' })
    await reactivateOfficer(app.db, app.clock, officer.employeeNo, { actor: 'admin-a' })
    await app.services.keys.rotate('admin-a')
    const user = await givenUser(app, 'officer', await givenOfficer(app.services))
    await submitLogin(app, user.username, 'wrong password here')
    const browser = await signIn(app, user.username)
    await browser.post('/logout', {})
    const actions = (await app.db.select().from(auditLog).all()).map((row) => row.action)
    expect(actions).toEqual(
      expect.arrayContaining(['officer.added', 'pass.issued', 'pass.revoked', 'officer.suspended', 'officer.reactivated', 'key.created', 'key.rotated', 'user.added', 'login.failed', 'login.succeeded', 'logout']),
    )
    const revoked = (await app.db.select().from(auditLog).where(eq(auditLog.action, 'pass.revoked')).get())!
    expect(revoked).toMatchObject({ actor: 'supervisor-a', subject: `visit_pass:${pass.id}` })
    expect(JSON.stringify(await app.db.select().from(auditLog).all())).not.toContain(pass.token)
    expect(await verifyAuditChain(app.db)).toEqual({ ok: true, rows: actions.length })
  })

  it('names the first row edited, deleted or reordered directly in the database', async () => {
    const app = await createTestApp()
    const officer = await givenOfficer(app.services)
    await givenPass(app.services, { officer })
    await suspendOfficer(app.db, app.clock, officer.employeeNo, { actor: 'admin' })
    const rows = await app.db.select().from(auditLog).all()
    const target = rows[1]!
    await app.db.rows(sql`update audit_log set actor = ${'someone-else'} where id = ${target.id}`)
    expect(await verifyAuditChain(app.db)).toMatchObject({ ok: false, brokenId: target.id })
    await app.db.rows(sql`update audit_log set actor = ${target.actor} where id = ${target.id}`)
    expect((await verifyAuditChain(app.db)).ok).toBe(true)
    await app.db.rows(sql`delete from audit_log where id = ${target.id}`)
    expect(await verifyAuditChain(app.db)).toMatchObject({ ok: false, brokenId: rows[2]!.id })
  })

  it('is not written when the action fails: both commit together or neither does', async () => {
    const app = await createTestApp()
    const officer = await givenOfficer(app.services)
    const before = (await app.db.select().from(auditLog).all()).length
    await expect(suspendOfficer(app.db, app.clock, 'NOBODY', { actor: 'admin' })).rejects.toThrow()
    await expect(suspendOfficer(app.db, app.clock, officer.employeeNo, { actor: 'admin' })).resolves.not.toThrow()
    await expect(suspendOfficer(app.db, app.clock, officer.employeeNo, { actor: 'admin' })).rejects.toThrow()
    expect((await app.db.select().from(auditLog).all()).length).toBe(before + 1)
  })
})

describe('npm run cli -- audit verify', () => {
  it('confirms an intact chain while the server runs, and exits non-zero naming a row edited in the database', async () => {
    const dir = tempDir('audit')
    const server = await startServer(dir.path)
    try {
      const issued = await runCli(['pass', 'issue', '--officer', '9015234A', '--customer', '532100012345', '--purpose', 'P2TL', '--json'], server.env)
      expect(issued.code).toBe(0)
      const intact = await runCli(['audit', 'verify', '--json'], server.env)
      expect(intact.code).toBe(0)
      const report = JSON.parse(intact.stdout) as { ok: boolean; rows: number }
      expect(report.ok).toBe(true)
      expect(report.rows).toBeGreaterThan(5)

      const db = await openServerDatabase(server.env)
      await db.rows(sql`update audit_log set details = '{"reason":"nothing to see"}' where id = 3`)
      await db.close()
      const broken = await runCli(['audit', 'verify', '--json'], server.env)
      expect(broken.code).not.toBe(0)
      expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, brokenId: 3 })
      expect(broken.stderr).toMatch(/^error: Audit chain broken at row 3/m)
    } finally {
      await server.stop()
      dir.remove()
    }
  })
})
