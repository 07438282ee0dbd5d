import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { asc, desc, eq, gt, lte } from 'drizzle-orm'
import type { Queries } from '../../db/client.ts'
import { auditCheckpoints, auditLog } from '../../db/schema.ts'
import type { Config } from '../config.ts'
import type { Services } from '../services.ts'
import { appendAuditRow, lastAuditId, verifyAuditChain, type AuditRow } from './audit.ts'
import { recordSigningKey, retireSigningKey } from './checkpoint-key.ts'
import {
  appendLeaf,
  consistencyProof,
  EMPTY_FRONTIER,
  extendFrontier,
  fromBase64,
  frontierRoot,
  inclusionProof,
  leafHash,
  toBase64,
  verifyConsistency,
  verifyInclusion,
  type Frontier,
  PackedLeaves,
} from './merkle.ts'
import { formatCheckpointBody, formatVerifierKey, keyIdHex, noteKeyId, openNote, parseCheckpointBody, signNote, type CheckpointBody, type NoteVerifier } from './signed-note.ts'
import { announceCheckpoint } from './witness.ts'

/**
 * Signed checkpoints over the audit log (DESIGN §13). Batches, not one per action: the server's
 * primary process signs at most once a second when rows were added (startCheckpointSigner), and
 * the CLI signs before it exits after a command that wrote rows. An Ed25519 signature and a file
 * write on every audited action would sit on every hot path (reports, logins, desk lookups) and
 * serialise them behind the key; a second's delay costs nothing, since `audit verify` checks the
 * rows not yet covered through the hash chain and covers them with the next checkpoint.
 */

export type CheckpointRow = typeof auditCheckpoints.$inferSelect

export class AuditLogBroken extends Error {}

export function latestCheckpoint(services: Pick<Services, 'db'>): Promise<CheckpointRow | null> {
  return latestCheckpointIn(services.db)
}

async function latestCheckpointIn(db: Queries): Promise<CheckpointRow | null> {
  const [row] = await db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.treeSize)).limit(1)
  return row ?? null
}

/** The latest checkpoint is also kept here, outside the database: a rollback of the database is still caught locally. */
export function checkpointFilePath(config: Pick<Config, 'auditKeyFile'>): string {
  return `${config.auditKeyFile}.checkpoint`
}

export function readCheckpointFile(config: Pick<Config, 'auditKeyFile'>): string | null {
  try {
    return readFileSync(checkpointFilePath(config), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

/**
 * Signs a checkpoint over every row not yet covered, extending the last checkpoint's tree by
 * those rows only; null when there are none. Refuses to sign over a gap in the rows: a signature
 * must never vouch for a log already broken.
 */
export async function writeCheckpoint(services: Pick<Services, 'db' | 'clock' | 'config' | 'checkpointKey'>): Promise<CheckpointRow | null> {
  const signer = await services.checkpointKey.signer()
  // Checked first without the write lock: the server asks every second, mostly to hear "nothing new".
  if ((await lastAuditId(services.db)) <= ((await latestCheckpoint(services))?.treeSize ?? 0)) return null
  const written = await services.db.transaction(async (tx) => {
    const last = await latestCheckpointIn(tx)
    const from = last?.treeSize ?? 0
    if ((await lastAuditId(tx)) <= from) return null
    let frontier = last ? await frontierOf(tx, last, signer, services.checkpointKey.lastSigned) : EMPTY_FRONTIER
    const rows = await tx.select({ id: auditLog.id, hash: auditLog.hash }).from(auditLog).where(gt(auditLog.id, from)).orderBy(asc(auditLog.id))
    for (const row of rows) {
      if (row.id !== frontier.size + 1) throw new AuditLogBroken(`Audit row ${frontier.size + 1} is missing; no checkpoint is signed over a broken log (run \`audit verify\`)`)
      frontier = appendLeaf(frontier, leafHash(row.hash))
    }
    const rootHash = toBase64(frontierRoot(frontier))
    const note = await signNote(formatCheckpointBody({ origin: signer.name, treeSize: frontier.size, rootHash }), signer)
    const now = services.clock.now()
    const checkpoint: CheckpointRow = {
      treeSize: frontier.size,
      rootHash,
      frontier: JSON.stringify(frontier.roots.map(toBase64)),
      note,
      keyId: keyIdHex(signer.keyId),
      signedAt: now,
    }
    // Another process may have signed the same size meanwhile; theirs stands and was announced.
    const inserted = await tx.insert(auditCheckpoints).values(checkpoint).onConflictDoNothing().returning({ treeSize: auditCheckpoints.treeSize })
    if (inserted.length === 0) return null
    await announceCheckpoint(tx, now, { treeSize: checkpoint.treeSize, rootHash, note })
    return checkpoint
  })
  if (written) {
    services.checkpointKey.lastSigned = written.note
    keepCheckpointFile(services.config, written)
  }
  return written
}

/** Replaces the file beside the key unless it already holds a larger tree (written by another process). */
function keepCheckpointFile(config: Pick<Config, 'auditKeyFile'>, checkpoint: CheckpointRow): void {
  const kept = readCheckpointFile(config)
  const keptSize = kept === null ? null : (parseCheckpointBody(kept.slice(0, kept.indexOf('\n\n') + 1))?.treeSize ?? null)
  if (keptSize !== null && keptSize >= checkpoint.treeSize) return
  const path = checkpointFilePath(config)
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, checkpoint.note, { mode: 0o600 })
  renameSync(temporary, path)
}

/**
 * The tree of the last checkpoint, to extend. Its stored frontier is not signed, so it is used
 * only when it folds into the root of a note this key signed; otherwise (a checkpoint of the key
 * before a rotation, a frontier altered in the database) the tree is rebuilt from the rows, and
 * must give the signed root: a new checkpoint never builds on a history other than the signed one.
 */
async function frontierOf(tx: Queries, checkpoint: CheckpointRow, signer: NoteVerifier, signedHereLast: string | null): Promise<Frontier> {
  const body = checkpointBodyOf(checkpoint.note)
  if (!body || body.treeSize !== checkpoint.treeSize) throw new AuditLogBroken(`The checkpoint at tree size ${checkpoint.treeSize} was altered; run \`audit verify\``)
  const roots = (JSON.parse(checkpoint.frontier) as string[]).map((text) => fromBase64(text))
  const stored = { size: checkpoint.treeSize, roots: roots.filter((root) => root !== null) }
  const signedHere = checkpoint.note === signedHereLast || (await openNote(checkpoint.note, [signer]))?.signatures.some((signature) => signature.verified) === true
  if (signedHere && stored.roots.length === roots.length && toBase64(frontierRoot(stored)) === body.rootHash) return stored
  const rebuilt: Frontier = { size: 0, roots: [] }
  const rows = await tx.select({ id: auditLog.id, hash: auditLog.hash }).from(auditLog).where(lte(auditLog.id, checkpoint.treeSize)).orderBy(asc(auditLog.id))
  for (const row of rows) if (row.id === rebuilt.size + 1) extendFrontier(rebuilt, leafHash(row.hash))
  if (rebuilt.size !== checkpoint.treeSize || toBase64(frontierRoot(rebuilt)) !== body.rootHash) {
    throw new AuditLogBroken(`The audit rows do not match the checkpoint at tree size ${checkpoint.treeSize}; no checkpoint is signed over them (run \`audit verify\`)`)
  }
  return rebuilt
}

/** Signs new rows at most once per `intervalMs` in the server's primary process; stop() signs what is left. */
export function startCheckpointSigner(services: Pick<Services, 'db' | 'clock' | 'config' | 'checkpointKey'>, intervalMs = 1000): { stop: () => Promise<void> } {
  let timer: NodeJS.Timeout | null = null
  let running: Promise<void> = Promise.resolve()
  let lastError = ''
  const tick = async () => {
    try {
      await writeCheckpoint(services)
      lastError = ''
    } catch (error) {
      // Logged once per distinct problem, not every second.
      const message = (error as Error).message
      if (message !== lastError) console.error(`Audit checkpoint not signed: ${message}`)
      lastError = message
    }
  }
  let stopped = false
  const schedule = () => {
    if (stopped) return
    timer = setTimeout(() => {
      running = tick().then(schedule)
    }, intervalMs)
    timer.unref()
  }
  schedule()
  return {
    stop: async () => {
      stopped = true
      if (timer) clearTimeout(timer)
      await running
      await tick()
    },
  }
}

/** `audit checkpoint`: the latest signed note and the verifier key that checks it. */
export async function publicCheckpoint(services: Pick<Services, 'db' | 'checkpointKey'>): Promise<{ checkpoint: string | null; publicKey: string }> {
  const signer = await services.checkpointKey.signer()
  const latest = await latestCheckpoint(services)
  return { checkpoint: latest?.note ?? null, publicKey: formatVerifierKey(signer) }
}

export interface CheckpointSummary {
  treeSize: number
  rootHash: string
  keyId: string | null
}

export interface SavedCheckpointProof extends CheckpointSummary {
  /** The tree it was proved a prefix of. */
  todayTreeSize: number
  todayRootHash: string
  /** RFC 6962 PROOF(m, D[n]) as base64 hashes. */
  consistencyProof: string[]
}

export type AuditLogCheck =
  | {
      ok: true
      rows: number
      checkpoint: CheckpointSummary | null
      fileCheckpoint: CheckpointSummary | null
      savedCheckpoint: SavedCheckpointProof | null
      /** Rows after the latest checkpoint, checked by the chain only until the next one is signed. */
      uncovered: number
    }
  | {
      ok: false
      rows: number
      /** The first row that does not fit, when a row can be named (not for a bad signature). */
      brokenId: number | null
      reason: string
      /** Which checkpoint does not fit, when it is a checkpoint. */
      checkpoint: string | null
    }

interface KnownCheckpoint {
  source: string
  body: CheckpointBody
  /** The signed note; null for the database's earlier checkpoints until one is needed (they are many, and only narrow down a rewrite). */
  note: string | null
}

/**
 * `audit verify` and the console's check: the hash chain from the first row, and the Merkle
 * tree of the rows against every signed checkpoint in the database, the one kept beside the key
 * and, when given, a checkpoint saved earlier (proved a prefix of today's tree).
 */
export async function verifyAuditLog(services: Pick<Services, 'db' | 'checkpointKey'> & { config: Pick<Config, 'auditKeyFile'> }, options: { saved?: string | null } = {}): Promise<AuditLogCheck> {
  const signer = await services.checkpointKey.existing()
  const [anyCheckpoint] = await services.db.select({ treeSize: auditCheckpoints.treeSize }).from(auditCheckpoints).limit(1)
  if (!signer) {
    // Nothing was signed yet: the chain is all there is to check.
    if (!anyCheckpoint && readCheckpointFile(services.config) === null && options.saved == null) return chainOnly(await verifyAuditChain(services.db))
    return { ok: false, rows: 0, brokenId: null, reason: `AUDIT_KEY_FILE ${services.checkpointKey.path} is missing, so the checkpoints cannot be checked`, checkpoint: `key file ${services.checkpointKey.path}` }
  }
  const origin = signer.name
  const rotations: Rotation[] = []
  const known: KnownCheckpoint[] = []
  const dbSource = (treeSize: number) => `database checkpoint at tree size ${treeSize}`
  for (const row of await services.db.select({ treeSize: auditCheckpoints.treeSize, rootHash: auditCheckpoints.rootHash }).from(auditCheckpoints).orderBy(asc(auditCheckpoints.treeSize))) {
    known.push({ source: dbSource(row.treeSize), body: { origin, treeSize: row.treeSize, rootHash: row.rootHash }, note: null })
  }
  const latestRow = await latestCheckpoint(services)
  const fileNote = readCheckpointFile(services.config)
  const heads: { latestInDb: KnownCheckpoint | null; inFile: KnownCheckpoint | null; saved: KnownCheckpoint | null } = { latestInDb: null, inFile: null, saved: null }
  for (const [slot, source, note] of [
    ['latestInDb', latestRow && dbSource(latestRow.treeSize), latestRow?.note ?? null],
    ['inFile', `checkpoint file ${checkpointFilePath(services.config)}`, fileNote],
    ['saved', 'saved checkpoint', options.saved ?? null],
  ] as const) {
    if (note === null || source === null) continue
    const body = checkpointBodyOf(note)
    if (!body || body.origin !== origin || (slot === 'latestInDb' && body.treeSize !== latestRow?.treeSize)) {
      return { ok: false, rows: 0, brokenId: null, reason: `the ${source} is not a checkpoint of ${origin}`, checkpoint: source }
    }
    heads[slot] = { source, body, note }
  }
  const { latestInDb, inFile, saved } = heads
  const headList = [latestInDb, inFile, saved].filter((head) => head !== null)

  // Every checkpoint is compared with the tree of the rows at its size as the rows stream by.
  const expected = new Map<number, KnownCheckpoint[]>()
  for (const checkpoint of [...known, ...headList]) expected.set(checkpoint.body.treeSize, [...(expected.get(checkpoint.body.treeSize) ?? []), checkpoint])
  const frontier: Frontier = { size: 0, roots: [] }
  const leaves = saved ? new PackedLeaves() : null
  let lastMatched = 0
  let mismatch: { checkpoint: KnownCheckpoint; after: number } | null = null
  const chain = await verifyAuditChain(services.db, (row) => {
    const leaf = leafHash(row.hash)
    extendFrontier(frontier, leaf)
    leaves?.push(leaf)
    if (row.action === 'audit.key_rotated') rotations.push(rotationOf(row))
    const due = expected.get(frontier.size)
    if (!due || mismatch) return
    const root = toBase64(frontierRoot(frontier))
    const wrong = due.find((checkpoint) => checkpoint.body.rootHash !== root)
    if (wrong) mismatch = { checkpoint: wrong, after: lastMatched }
    else lastMatched = frontier.size
  })
  const found = mismatch as { checkpoint: KnownCheckpoint; after: number } | null
  const rows = chain.rows - (chain.ok ? 0 : 1)

  const verifiers = trustedKeys(signer, rotations)
  const signed = async (note: string) => (await openNote(note, verifiers))?.signatures.some((signature) => signature.verified) === true
  // A mismatch is found only on rows that fit the chain, so it comes before any break of the chain.
  if (found) {
    const { checkpoint, after } = found
    const note = checkpoint.note ?? (await checkpointNoteAt(services.db, checkpoint.body.treeSize))
    if (!(await signed(note))) return badSignature(rows, checkpoint)
    if (checkpointBodyOf(note)?.rootHash !== checkpoint.body.rootHash) {
      return { ok: false, rows, brokenId: null, reason: `the ${checkpoint.source} was altered: its root is not the one its note signs`, checkpoint: checkpoint.source }
    }
    const first = after + 1
    const where = first === checkpoint.body.treeSize ? `row ${first} was changed` : `the first changed row is among rows ${first}–${checkpoint.body.treeSize}`
    return { ok: false, rows, brokenId: first, reason: `the rows do not match the ${checkpoint.source}: history was rewritten (${where})`, checkpoint: checkpoint.source }
  }
  if (!chain.ok) return chainOnly(chain)

  for (const head of headList) {
    if (!(await signed(head.note!))) return badSignature(rows, head)
    if (head.body.treeSize > rows) {
      return {
        ok: false,
        rows,
        brokenId: rows + 1,
        reason: `the ${head.source} covers ${head.body.treeSize} rows but the log has ${rows}: its newest rows were deleted (truncated tail)`,
        checkpoint: head.source,
      }
    }
  }

  let savedProof: SavedCheckpointProof | null = null
  if (saved && leaves) {
    const today = latestInDb ?? inFile
    // Today's head matched the rows' tree as they streamed by, so its root is today's root.
    const head = today && today.body.treeSize >= saved.body.treeSize ? today : saved
    const n = head.body.treeSize
    const todayRoot = head.body.rootHash
    const proof = saved.body.treeSize === 0 ? [] : consistencyProof(leaves, saved.body.treeSize, n)
    const consistent = saved.body.treeSize === 0 || verifyConsistency(saved.body.treeSize, n, fromBase64(saved.body.rootHash)!, fromBase64(todayRoot)!, proof)
    if (!consistent) return { ok: false, rows, brokenId: null, reason: `the saved checkpoint at tree size ${saved.body.treeSize} is not a prefix of today's tree of ${n}`, checkpoint: saved.source }
    savedProof = { ...summaryOf(saved), todayTreeSize: n, todayRootHash: todayRoot, consistencyProof: proof.map(toBase64) }
  }
  return {
    ok: true,
    rows,
    checkpoint: latestInDb ? summaryOf(latestInDb) : null,
    fileCheckpoint: inFile ? summaryOf(inFile) : null,
    savedCheckpoint: savedProof,
    uncovered: rows - (latestInDb?.body.treeSize ?? 0),
  }
}

async function checkpointNoteAt(db: Queries, treeSize: number): Promise<string> {
  const [row] = await db.select({ note: auditCheckpoints.note }).from(auditCheckpoints).where(eq(auditCheckpoints.treeSize, treeSize))
  return row?.note ?? ''
}

function chainOnly(chain: Awaited<ReturnType<typeof verifyAuditChain>>): AuditLogCheck {
  if (!chain.ok) return { ok: false, rows: chain.rows, brokenId: chain.brokenId, reason: chain.reason, checkpoint: null }
  return { ok: true, rows: chain.rows, checkpoint: null, fileCheckpoint: null, savedCheckpoint: null, uncovered: chain.rows }
}

function badSignature(rows: number, checkpoint: KnownCheckpoint): AuditLogCheck {
  return { ok: false, rows, brokenId: null, reason: `the ${checkpoint.source} has no valid signature by a known key of this log`, checkpoint: checkpoint.source }
}

function checkpointBodyOf(note: string): CheckpointBody | null {
  const split = note.lastIndexOf('\n\n')
  return split < 0 ? null : parseCheckpointBody(note.slice(0, split + 1))
}

function summaryOf(checkpoint: KnownCheckpoint): CheckpointSummary {
  const signature = /\n\u2014 \S+ ([A-Za-z0-9+/]+=*)\n/u.exec(checkpoint.note ?? '')
  const keyId = signature?.[1] ? Buffer.from(signature[1], 'base64').subarray(0, 4).toString('hex') : null
  return { treeSize: checkpoint.body.treeSize, rootHash: checkpoint.body.rootHash, keyId }
}

interface Rotation {
  previous: NoteVerifier | null
  next: NoteVerifier | null
}

function rotationOf(row: AuditRow): Rotation {
  const details = JSON.parse(row.details) as Record<string, unknown>
  const verifier = (publicKey: unknown): NoteVerifier | null => {
    if (typeof details.name !== 'string' || typeof publicKey !== 'string') return null
    const bytes = Buffer.from(publicKey, 'base64')
    return bytes.length === 32 ? { name: details.name, keyId: noteKeyId(details.name, bytes), publicKey: bytes } : null
  }
  return { previous: verifier(details.previousPublicKey), next: verifier(details.publicKey) }
}

/**
 * The key file's key, and each key it replaced, newest first: a rotation row vouches for the key
 * it retired only when the key it brought in is already trusted, so a row added to the database
 * by hand cannot bring in a key of its own.
 */
function trustedKeys(current: NoteVerifier, rotations: readonly Rotation[]): NoteVerifier[] {
  const trusted = [current]
  const isTrusted = (key: NoteVerifier) => trusted.some((known) => Buffer.compare(known.publicKey, key.publicKey) === 0 && known.name === key.name)
  for (const { previous, next } of [...rotations].reverse()) if (previous && next && isTrusted(next) && !isTrusted(previous)) trusted.push(previous)
  return trusted
}

export interface InclusionProof {
  rowId: number
  leafIndex: number
  treeSize: number
  /** Base64 of SHA-256(0x00 ‖ row hash). */
  leafHash: string
  rowHash: string
  rootHash: string
  /** RFC 6962 PATH(leafIndex, D[treeSize]), from the leaf up, as base64 hashes. */
  path: string[]
  checkpoint: string
}

/** `audit prove <id>`: the row's inclusion proof in the latest checkpoint's tree. */
export async function proveAuditRow(services: Pick<Services, 'db'>, rowId: number): Promise<InclusionProof> {
  const latest = await latestCheckpoint(services)
  if (!latest || rowId < 1 || rowId > latest.treeSize) {
    throw new AuditLogBroken(latest ? `Row ${rowId} is not covered by the latest checkpoint (tree size ${latest.treeSize})` : 'No checkpoint has been signed yet')
  }
  const rows = await services.db.select({ id: auditLog.id, hash: auditLog.hash }).from(auditLog).where(lte(auditLog.id, latest.treeSize)).orderBy(asc(auditLog.id))
  if (rows.length !== latest.treeSize || rows.some((row, i) => row.id !== i + 1)) throw new AuditLogBroken('The audit rows do not fit the latest checkpoint; run `audit verify`')
  const leaves = rows.map((row) => leafHash(row.hash))
  const path = inclusionProof(leaves, rowId - 1, latest.treeSize)
  const root = fromBase64(latest.rootHash)!
  if (!verifyInclusion(leaves[rowId - 1]!, rowId - 1, latest.treeSize, path, root)) throw new AuditLogBroken('The audit rows do not fit the latest checkpoint; run `audit verify`')
  return {
    rowId,
    leafIndex: rowId - 1,
    treeSize: latest.treeSize,
    leafHash: toBase64(leaves[rowId - 1]!),
    rowHash: rows[rowId - 1]!.hash,
    rootHash: latest.rootHash,
    path: path.map(toBase64),
    checkpoint: latest.note,
  }
}

/**
 * `audit rotate-key`: a new key file, the old public key kept (retired) so old checkpoints stay
 * checkable, an `audit.key_rotated` row naming both keys, and a checkpoint signed by the new key
 * over that row. The new file replaces the old only once the rotation is committed.
 */
export async function rotateCheckpointKey(services: Pick<Services, 'db' | 'clock' | 'config' | 'checkpointKey'>, actor: string): Promise<{ previousKeyId: string; keyId: string; publicKey: string; checkpoint: CheckpointRow }> {
  // What the old key has not signed yet, it signs now: the rotation starts from a covered log.
  await writeCheckpoint(services)
  const previous = await services.checkpointKey.signer()
  const { signer, install } = await services.checkpointKey.prepareReplacement()
  const now = services.clock.now()
  await services.db.transaction(async (tx) => {
    await retireSigningKey(tx, keyIdHex(previous.keyId), now)
    await recordSigningKey(tx, signer, now)
    await appendAuditRow(tx, now, {
      actor,
      action: 'audit.key_rotated',
      subject: `audit_key:${keyIdHex(signer.keyId)}`,
      details: {
        name: signer.name,
        previousKeyId: keyIdHex(previous.keyId),
        previousPublicKey: Buffer.from(previous.publicKey).toString('base64'),
        keyId: keyIdHex(signer.keyId),
        publicKey: Buffer.from(signer.publicKey).toString('base64'),
      },
    })
  })
  install()
  const checkpoint = await writeCheckpoint(services)
  if (!checkpoint) throw new AuditLogBroken('The rotation was recorded but no checkpoint was signed after it')
  return { previousKeyId: keyIdHex(previous.keyId), keyId: keyIdHex(signer.keyId), publicKey: formatVerifierKey(signer), checkpoint }
}

