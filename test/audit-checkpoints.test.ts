import { sql } from 'drizzle-orm'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { auditLog, auditSigningKeys } from '../db/schema.ts'
import { recordAudit } from '../src/audit/audit.ts'
import { AuditKeyError, CheckpointKey } from '../src/audit/checkpoint-key.ts'
import { AuditLogBroken, checkpointFilePath, rotateCheckpointKey, latestCheckpoint, proveAuditRow, publicCheckpoint, readCheckpointFile, startCheckpointSigner, verifyAuditLog, writeCheckpoint } from '../src/audit/checkpoints.ts'
import { appendLeaf, EMPTY_FRONTIER, fromBase64, frontierRoot, leafHash, toBase64, verifyInclusion, type Frontier } from '../src/audit/merkle.ts'
import { openNote, parseCheckpointBody, parseVerifierKey } from '../src/audit/signed-note.ts'
import { createTestApp, givenOfficer, PUBLIC_URL, tempDir, type TestClock } from './helpers.ts'
import { rewriteAuditRow } from './support/audit.ts'
import { givenUser, signIn } from './support/session.ts'

async function appWithKey() {
  const dir = tempDir('checkpoints')
  const app = await createTestApp({ config: { dataDir: dir.path, auditKeyFile: join(dir.path, 'keys', 'audit-ed25519.key') } })
  return { ...app, dir }
}

async function givenAuditRows(app: { db: Parameters<typeof recordAudit>[0]; clock: TestClock }, count: number) {
  for (let i = 0; i < count; i++) await recordAudit(app.db, app.clock, { actor: 'test', action: 'login.failed', subject: `user:${i}` })
}

describe('GET /audit/checkpoint', () => {
  it('answers 404 JSON before the first checkpoint, then the latest signed note as uncached text', async () => {
    const app = await appWithKey()
    try {
      const none = await app.request('/audit/checkpoint')
      expect(none.status).toBe(404)
      expect(await none.json()).toEqual({ error: 'no_checkpoint_yet' })
      await givenOfficer(app.services)
      const checkpoint = (await writeCheckpoint(app.services))!
      const res = await app.request('/audit/checkpoint')
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8')
      expect(res.headers.get('cache-control')).toBe('no-store')
      const note = await res.text()
      expect(note).toBe(checkpoint.note)
      const { publicKey } = await publicCheckpoint(app.services)
      const opened = (await openNote(note, [parseVerifierKey(publicKey)]))!
      expect(opened.signatures[0]?.verified).toBe(true)
      expect(parseCheckpointBody(opened.text)).toEqual({ origin: `${new URL(PUBLIC_URL).host}/audit`, treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash })
    } finally {
      app.dir.remove()
    }
  })
})

describe('writeCheckpoint', () => {
  it('signs the rows not yet covered, extends the last tree by them only, and keeps the latest beside the key', async () => {
    const app = await appWithKey()
    try {
      expect(await writeCheckpoint(app.services)).toBeNull()
      await givenAuditRows(app, 5)
      const first = (await writeCheckpoint(app.services))!
      expect(first.treeSize).toBe(5)
      expect(await writeCheckpoint(app.services)).toBeNull()
      await givenAuditRows(app, 6)
      const second = (await writeCheckpoint(app.services))!
      expect(second.treeSize).toBe(11)
      expect(await latestCheckpoint(app.services)).toEqual(second)
      expect(readCheckpointFile(app.config)).toBe(second.note)
      expect(statSync(checkpointFilePath(app.config)).mode & 0o777).toBe(0o600)
      // Each row's inclusion proof checks against the root signed from the frontier.
      const root = fromBase64(second.rootHash)!
      for (const row of await app.db.select().from(auditLog)) {
        const proof = await proveAuditRow(app.services, row.id)
        expect(verifyInclusion(leafHash(row.hash), row.id - 1, 11, proof.path.map((p) => fromBase64(p)!), root)).toBe(true)
      }
      expect(await verifyAuditLog(app.services)).toMatchObject({ ok: true, rows: 11, checkpoint: { treeSize: 11 }, fileCheckpoint: { treeSize: 11 }, uncovered: 0 })
    } finally {
      app.dir.remove()
    }
  })

  it('signs nothing over a log with a row missing', async () => {
    const app = await appWithKey()
    try {
      await givenAuditRows(app, 3)
      await writeCheckpoint(app.services)
      await givenAuditRows(app, 3)
      await app.db.rows(sql`delete from audit_log where id = 5`)
      await expect(writeCheckpoint(app.services)).rejects.toThrow(AuditLogBroken)
      expect((await latestCheckpoint(app.services))?.treeSize).toBe(3)
    } finally {
      app.dir.remove()
    }
  })

  it('never builds on a frontier altered to fit rewritten rows: the tree must give the signed root', async () => {
    const app = await appWithKey()
    try {
      await givenAuditRows(app, 4)
      await writeCheckpoint(app.services)
      await rewriteAuditRow(app.db, 2, 'someone-else')
      const leaves = (await app.db.select().from(auditLog)).map((row) => leafHash(row.hash))
      let forged: Frontier = EMPTY_FRONTIER
      for (const leaf of leaves) forged = appendLeaf(forged, leaf)
      await app.db.rows(sql`update audit_checkpoints set frontier = ${JSON.stringify(forged.roots.map(toBase64))}, root_hash = ${toBase64(frontierRoot(forged))} where tree_size = 4`)
      await givenAuditRows(app, 1)
      await expect(writeCheckpoint(app.services)).rejects.toThrow(/do not match the checkpoint at tree size 4/)
    } finally {
      app.dir.remove()
    }
  })

  it('is what the server signer does on stop, for the rows written since its last turn', async () => {
    const app = await appWithKey()
    try {
      const signer = startCheckpointSigner(app.services, 3_600_000)
      await givenAuditRows(app, 2)
      await signer.stop()
      expect((await latestCheckpoint(app.services))?.treeSize).toBe(2)
    } finally {
      app.dir.remove()
    }
  })
})

describe('the checkpoint key', () => {
  it('is made on first use, mode 0600, in Go note signer form, and its public half recorded', async () => {
    const app = await appWithKey()
    try {
      const signer = await app.services.checkpointKey.signer()
      const path = app.config.auditKeyFile
      expect(statSync(path).mode & 0o777).toBe(0o600)
      expect(signer.name).toBe('cek.example.id/audit')
      const again = await new CheckpointKey(app.db, app.config, app.clock).signer()
      expect(Buffer.from(again.publicKey).equals(Buffer.from(signer.publicKey))).toBe(true)
      expect(await app.db.select().from(auditSigningKeys)).toHaveLength(1)
    } finally {
      app.dir.remove()
    }
  })

  it('is never made again when its file is missing over a signed log, and never made at start in production', async () => {
    const app = await appWithKey()
    try {
      await givenAuditRows(app, 1)
      await writeCheckpoint(app.services)
      const { rmSync } = await import('node:fs')
      rmSync(app.config.auditKeyFile)
      await expect(new CheckpointKey(app.db, app.config, app.clock).signer()).rejects.toThrow(/missing but the audit log has 1 signed checkpoints: restore the key file/)
      expect(existsSync(app.config.auditKeyFile)).toBe(false)
      const fresh = tempDir('checkpoints-production')
      const production = await createTestApp({ config: { production: true, dataDir: fresh.path, auditKeyFile: join(fresh.path, 'audit-ed25519.key') } })
      await expect(production.services.checkpointKey.signer()).rejects.toThrow(AuditKeyError)
      await expect(production.services.checkpointKey.signer()).rejects.toThrow(/in production make it once with `npm run cli -- audit init-key`/)
      fresh.remove()
    } finally {
      app.dir.remove()
    }
  })
})

describe('rotateCheckpointKey', () => {
  it('is followed at once by another process on the same key file, which signs with the new key from then on', async () => {
    const app = await appWithKey()
    try {
      await givenAuditRows(app, 3)
      // The server's own key holder, beside the one of the CLI that rotates.
      const server = { ...app.services, checkpointKey: new CheckpointKey(app.db, app.config, app.clock) }
      const before = (await writeCheckpoint(server))!
      const rotated = await rotateCheckpointKey(app.services, 'cli')
      expect(rotated.previousKeyId).toBe(before.keyId)
      await givenAuditRows(app, 2)
      expect((await writeCheckpoint(server))?.keyId).toBe(rotated.keyId)
      expect(await verifyAuditLog(server)).toMatchObject({ ok: true, rows: 6, checkpoint: { treeSize: 6, keyId: rotated.keyId } })
    } finally {
      app.dir.remove()
    }
  })
})

describe('/admin/audit?verify=1', () => {
  it('checks the tree too: rows rewritten with the public formula are caught', async () => {
    const app = await appWithKey()
    try {
      const admin = await givenUser(app, 'admin', null)
      const browser = await signIn(app, admin.username)
      await givenAuditRows(app, 4)
      await writeCheckpoint(app.services)
      expect(await (await browser.get('/admin/audit?verify=1')).text()).toContain('Rantai utuh')
      await rewriteAuditRow(app.db, 2, 'someone-else')
      const page = await (await browser.get('/admin/audit?verify=1')).text()
      expect(page).toContain('Log tidak cocok dengan checkpoint bertanda tangan')
      expect(page).toContain('history was rewritten')
    } finally {
      app.dir.remove()
    }
  })
})
