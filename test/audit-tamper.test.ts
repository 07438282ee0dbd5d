import { sql } from 'drizzle-orm'
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Db } from '../db/client.ts'
import { fromBase64, verifyInclusion } from '../src/audit/merkle.ts'
import { openNote, parseVerifierKey } from '../src/audit/signed-note.ts'
import { runCli } from '../src/cli.ts'
import { fixedClock, tempDir } from './helpers.ts'
import { rewriteAuditRow } from './support/audit.ts'
import { databaseEnv, openDataDirDatabase } from './support/test-database.ts'

// The attacks of issue 16, on a real DATA_DIR through the CLI's own entry point (in this process:
// the same code `npm run cli` runs, without a child process per command).

interface Run {
  code: number
  json: Record<string, unknown>
  stderr: string
}

const dirs: { remove: () => void }[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove()
  vi.restoreAllMocks()
})

async function givenLog(officers: number) {
  const dir = tempDir('tamper')
  dirs.push(dir)
  const env = { DATA_DIR: dir.path, PUBLIC_URL: 'https://cek.example.id', ...(await databaseEnv({ DATA_DIR: dir.path })) }
  const clock = fixedClock()
  const cli = async (...args: string[]): Promise<Run> => {
    const out: string[] = []
    const err: string[] = []
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line))
    const error = vi.spyOn(console, 'error').mockImplementation((line: string) => void err.push(line))
    try {
      clock.advance(1000)
      const code = await runCli([...args, '--json'], env, clock)
      return { code, json: JSON.parse(out.join('\n')) as Record<string, unknown>, stderr: err.join('\n') }
    } finally {
      log.mockRestore()
      error.mockRestore()
    }
  }
  for (let i = 1; i <= officers; i++) expect((await cli('officer', 'add', '--employee-no', `T${100 + i}`, '--name', `Petugas ${i}`)).code).toBe(0)
  const keyFile = join(dir.path, 'audit-ed25519.key')
  const checkpointFile = `${keyFile}.checkpoint`
  /** Works on the database file directly, as someone with write access to it would. */
  const tamper = async (change: (db: Db) => Promise<void> | void) => {
    const db = await openDataDirDatabase(dir.path)
    try {
      await change(db)
    } finally {
      await db.close()
    }
  }
  const save = (name: string) => {
    const path = join(dir.path, `${name}.saved`)
    copyFileSync(checkpointFile, path)
    return path
  }
  return { cli, tamper, save, keyFile, checkpointFile }
}

describe('audit verify catches what the hash chain alone did not', () => {
  it('one row edited and every later hash recomputed with the public formula: names the row', async () => {
    const log = await givenLog(6)
    expect((await log.cli('audit', 'verify')).json).toMatchObject({ ok: true, rows: 6, checkpoint: { treeSize: 6 } })
    await log.tamper((db) => rewriteAuditRow(db, 3, 'someone-else'))
    const check = await log.cli('audit', 'verify')
    expect(check.code).toBe(1)
    expect(check.json).toMatchObject({ ok: false, brokenId: 3, checkpoint: 'database checkpoint at tree size 3' })
    expect(check.json.reason).toMatch(/history was rewritten \(row 3 was changed\)/)
    expect(check.stderr).toMatch(/^error: Audit log does not fit its checkpoint/)
  })

  it('the newest rows deleted: a truncated tail, naming the first missing row', async () => {
    const log = await givenLog(6)
    await log.tamper(async (db) => void (await db.rows(sql`delete from audit_log where id > 4`)))
    const check = await log.cli('audit', 'verify')
    expect(check.code).toBe(1)
    expect(check.json).toMatchObject({ ok: false, rows: 4, brokenId: 5, checkpoint: 'database checkpoint at tree size 6' })
    expect(check.json.reason).toMatch(/truncated tail/)
  })

  it('a middle row deleted: names where the chain breaks', async () => {
    const log = await givenLog(6)
    await log.tamper(async (db) => void (await db.rows(sql`delete from audit_log where id = 3`)))
    const check = await log.cli('audit', 'verify')
    expect(check.code).toBe(1)
    expect(check.json).toMatchObject({ ok: false, brokenId: 4, reason: 'row 3 is missing' })
  })

  it('rolled back to an older genuine checkpoint with the rows and checkpoints after it deleted: caught by the file beside the key', async () => {
    const log = await givenLog(6)
    await log.tamper(async (db) => {
      await db.rows(sql`delete from audit_log where id > 4`)
      await db.rows(sql`delete from audit_checkpoints where tree_size > 4`)
    })
    const check = await log.cli('audit', 'verify')
    expect(check.code).toBe(1)
    expect(check.json).toMatchObject({ ok: false, rows: 4, brokenId: 5, checkpoint: `checkpoint file ${log.checkpointFile}` })
  })

  it('the same rollback with the file beside the key rolled back too: caught by --checkpoint with one saved earlier', async () => {
    const log = await givenLog(4)
    const older = log.save('older')
    expect((await log.cli('officer', 'add', '--employee-no', 'T200', '--name', 'Petugas lima')).code).toBe(0)
    expect((await log.cli('officer', 'add', '--employee-no', 'T201', '--name', 'Petugas enam')).code).toBe(0)
    const today = log.save('today')
    const intact = await log.cli('audit', 'verify', '--checkpoint', older)
    expect(intact.json).toMatchObject({ ok: true, rows: 6, savedCheckpoint: { treeSize: 4, todayTreeSize: 6 } })
    expect((intact.json.savedCheckpoint as { consistencyProof: string[] }).consistencyProof.length).toBeGreaterThan(0)

    await log.tamper(async (db) => {
      await db.rows(sql`delete from audit_log where id > 4`)
      await db.rows(sql`delete from audit_checkpoints where tree_size > 4`)
    })
    copyFileSync(older, log.checkpointFile)
    expect((await log.cli('audit', 'verify')).json).toMatchObject({ ok: true, rows: 4 })
    const check = await log.cli('audit', 'verify', '--checkpoint', today)
    expect(check.code).toBe(1)
    expect(check.json).toMatchObject({ ok: false, rows: 4, brokenId: 5, checkpoint: 'saved checkpoint' })
    expect(check.json.reason).toMatch(/covers 6 rows but the log has 4/)
  })

  it('a saved checkpoint whose signature was altered is refused', async () => {
    const log = await givenLog(2)
    const saved = log.save('saved')
    writeFileSync(saved, readFileSync(saved, 'utf8').replace(/ (\S{20})(\S+)\n$/, (_, keep: string, rest: string) => ` ${keep}${rest.startsWith('A') ? 'B' : 'A'}${rest.slice(1)}\n`))
    const check = await log.cli('audit', 'verify', '--checkpoint', saved)
    expect(check.json).toMatchObject({ ok: false, brokenId: null, checkpoint: 'saved checkpoint' })
    expect(check.json.reason).toMatch(/no valid signature/)
  })
})

describe('the checkpoint key', () => {
  it('missing over a signed log: every command fails with one clear line, and no new key is made', async () => {
    const log = await givenLog(2)
    rmSync(log.keyFile)
    const run = await log.cli('officer', 'add', '--employee-no', 'T300', '--name', 'Petugas')
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(`error: AUDIT_KEY_FILE ${log.keyFile} is missing but the audit log has 2 signed checkpoints: restore the key file (a new key is never made over a signed log)`)
    expect((await log.cli('audit', 'verify')).code).toBe(1)
    expect((await log.cli('audit', 'init-key')).code).toBe(1)
    expect(existsSync(log.keyFile)).toBe(false)
  })

  it('rotate-key: recorded in the log, old checkpoints still verify, new ones are signed by the new key', async () => {
    const log = await givenLog(3)
    const before = (await log.cli('audit', 'checkpoint')).json as { checkpoint: string; publicKey: string }
    const older = log.save('older')
    const rotated = await log.cli('audit', 'rotate-key')
    expect(rotated.code).toBe(0)
    const { keyId, previousKeyId, publicKey } = rotated.json as { keyId: string; previousKeyId: string; publicKey: string }
    expect(keyId).not.toBe(previousKeyId)
    expect(before.publicKey).toContain(`+${previousKeyId}+`)

    expect((await log.cli('officer', 'add', '--employee-no', 'T400', '--name', 'Petugas baru')).code).toBe(0)
    const after = (await log.cli('audit', 'checkpoint')).json as { checkpoint: string; publicKey: string }
    expect(after.publicKey).toBe(publicKey)
    expect((await openNote(after.checkpoint, [parseVerifierKey(publicKey)]))?.signatures[0]).toMatchObject({ keyId, verified: true })
    expect((await openNote(before.checkpoint, [parseVerifierKey(before.publicKey)]))?.signatures[0]).toMatchObject({ keyId: previousKeyId, verified: true })

    const check = await log.cli('audit', 'verify', '--checkpoint', older)
    expect(check.json).toMatchObject({ ok: true, rows: 5, checkpoint: { treeSize: 5, keyId }, savedCheckpoint: { treeSize: 3, keyId: previousKeyId } })
    await log.tamper(async (db) => {
      const rows = await db.rows(sql`select action, subject from audit_log where id = 4`)
      expect(rows).toEqual([{ action: 'audit.key_rotated', subject: `audit_key:${keyId}` }])
      expect(await db.rows(sql`select key_id as "keyId", retired_at is not null as retired from audit_signing_keys order by created_at`)).toEqual([
        { keyId: previousKeyId, retired: 1 },
        { keyId, retired: 0 },
      ])
    })
  })
})

describe('audit prove', () => {
  it('prints an inclusion proof of a row in the latest checkpoint, and refuses a row not covered', async () => {
    const log = await givenLog(5)
    const proof = await log.cli('audit', 'prove', '3')
    expect(proof.code).toBe(0)
    expect(proof.json).toMatchObject({ rowId: 3, leafIndex: 2, treeSize: 5 })
    expect((proof.json.path as string[]).length).toBe(3)
    expect(proof.json.checkpoint).toBe(readFileSync(log.checkpointFile, 'utf8'))
    const root = fromBase64(proof.json.rootHash as string)!
    expect(verifyInclusion(fromBase64(proof.json.leafHash as string)!, 2, 5, (proof.json.path as string[]).map((p) => fromBase64(p)!), root)).toBe(true)
    const beyond = await log.cli('audit', 'prove', '6')
    expect(beyond.code).toBe(1)
    expect(beyond.json.error).toBe('Row 6 is not covered by the latest checkpoint (tree size 5)')
  })
})
