import { and, asc, desc, eq, gt, lte } from 'drizzle-orm'
import type { Queries, Transaction } from '../../db/client.ts'
import { auditCheckpoints, auditLog, auditWitnessReceipts } from '../../db/schema.ts'
import { enqueueLatestDelivery, retryDelayMs } from '../channel/outbox.ts'
import type { Services } from '../services.ts'
import { latestCheckpoint } from './checkpoints.ts'
import { consistencyProof, fromBase64, leafHash, nodeHash, splitPoint, toBase64, type Frontier, type Hash } from './merkle.ts'

/**
 * Witnesses: parties the database administrator does not control, who keep the checkpoints they
 * were given (DESIGN §13). Two kinds:
 *
 * - the 123 channel: each checkpoint is an `audit.checkpoint` event in the same durable outbox as
 *   the reports, at most one a minute (the newest); its delivery is the receipt;
 * - `AUDIT_WITNESS_URL`: a C2SP tlog-witness (https://c2sp.org/tlog-witness), sent the newest
 *   checkpoint with a consistency proof from the size it last cosigned; its answer is the
 *   receipt, with the witness's cosignature lines.
 */

export const AUDIT_CHECKPOINT_EVENT = 'audit.checkpoint'
/** The receipts' `witness` for the 123 channel; a witness URL's is its origin. */
export const CHANNEL_WITNESS = 'channel123'
const CHANNEL_SUBJECT = 'audit'
/**
 * Checkpoints are signed at most once a second while the log grows; 123 needs far fewer to keep
 * a rollback detectable, so it gets the newest at most once a minute (1,440 a day at most).
 */
export const CHANNEL_CHECKPOINT_INTERVAL_MS = 60_000
/** A witness that has not taken a checkpoint signed this long ago is shown as behind. */
export const WITNESS_STALE_MS = 3600_000

export interface AnnouncedCheckpoint {
  treeSize: number
  /** Base64 Merkle root. */
  rootHash: string
  /** The signed note (C2SP tlog-checkpoint), as served by GET /audit/checkpoint. */
  note: string
}

/**
 * Sends a new checkpoint to the witnesses. Called inside the transaction that inserts the
 * checkpoint, so the checkpoint and its announcement are committed together or not at all. The
 * witness URL needs nothing here: its sender reads the newest checkpoint from the table.
 */
export async function announceCheckpoint(tx: Transaction, now: number, checkpoint: AnnouncedCheckpoint): Promise<void> {
  const payload = {
    type: AUDIT_CHECKPOINT_EVENT,
    timestamp: new Date(now).toISOString(),
    data: { treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, checkpoint: checkpoint.note },
  }
  await enqueueLatestDelivery(tx, now, { subject: CHANNEL_SUBJECT, eventType: AUDIT_CHECKPOINT_EVENT, payload }, CHANNEL_CHECKPOINT_INTERVAL_MS)
}

/** 123 took a checkpoint: called by the delivery worker in the transaction that marks it delivered. */
export async function recordChannelReceipt(tx: Transaction, payload: string, now: number): Promise<void> {
  const { data } = JSON.parse(payload) as { data: { treeSize: number } }
  await tx.insert(auditWitnessReceipts).values({ treeSize: data.treeSize, witness: CHANNEL_WITNESS, cosignature: null, receivedAt: now })
}

/** The witness name of AUDIT_WITNESS_URL: its origin. */
export function witnessName(url: string): string {
  return new URL(url).origin
}

// ---------------------------------------------------------------------------------------------
// The witness URL: C2SP tlog-witness add-checkpoint.

export type WitnessRound =
  | { kind: 'off' | 'idle' }
  | { kind: 'cosigned'; treeSize: number; cosignature: string | null }
  /** Not taken; tried again after a backoff. */
  | { kind: 'failed'; error: string }

export interface WitnessSenderOptions {
  timeoutMs?: number
  /** Polls for a new checkpoint this often while all is well. */
  pollMs?: number
  retryBaseMs?: number
  random?: () => number
}

const WITNESS_TIMEOUT_MS = 10_000
const WITNESS_POLL_MS = 1000
const WITNESS_RETRY_BASE_MS = 2000
/** A 409 names the witness's size; one more try with a proof from there settles it. */
const MAX_TRIES_PER_ROUND = 3
const USER_AGENT = 'CekPetugas-Witness/1.0'

/**
 * Sends the newest checkpoint to AUDIT_WITNESS_URL unless the witness already has it. The
 * checkpoints table is the durable queue: only the newest matters, so nothing is enqueued and a
 * witness that was down gets one checkpoint, with one proof, when it is back. Only the server's
 * primary process runs one, so two senders never race on one witness.
 */
export class WitnessSender {
  /** The size the witness last said it has (a 409), when we have no receipt for it. */
  private knownSize: number | null = null
  /** Consecutive failed rounds, for the backoff. */
  private failures = 0

  constructor(
    private readonly services: Services,
    private readonly options: WitnessSenderOptions = {},
  ) {}

  async round(stop?: AbortSignal): Promise<WitnessRound> {
    const url = this.services.config.auditWitnessUrl
    if (!url) return { kind: 'off' }
    const result = await this.tryRound(url, stop)
    if (stop?.aborted) return result
    if (result.kind === 'failed') {
      this.failures++
      console.error(`audit witness ${witnessName(url)}: ${result.error}`)
    } else this.failures = 0
    return result
  }

  /** How long to wait before the next round after `result`. */
  delayAfter(result: WitnessRound): number {
    if (result.kind !== 'failed') return this.options.pollMs ?? WITNESS_POLL_MS
    return retryDelayMs(this.failures, this.options.retryBaseMs ?? WITNESS_RETRY_BASE_MS, this.options.random ?? Math.random)
  }

  private async tryRound(url: string, stop?: AbortSignal): Promise<WitnessRound> {
    const { db } = this.services
    const witness = witnessName(url)
    const latest = await latestCheckpoint(this.services)
    if (!latest) return { kind: 'idle' }
    const receipt = await lastReceipt(db, witness)
    if (receipt?.treeSize === latest.treeSize) return { kind: 'idle' }
    let oldSize = this.knownSize ?? receipt?.treeSize ?? 0
    for (let tries = 0; tries < MAX_TRIES_PER_ROUND; tries++) {
      if (oldSize > latest.treeSize) {
        return { kind: 'failed', error: `the witness has cosigned a tree of ${oldSize} rows, larger than our newest checkpoint (${latest.treeSize}): this log was rolled back, or another log uses its name` }
      }
      const proof = await proveConsistencyTo(db, oldSize, latest.treeSize)
      if (!proof) return { kind: 'failed', error: `cannot prove tree ${latest.treeSize} consistent with the witness's ${oldSize}: rows are missing` }
      const answer = await addCheckpoint(url, { oldSize, proof, note: latest.note }, this.options.timeoutMs ?? WITNESS_TIMEOUT_MS, stop)
      if (answer.kind === 'cosigned') {
        this.knownSize = null
        await db.insert(auditWitnessReceipts).values({ treeSize: latest.treeSize, witness, cosignature: answer.cosignature, receivedAt: this.services.clock.now() })
        return { kind: 'cosigned', treeSize: latest.treeSize, cosignature: answer.cosignature }
      }
      if (answer.kind === 'failed') return answer
      // 409 with a size: the witness knows another size than we thought.
      if (answer.size === oldSize) return { kind: 'failed', error: `the witness holds a different tree of ${oldSize} rows than ours (HTTP 409): this log was forked or rewritten` }
      this.knownSize = oldSize = answer.size
    }
    return { kind: 'failed', error: 'the witness kept answering 409 with another size' }
  }
}

export interface WitnessLoop {
  stop(): Promise<void>
}

/** The primary process's sender loop: a round every second, backing off while the witness fails. */
export function startWitnessSender(services: Services, options: WitnessSenderOptions = {}): WitnessLoop {
  const sender = new WitnessSender(services, options)
  const stopping = new AbortController()
  let timer: NodeJS.Timeout | null = null
  let running: Promise<void> = Promise.resolve()
  const tick = async () => {
    timer = null
    let delay: number
    try {
      delay = sender.delayAfter(await sender.round(stopping.signal))
    } catch (error) {
      console.error('audit witness: round failed:', error)
      delay = sender.delayAfter({ kind: 'failed', error: String(error) })
    }
    if (!stopping.signal.aborted) timer = setTimeout(() => (running = tick()), delay)
  }
  running = tick()
  return {
    async stop() {
      stopping.abort()
      if (timer) clearTimeout(timer)
      await running
    },
  }
}

type AddCheckpointAnswer = { kind: 'cosigned'; cosignature: string | null } | { kind: 'conflict'; size: number } | { kind: 'failed'; error: string }

/**
 * One `POST <prefix>/add-checkpoint`: `old <size>`, the proof lines, an empty line, the signed
 * checkpoint. 200 carries the cosignature lines (each `— <name> <base64>`); 409 with
 * `text/x.tlog.size` names the size the witness has.
 */
async function addCheckpoint(url: string, request: { oldSize: number; proof: Hash[]; note: string }, timeoutMs: number, stop?: AbortSignal): Promise<AddCheckpointAnswer> {
  const body = [`old ${request.oldSize}\n`, ...request.proof.map((hash) => `${toBase64(hash)}\n`), '\n', request.note.endsWith('\n') ? request.note : `${request.note}\n`].join('')
  const timeout = AbortSignal.timeout(timeoutMs)
  let status: number
  let text: string
  let contentType: string
  try {
    const response = await fetch(`${url}/add-checkpoint`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8', 'user-agent': USER_AGENT },
      body,
      redirect: 'manual',
      signal: stop ? AbortSignal.any([timeout, stop]) : timeout,
    })
    status = response.status
    contentType = response.headers.get('content-type') ?? ''
    text = await response.text()
  } catch (error) {
    if (stop?.aborted) return { kind: 'failed', error: 'stopped while sending' }
    return { kind: 'failed', error: timeout.aborted ? `no answer within ${timeoutMs / 1000} s` : `could not reach it (${(error as Error).message})` }
  }
  if (status === 200) {
    const lines = text.split('\n').filter((line) => line !== '')
    if (!lines.every((line) => /^— \S+ [A-Za-z0-9+/]+={0,2}$/.test(line))) return { kind: 'failed', error: `HTTP 200 without cosignature lines: ${excerpt(text)}` }
    // A witness that only stores what it was sent may answer with no lines at all.
    return { kind: 'cosigned', cosignature: lines.length > 0 ? lines.join('\n') : null }
  }
  const size = /^(0|[1-9]\d*)\n?$/.exec(text)
  if (status === 409 && size && contentType.startsWith('text/x.tlog.size')) return { kind: 'conflict', size: Number(size[1]) }
  return { kind: 'failed', error: `HTTP ${status}${WITNESS_STATUSES[status] ? ` (${WITNESS_STATUSES[status]})` : ''}${text ? `: ${excerpt(text)}` : ''}` }
}

/** What a tlog-witness means by each refusal. */
const WITNESS_STATUSES: Record<number, string> = {
  400: 'the request was malformed',
  403: 'the witness does not trust our checkpoint key',
  404: 'the witness does not know this log origin',
  409: 'the witness holds another tree of that size',
  422: 'the witness found the consistency proof false: the log was rewritten',
}

function excerpt(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 200)
}

function lastReceipt(db: Queries, witness: string) {
  return db
    .select({ treeSize: auditWitnessReceipts.treeSize, receivedAt: auditWitnessReceipts.receivedAt })
    .from(auditWitnessReceipts)
    .where(eq(auditWitnessReceipts.witness, witness))
    .orderBy(desc(auditWitnessReceipts.receivedAt), desc(auditWitnessReceipts.id))
    .limit(1)
    .then((rows) => rows[0] ?? null)
}

/**
 * PROOF(oldSize, D[0:newSize]) from what is stored: the old checkpoint's frontier (the roots of
 * its perfect subtrees) and the rows added since, so a submission costs O(new rows), not a read
 * of the whole log. Every node of such a proof lies either wholly in the old tree, where it is
 * one of those roots, or wholly among the new rows. Without a stored frontier at `oldSize` (a size
 * that was never ours) it falls back to every leaf. Null when rows are missing.
 */
export async function proveConsistencyTo(db: Queries, oldSize: number, newSize: number): Promise<Hash[] | null> {
  if (oldSize === 0 || oldSize === newSize) return []
  const [stored] = await db.select({ frontier: auditCheckpoints.frontier }).from(auditCheckpoints).where(eq(auditCheckpoints.treeSize, oldSize))
  const frontier = stored ? parseFrontier(oldSize, stored.frontier) : null
  const leaves = await leavesBetween(db, frontier ? oldSize : 0, newSize)
  if (!leaves) return null
  return frontier ? consistencyProofFromFrontier(frontier, leaves) : consistencyProof(leaves, oldSize, newSize)
}

/** Leaf hashes of rows after..to (ids after+1..to), or null when one is missing. */
async function leavesBetween(db: Queries, after: number, to: number): Promise<Hash[] | null> {
  const rows = await db
    .select({ id: auditLog.id, hash: auditLog.hash })
    .from(auditLog)
    .where(and(gt(auditLog.id, after), lte(auditLog.id, to)))
    .orderBy(asc(auditLog.id))
  if (rows.length !== to - after || rows.some((row, index) => row.id !== after + index + 1)) return null
  return rows.map((row) => leafHash(row.hash))
}

function parseFrontier(size: number, json: string): Frontier | null {
  const roots = (JSON.parse(json) as string[]).map(fromBase64)
  if (roots.some((root) => root === null)) return null
  return { size, roots: roots as Hash[] }
}

/** RFC 6962 §2.1.2 SUBPROOF over (old frontier ‖ new leaves). */
export function consistencyProofFromFrontier(frontier: Frontier, newLeaves: readonly Hash[]): Hash[] {
  const m = frontier.size
  const n = m + newLeaves.length
  // The old tree's perfect subtrees by where they start: largest first, one per set bit of m.
  const sizes = [...m.toString(2)].flatMap((bit, index, bits) => (bit === '1' ? [2 ** (bits.length - 1 - index)] : []))
  if (sizes.length !== frontier.roots.length) throw new Error(`a frontier of ${frontier.roots.length} roots does not make a tree of ${m}`)
  const oldNodes = new Map<number, { size: number; hash: Hash }>()
  let offset = 0
  for (const [index, size] of sizes.entries()) {
    oldNodes.set(offset, { size, hash: frontier.roots[index]! })
    offset += size
  }
  const newRange = (start: number, end: number): Hash => {
    if (end - start === 1) return newLeaves[start - m]!
    const k = splitPoint(end - start)
    return nodeHash(newRange(start, start + k), newRange(start + k, end))
  }
  const range = (start: number, end: number): Hash => {
    if (start >= m) return newRange(start, end)
    const node = oldNodes.get(start)
    if (!node || node.size !== end - start) throw new Error(`no stored subtree [${start}, ${end}) in a tree of ${m}`)
    return node.hash
  }
  const proof: Hash[] = []
  let start = 0
  let end = n
  let whole = true
  let target = m
  while (target !== end - start) {
    const k = splitPoint(end - start)
    if (target <= k) {
      proof.push(range(start + k, end))
      end = start + k
    } else {
      proof.push(range(start, start + k))
      start += k
      target -= k
      whole = false
    }
  }
  if (!whole) proof.push(range(start, end))
  return proof.reverse()
}

// ---------------------------------------------------------------------------------------------
// The admin page's panel.

export interface WitnessStatus {
  /** `channel123`, or the witness URL's origin. */
  witness: string
  lastTreeSize: number | null
  lastReceivedAt: number | null
  /** The oldest checkpoint it has not taken was signed more than WITNESS_STALE_MS ago. */
  stale: boolean
}

/** Every configured witness and when it last took a checkpoint; none configured is an empty list. */
export async function witnessStatuses(services: Services): Promise<WitnessStatus[]> {
  const { config, db, clock } = services
  const witnesses = [...(config.webhookUrl ? [CHANNEL_WITNESS] : []), ...(config.auditWitnessUrl ? [witnessName(config.auditWitnessUrl)] : [])]
  const now = clock.now()
  return Promise.all(
    witnesses.map(async (witness) => {
      const receipt = await lastReceipt(db, witness)
      const [untaken] = await db
        .select({ signedAt: auditCheckpoints.signedAt })
        .from(auditCheckpoints)
        .where(gt(auditCheckpoints.treeSize, receipt?.treeSize ?? 0))
        .orderBy(asc(auditCheckpoints.treeSize))
        .limit(1)
      return { witness, lastTreeSize: receipt?.treeSize ?? null, lastReceivedAt: receipt?.receivedAt ?? null, stale: untaken !== undefined && now - untaken.signedAt > WITNESS_STALE_MS }
    }),
  )
}
