import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { openDataDirDatabase } from './support/test-database.ts'
import { auditLog, doorChecks, scans } from '../db/schema.ts'
import { setVisitPassword } from '../src/households/visit-passwords.ts'
import { DAY_MS } from '../src/i18n/time.ts'
import { hashCustomerId } from '../src/passes/passes.ts'
import { createTestApp, CUSTOMER_ID, fixedClock, givenPass, PUBLIC_URL, tempDir, testConfig } from './helpers.ts'
import { runCliAt } from './support/cli-at.ts'

const OTHER_CUSTOMER = '532100099999'
const WORD = 'Kembang Sepatu'
const OTHER_WORD = 'Melati Putih'

async function exportWorld() {
  const dir = tempDir('export')
  const clock = fixedClock()
  const app = await createTestApp({ clock, db: await openDataDirDatabase(dir.path), config: { dataDir: dir.path } })
  const mine = await givenPass(app.services, { customerId: CUSTOMER_ID, purpose: 'GANTI_METER' })
  const theirs = await givenPass(app.services, { customerId: OTHER_CUSTOMER, purpose: 'P2TL' })
  const now = clock.now()
  const scan = (credentialId: string, verdict: string, at: number) => ({ tokenHash: `h-${credentialId}-${at}`, credentialId, verdict, via: 'page' as const, clientHash: 'NETWORK-HASH', scannedAt: at })
  await app.db.insert(scans).values([scan(mine.id, 'valid', now), scan(mine.id, 'valid', now + 60_000), scan(mine.id, 'expired', now + DAY_MS), scan(theirs.id, 'valid', now)])
  const door = (id: string, customerId: string) => ({ id, codeHash: `code-${id}`, customerHash: hashCustomerId(app.services, customerId), createdAt: now, expiresAt: now + 600_000 })
  await app.db.insert(doorChecks).values([door('door-mine', CUSTOMER_ID), door('door-theirs', OTHER_CUSTOMER)])
  await setVisitPassword(app.services, { customerId: CUSTOMER_ID, word: WORD, actor: 'agen-123' })
  await setVisitPassword(app.services, { customerId: OTHER_CUSTOMER, word: OTHER_WORD, actor: 'agen-123' })
  const env = { DATA_DIR: dir.path, KEK: testConfig().kek!, PUBLIC_URL }
  return { app, mine, theirs, dir, cli: (args: string[]) => runCliAt(clock, [...args, '--json'], env) }
}

describe('npm run cli -- privacy export', () => {
  it("prints the customer's visits, scans by day and verdict, door checks and whether a visit password is set — nothing about another customer", async () => {
    const { mine, theirs, dir, cli } = await exportWorld()
    try {
      const result = await cli(['privacy', 'export', '--customer', CUSTOMER_ID])
      expect(result.code).toBe(0)
      expect(result.stdout.trim().split('\n')).toHaveLength(1)
      const out = result.json!
      expect(out.customerLast4).toBe(CUSTOMER_ID.slice(-4))
      expect(out.visitPasses).toEqual([
        expect.objectContaining({
          jti: mine.id,
          purpose: 'GANTI_METER',
          officer: expect.objectContaining({ employeeNo: mine.officer.employeeNo, name: mine.officer.name }),
          status: 'active',
          scans: [
            { day: '2026-11-23', verdict: 'valid', count: 2 },
            { day: '2026-11-24', verdict: 'expired', count: 1 },
          ],
        }),
      ])
      expect(out.visitPassword).toMatchObject({ set: true, setBy: 'agen-123' })
      expect(out.visitPassword).not.toHaveProperty('word')
      expect(out.doorChecks).toEqual([expect.objectContaining({ state: 'waiting', pass: null })])
      // Nothing of the other customer, no addresses (not even hashed), never the sealed word.
      for (const absent of [theirs.id, OTHER_CUSTOMER, 'P2TL', 'NETWORK-HASH', WORD, OTHER_WORD, 'door-theirs', CUSTOMER_ID]) expect(result.stdout).not.toContain(absent)
    } finally {
      dir.remove()
    }
  })

  it('prints the visit password only with --include-word, and audits every export', async () => {
    const { app, dir, cli } = await exportWorld()
    try {
      await cli(['privacy', 'export', '--customer', CUSTOMER_ID])
      const withWord = await cli(['privacy', 'export', '--customer', CUSTOMER_ID, '--include-word'])
      expect(withWord.json?.visitPassword).toMatchObject({ set: true, word: WORD })
      expect(withWord.stdout).not.toContain(OTHER_WORD)
      const rows = await app.db.select().from(auditLog).where(eq(auditLog.action, 'privacy.exported'))
      expect(rows.map((row) => [row.actor, row.subject, JSON.parse(row.details).includeWord])).toEqual([
        ['cli', `customer:${hashCustomerId(app.services, CUSTOMER_ID)}`, false],
        ['cli', `customer:${hashCustomerId(app.services, CUSTOMER_ID)}`, true],
      ])
      for (const row of rows) expect(row.details).not.toContain(CUSTOMER_ID)
    } finally {
      dir.remove()
    }
  })

  it('says so for a customer with nothing held, and refuses an ID pelanggan that is not 12 digits', async () => {
    const { app, dir, cli } = await exportWorld()
    try {
      const none = await cli(['privacy', 'export', '--customer', '532100055555'])
      expect(none.json).toMatchObject({ visitPasses: [], visitPassword: { set: false }, doorChecks: [] })
      const rowsBefore = (await app.db.select().from(auditLog)).length
      const bad = await cli(['privacy', 'export', '--customer', '12345'])
      expect(bad.code).not.toBe(0)
      expect(bad.json).toMatchObject({ code: 'invalid_customer_id' })
      expect(bad.stderr).toContain('12 digits')
      expect(await app.db.select().from(auditLog)).toHaveLength(rowsBefore)
      const missing = await cli(['privacy', 'export'])
      expect(missing.code).toBe(64)
    } finally {
      dir.remove()
    }
  })
})
