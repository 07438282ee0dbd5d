import { createHash, randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import * as ed from '@noble/ed25519'
import { eq, sql } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { auditWitnessReceipts, outboxDeliveries } from '../db/schema.ts'
import { recordAudit } from '../src/audit/audit.ts'
import { latestCheckpoint, writeCheckpoint } from '../src/audit/checkpoints.ts'
import { consistencyProof, leafHash, type Frontier } from '../src/audit/merkle.ts'
import { CHANNEL_WITNESS, consistencyProofFromFrontier, WITNESS_STALE_MS, WitnessSender } from '../src/audit/witness.ts'
import { runDeliveryRound } from '../src/channel/worker.ts'
import { loadConfig, type Config } from '../src/config.ts'
import { formatAdminTime } from '../src/i18n/time.ts'
import { createServices, type Services } from '../src/services.ts'
import { createTestApp, fixedClock, PUBLIC_URL, tempDir, type TestClock } from './helpers.ts'
import { runCliAt } from './support/cli-at.ts'
import { givenUser, signIn } from './support/session.ts'
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts'
import { openDataDirDatabase } from './support/test-database.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

// ---------------------------------------------------------------------------------------------
// An independent RFC 6962 / RFC 9162 implementation, written here from the RFCs, for the witness.

const sha256 = (...parts: Uint8Array[]) => {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part)
  return new Uint8Array(hash.digest())
}
const node = (left: Uint8Array, right: Uint8Array) => sha256(Uint8Array.of(1), left, right)
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0

/** RFC 9162 §2.1.4.2, step by step. */
function consistent(first: number, second: number, firstHash: Uint8Array, secondHash: Uint8Array, proof: Uint8Array[]): boolean {
  if (first === second) return proof.length === 0 && same(firstHash, secondHash)
  if (first === 0 || first > second || proof.length === 0) return false
  const path = (first & (first - 1)) === 0 ? [firstHash, ...proof] : proof
  let fn = first - 1
  let sn = second - 1
  while (fn & 1) {
    fn >>= 1
    sn >>= 1
  }
  let fr = path[0]!
  let sr = path[0]!
  for (const c of path.slice(1)) {
    if (sn === 0) return false
    if (fn & 1 || fn === sn) {
      fr = node(c, fr)
      sr = node(c, sr)
      while (!(fn & 1) && fn !== 0) {
        fn >>= 1
        sn >>= 1
      }
    } else sr = node(sr, c)
    fn >>= 1
    sn >>= 1
  }
  return sn === 0 && same(fr, firstHash) && same(sr, secondHash)
}

/** MTH(D[n]) by the RFC's recursive definition. */
function mth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256()
  if (leaves.length === 1) return leaves[0]!
  let k = 1
  while (k * 2 < leaves.length) k *= 2
  return node(mth(leaves.slice(0, k)), mth(leaves.slice(k)))
}

// ---------------------------------------------------------------------------------------------
// A tlog-witness (C2SP) on 127.0.0.1 that keeps what it saw and cosigns (tlog-cosignature v1).

interface Submission {
  oldSize: number
  proofLines: number
  note: string
}

interface TestWitness {
  url: string
  name: string
  publicKey: Uint8Array
  submissions: Submission[]
  /** The latest checkpoint it cosigned, exactly as it was sent. */
  kept: () => string | null
  answers: number[]
  close: () => Promise<void>
}

const WITNESS_TIME = 1_795_399_200

async function startTestWitness(log: { name: string; publicKey: Uint8Array }): Promise<TestWitness> {
  const name = 'witness.example/w1'
  const secretKey = new Uint8Array(randomBytes(32))
  const publicKey = await ed.getPublicKeyAsync(secretKey)
  const logKeyId = sha256(Buffer.from(`${log.name}\n`), Uint8Array.of(0x01), log.publicKey).subarray(0, 4)
  const cosignerKeyId = sha256(Buffer.from(`${name}\n`), Uint8Array.of(0x04), publicKey).subarray(0, 4)
  const submissions: Submission[] = []
  const answers: number[] = []
  let latest: { size: number; root: Uint8Array; note: string } | null = null

  const answer = async (body: string): Promise<{ status: number; text: string; type?: string }> => {
    const [head = '', ...rest] = body.split('\n\n')
    const [oldLine = '', ...proofLines] = head.split('\n')
    const note = rest.join('\n\n')
    const old = /^old (0|[1-9]\d*)$/.exec(oldLine)
    if (!old) return { status: 400, text: 'bad old line' }
    const oldSize = Number(old[1])
    submissions.push({ oldSize, proofLines: proofLines.length, note })
    const [text = '', signatures = ''] = [note.slice(0, note.lastIndexOf('\n\n') + 1), note.slice(note.lastIndexOf('\n\n') + 2)]
    const [origin, sizeLine, rootLine] = text.split('\n')
    if (origin !== log.name) return { status: 404, text: 'unknown log' }
    let signed = false
    for (const line of signatures.split('\n').filter(Boolean)) {
      const match = /^— (\S+) (\S+)$/.exec(line)
      const blob = Buffer.from(match?.[2] ?? '', 'base64')
      if (match?.[1] !== log.name || blob.length !== 68 || !same(blob.subarray(0, 4), logKeyId)) continue
      signed ||= await ed.verifyAsync(blob.subarray(4), Buffer.from(text), log.publicKey)
    }
    if (!signed) return { status: 403, text: 'no trusted signature' }
    const size = Number(sizeLine)
    const root = Buffer.from(rootLine ?? '', 'base64')
    if (oldSize > size) return { status: 400, text: 'old size above the checkpoint' }
    if (oldSize !== (latest?.size ?? 0)) return { status: 409, text: `${latest?.size ?? 0}\n`, type: 'text/x.tlog.size' }
    if (latest && oldSize === size && !same(latest.root, root)) return { status: 409, text: `${latest.size}\n`, type: 'text/x.tlog.size' }
    const proof = proofLines.map((line) => new Uint8Array(Buffer.from(line, 'base64')))
    if (latest && oldSize > 0 && !consistent(oldSize, size, latest.root, root, proof)) return { status: 422, text: 'inconsistent' }
    latest = { size, root, note }
    const message = Buffer.from(`cosignature/v1\ntime ${WITNESS_TIME}\n${text}`)
    const timestamp = Buffer.alloc(8)
    timestamp.writeBigUInt64BE(BigInt(WITNESS_TIME))
    const signature = await ed.signAsync(message, secretKey)
    return { status: 200, text: `— ${name} ${Buffer.concat([cosignerKeyId, timestamp, signature]).toString('base64')}\n` }
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const reply = req.method === 'POST' && req.url === '/w/add-checkpoint' ? answer(Buffer.concat(chunks).toString('utf8')) : Promise.resolve({ status: 404, text: 'no such route', type: undefined })
      void reply.then(({ status, text, type }) => {
        answers.push(status)
        res.writeHead(status, { 'content-type': type ?? 'text/plain; charset=utf-8' }).end(text)
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/w`,
    name,
    publicKey,
    submissions,
    answers,
    kept: () => latest?.note ?? null,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** The log's verifier (name and public key), as a witness operator configures it. */
async function logKeyOf(services: Services) {
  const signer = await services.checkpointKey.signer()
  return { name: signer.name, publicKey: signer.publicKey }
}

/** A cosignature line verifies with the witness's key over cosignature/v1, its time and the checkpoint body. */
async function cosignatureVerifies(line: string, witness: TestWitness, note: string): Promise<boolean> {
  const blob = Buffer.from(line.split(' ')[2] ?? '', 'base64')
  const time = blob.readBigUInt64BE(4)
  const body = note.slice(0, note.lastIndexOf('\n\n') + 1)
  return ed.verifyAsync(blob.subarray(12), Buffer.from(`cosignature/v1\ntime ${time}\n${body}`), witness.publicKey)
}

// ---------------------------------------------------------------------------------------------

async function givenLog(config: Partial<Config> = {}, clock: TestClock = fixedClock()) {
  const dir = tempDir('witness')
  cleanups.push(() => dir.remove())
  const app = await createTestApp({ clock, config: { auditKeyFile: join(dir.path, 'audit-ed25519.key'), ...config } })
  const audit = async (count: number) => {
    for (let i = 0; i < count; i++) await recordAudit(app.db, app.clock, { actor: 'test', action: 'login.succeeded', subject: `user:${randomBytes(3).toString('hex')}` })
  }
  return { ...app, dir, audit }
}

async function givenWitness(services: Services) {
  const witness = await startTestWitness(await logKeyOf(services))
  cleanups.push(() => witness.close())
  return witness
}

async function receiptsOf(services: Services, witness: string) {
  return services.db.select().from(auditWitnessReceipts).where(eq(auditWitnessReceipts.witness, witness)).orderBy(auditWitnessReceipts.id)
}

describe('AUDIT_WITNESS_URL (C2SP tlog-witness add-checkpoint)', () => {
  it('is an http(s) submission prefix, kept without a trailing slash', () => {
    expect(loadConfig({}).auditWitnessUrl).toBeNull()
    expect(loadConfig({ AUDIT_WITNESS_URL: 'https://witness.example/w1/' }).auditWitnessUrl).toBe('https://witness.example/w1')
    expect(() => loadConfig({ AUDIT_WITNESS_URL: 'ftp://witness.example' })).toThrow(/AUDIT_WITNESS_URL must be an http\(s\) URL/)
  })

  it('sends each new checkpoint with a consistency proof from the size the witness cosigned, and keeps its cosignature', async () => {
    // The witness's key must be known before the app's config names its URL: start the log first.
    const log = await givenLog()
    const witness = await givenWitness(log.services)
    log.services.config.auditWitnessUrl = witness.url
    const sender = new WitnessSender(log.services)

    expect(await sender.round()).toEqual({ kind: 'idle' })
    await log.audit(5)
    await writeCheckpoint(log.services)
    const first = await sender.round()
    expect(first).toMatchObject({ kind: 'cosigned', treeSize: 5 })
    expect(witness.submissions.at(-1)).toMatchObject({ oldSize: 0, proofLines: 0 })

    await log.audit(8)
    await writeCheckpoint(log.services)
    expect(await sender.round()).toMatchObject({ kind: 'cosigned', treeSize: 13 })
    expect(witness.submissions.at(-1)?.oldSize).toBe(5)
    expect(witness.submissions.at(-1)?.proofLines).toBeGreaterThan(0)
    expect(witness.answers).toEqual([200, 200])
    // Nothing new: nothing sent.
    expect(await sender.round()).toEqual({ kind: 'idle' })
    expect(witness.submissions).toHaveLength(2)

    const receipts = await receiptsOf(log.services, new URL(witness.url).origin)
    expect(receipts.map((receipt) => receipt.treeSize)).toEqual([5, 13])
    const latest = (await latestCheckpoint(log.services))!
    expect(witness.kept()).toBe(latest.note)
    expect(receipts[1]!.cosignature).toMatch(/^— witness\.example\/w1 [A-Za-z0-9+/]+=*$/)
    expect(await cosignatureVerifies(receipts[1]!.cosignature!, witness, latest.note)).toBe(true)
  })

  it('learns the size the witness holds from its 409 and proves consistency from there', async () => {
    const log = await givenLog()
    const witness = await givenWitness(log.services)
    log.services.config.auditWitnessUrl = witness.url
    await log.audit(3)
    await writeCheckpoint(log.services)
    await new WitnessSender(log.services).round()
    // Our receipts are gone (a restored backup, say); the witness still holds size 3.
    await log.db.delete(auditWitnessReceipts)
    await log.audit(4)
    await writeCheckpoint(log.services)

    expect(await new WitnessSender(log.services).round()).toMatchObject({ kind: 'cosigned', treeSize: 7 })
    expect(witness.answers).toEqual([200, 409, 200])
    expect(witness.submissions.map((submission) => submission.oldSize)).toEqual([0, 0, 3])
  })

  it('retries with a growing backoff while the witness cannot be reached', async () => {
    const log = await givenLog()
    const witness = await givenWitness(log.services)
    log.services.config.auditWitnessUrl = witness.url
    await witness.close()
    await log.audit(2)
    await writeCheckpoint(log.services)
    const sender = new WitnessSender(log.services, { retryBaseMs: 1000, random: () => 1, timeoutMs: 2000 })
    const { result: delays, errors } = await capturingErrors(async () => {
      const delays: number[] = []
      for (let i = 0; i < 3; i++) {
        const round = await sender.round()
        expect(round.kind).toBe('failed')
        delays.push(sender.delayAfter(round))
      }
      return delays
    })
    expect(delays).toEqual([1000, 2000, 4000])
    expect(errors[0]).toMatch(/audit witness http:\/\/127\.0\.0\.1:\d+: could not reach it/)
    expect(await receiptsOf(log.services, new URL(witness.url).origin)).toEqual([])
  })

  /**
   * 11 rows, the witness holding the checkpoint of all 11; then whoever controls the database (and
   * the file kept beside the key) rolls both back to the genuine head of 6 rows: what is left is
   * consistent and signed, and plain `audit verify` passes.
   */
  async function givenRolledBackLog() {
    const dir = tempDir('witness-rollback')
    cleanups.push(() => dir.remove())
    const clock = fixedClock()
    const env = { DATA_DIR: dir.path, PUBLIC_URL, KEK: 'test-key-encryption-key-0123456789abcdef', DEMO: '0' }
    const db = await openDataDirDatabase(dir.path)
    cleanups.push(() => void db.close())
    const services = createServices({ db, config: loadConfig(env), clock })
    const witness = await givenWitness(services)
    services.config.auditWitnessUrl = witness.url
    const sender = new WitnessSender(services)
    const audit = async (count: number, actor = 'admin') => {
      for (let i = 0; i < count; i++) await recordAudit(db, clock, { actor, action: 'login.succeeded', subject: `user:${i}` })
    }
    await audit(6)
    const older = (await writeCheckpoint(services))!
    await sender.round()
    await audit(5)
    await writeCheckpoint(services)
    await sender.round()
    const kept = witness.kept()!
    expect(kept).toContain('\n11\n')

    await db.rows(sql`delete from audit_log where id > 6`)
    await db.rows(sql`delete from audit_checkpoints where tree_size > 6`)
    await db.rows(sql`delete from audit_witness_receipts`)
    writeFileSync(`${services.config.auditKeyFile}.checkpoint`, older.note)
    expect((await runCliAt(clock, ['audit', 'verify'], env)).code).toBe(0)

    const saved = join(dir.path, 'witness-kept.checkpoint')
    writeFileSync(saved, kept)
    const verifyWithKept = () => runCliAt(clock, ['audit', 'verify', '--checkpoint', saved], env)
    return { services, witness, sender, audit, kept, verifyWithKept }
  }

  it('catches a rollback to an older genuine head: the witness refuses the smaller tree, and `audit verify --checkpoint` with what it kept fails naming that checkpoint', async () => {
    const { services, witness, sender, audit, kept, verifyWithKept } = await givenRolledBackLog()
    await audit(1)
    await writeCheckpoint(services)
    const { result, errors } = await capturingErrors(() => sender.round())
    expect(result).toMatchObject({ kind: 'failed', error: expect.stringMatching(/has cosigned a tree of 11 rows, larger than our newest checkpoint \(7\): this log was rolled back/) })
    expect(errors).toHaveLength(1)
    expect(witness.kept()).toBe(kept)

    const verify = await verifyWithKept()
    expect(verify.code).not.toBe(0)
    expect(verify.stderr).toMatch(/saved checkpoint/)
    expect(verify.stderr).toMatch(/\b11\b/)
  })

  it('catches a rollback rewritten past the kept size: the witness finds the proof false, and so does `audit verify --checkpoint`', async () => {
    const { services, witness, sender, audit, kept, verifyWithKept } = await givenRolledBackLog()
    await audit(10, 'someone-else')
    await writeCheckpoint(services)
    const { result } = await capturingErrors(() => sender.round())
    expect(result).toMatchObject({ kind: 'failed', error: expect.stringMatching(/^HTTP 422 \(the witness found the consistency proof false/) })
    expect(witness.answers.slice(-2)).toEqual([409, 422])
    expect(witness.kept()).toBe(kept)

    const verify = await verifyWithKept()
    expect(verify.code).not.toBe(0)
    expect(verify.stderr).toMatch(/the saved checkpoint: history was rewritten \(the first changed row is among rows 7–11\)/)
  })
})

/** Runs `work` with console.error captured (the sender logs each failed round). */
async function capturingErrors<T>(work: () => Promise<T>): Promise<{ result: T; errors: string[] }> {
  const errors: string[] = []
  const logged = console.error
  console.error = (...parts: unknown[]) => void errors.push(parts.join(' '))
  try {
    return { result: await work(), errors }
  } finally {
    console.error = logged
  }
}

describe('the audit.checkpoint event on the 123 webhook stream', () => {
  const receivers: WebhookReceiver[] = []
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()))
  })

  async function givenChannelLog() {
    const receiver = await startWebhookReceiver()
    receivers.push(receiver)
    // The receiver checks the signature's timestamp against its own clock.
    const log = await givenLog({ webhookUrl: receiver.url, webhookSecret: receiver.secret, channelTimeoutMs: 2000 }, fixedClock(Date.now()))
    const checkpointRows = () => log.db.select().from(outboxDeliveries).where(eq(outboxDeliveries.eventType, 'audit.checkpoint'))
    return { ...log, receiver, checkpointRows }
  }

  it('goes out through the outbox, signed, and its delivery is recorded as the 123 witness receipt', async () => {
    const { services, clock, audit, receiver, checkpointRows } = await givenChannelLog()
    await audit(4)
    const checkpoint = (await writeCheckpoint(services))!
    expect(await checkpointRows()).toHaveLength(1)

    expect(await runDeliveryRound(services)).toMatchObject({ claimed: 1, delivered: 1 })
    const [message] = receiver.received
    expect(message?.verified, message?.verifyError ?? '').toBe(true)
    expect(message?.payload).toEqual({
      type: 'audit.checkpoint',
      timestamp: new Date(checkpoint.signedAt).toISOString(),
      data: { treeSize: 4, rootHash: checkpoint.rootHash, checkpoint: checkpoint.note },
    })
    expect(await receiptsOf(services, CHANNEL_WITNESS)).toEqual([expect.objectContaining({ treeSize: 4, cosignature: null, receivedAt: clock.now() })])
  })

  it('sends at most one a minute, always the newest', async () => {
    const { services, clock, audit, receiver, checkpointRows } = await givenChannelLog()
    await audit(1)
    await writeCheckpoint(services)
    await runDeliveryRound(services)
    // Two more checkpoints within the minute: one delivery, due a minute after the first was sent, carrying the newest.
    for (const rows of [2, 3]) {
      clock.advance(1000)
      await audit(rows)
      await writeCheckpoint(services)
    }
    expect(await checkpointRows()).toHaveLength(2)
    expect(await runDeliveryRound(services)).toMatchObject({ claimed: 0 })
    clock.advance(58_000)
    expect(await runDeliveryRound(services)).toMatchObject({ delivered: 1 })
    expect(receiver.received.map((message) => message.payload.data.treeSize)).toEqual([1, 6])
    expect((await receiptsOf(services, CHANNEL_WITNESS)).map((receipt) => receipt.treeSize)).toEqual([1, 6])
  })
})

describe('/admin/audit checkpoint panel', () => {
  async function adminBrowser(log: Awaited<ReturnType<typeof givenLog>>) {
    const admin = await givenUser(log, 'admin', null)
    return signIn(log, admin.username)
  }

  it('warns that no witness is configured', async () => {
    const log = await givenLog()
    const browser = await adminBrowser(log)
    await writeCheckpoint(log.services)
    const page = await (await browser.get('/admin/audit')).text()
    const latest = (await latestCheckpoint(log.services))!
    expect(page).toContain(latest.rootHash)
    expect(page).toContain(latest.keyId)
    expect(page).toContain(`${latest.treeSize} baris`)
    expect(page).toMatch(/data-witness-warning="none"[\s\S]*?Tidak ada saksi yang dikonfigurasi/)
  })

  it('shows when each witness last took a checkpoint, and warns once one is more than an hour behind', async () => {
    const log = await givenLog()
    const witness = await givenWitness(log.services)
    log.services.config.auditWitnessUrl = witness.url
    const origin = new URL(witness.url).origin
    await log.audit(3)
    await writeCheckpoint(log.services)
    await new WitnessSender(log.services).round()
    const takenAt = log.clock.now()

    log.clock.advance(10 * 60_000)
    await log.audit(1)
    await writeCheckpoint(log.services)
    let browser = await adminBrowser(log)
    let page = await (await browser.get('/admin/audit')).text()
    expect(page).toMatch(new RegExp(`data-witness="${origin}" data-stale="false">[\\s\\S]*?${formatAdminTime(takenAt, 'id')}`))
    expect(page).not.toContain('data-witness-warning')

    // The checkpoint it has not taken was signed more than an hour ago.
    log.clock.advance(WITNESS_STALE_MS + 1000)
    // A fresh sign-in: the earlier session has idled out meanwhile.
    browser = await adminBrowser(log)
    page = await (await browser.get('/admin/audit')).text()
    expect(page).toMatch(new RegExp(`data-witness="${origin}" data-stale="true"`))
    expect(page).toMatch(/data-witness-warning="stale"[\s\S]*?Tertinggal: saksi ini belum menerima checkpoint/)
    const english = await (await browser.get('/admin/audit?lang=en')).text()
    expect(english).toContain('Behind: this witness has not taken a checkpoint')
  })
})

describe('consistency proofs from a stored frontier', () => {
  it('match PROOF(m, D[n]) over every leaf, and verify with the RFC 9162 algorithm written above', () => {
    const leaves = Array.from({ length: 40 }, (_, i) => leafHash(createHash('sha256').update(`row ${i}`).digest('hex')))
    for (let m = 1; m <= 40; m++) {
      const frontier: Frontier = { size: m, roots: [] }
      let offset = 0
      for (const bit of [...m.toString(2)].map(Number).map((b, i, bits) => b * 2 ** (bits.length - 1 - i))) {
        if (bit === 0) continue
        frontier.roots.push(mth(leaves.slice(offset, offset + bit)))
        offset += bit
      }
      for (let n = m; n <= 40; n++) {
        const proof = consistencyProofFromFrontier(frontier, leaves.slice(m, n))
        expect(proof.map((hash) => Buffer.from(hash).toString('hex')), `${m}→${n}`).toEqual(consistencyProof(leaves, m, n).map((hash) => Buffer.from(hash).toString('hex')))
        expect(consistent(m, n, mth(leaves.slice(0, m)), mth(leaves.slice(0, n)), proof), `${m}→${n}`).toBe(true)
      }
    }
  })
})
