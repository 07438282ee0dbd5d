/**
 * Bench section `audit` (DESIGN §13, issue 16), in this process on temporary DATA_DIRs, with the
 * domain code and a file database as the server runs it (WAL, synchronous FULL):
 *
 * - the cost of one audited action (`recordAudit`, its own committed transaction) without
 *   checkpoints, with the server's checkpoint signer running (a signed checkpoint at most once a
 *   second, each announced to the 123 outbox), and, for comparison, with a checkpoint signed
 *   after every action: wall time and CPU per action;
 * - at 1,000,000 rows (seeded in one transaction with the public row formula): signing a
 *   checkpoint that extends one of 500,000 rows, `audit verify` (the chain and the Merkle tree
 *   against every checkpoint), `audit verify --checkpoint` with the older checkpoint (it also keeps
 *   every leaf for the consistency proof), and the witness sender's consistency proof for the
 *   last 100 rows.
 */
import { performance } from 'node:perf_hooks'
import { databasePath, openDatabase, type Db } from '../db/client.ts'
import { GENESIS_HASH, hashAuditRow, recordAudit } from '../src/audit/audit.ts'
import { startCheckpointSigner, verifyAuditLog, writeCheckpoint } from '../src/audit/checkpoints.ts'
import { proveConsistencyTo } from '../src/audit/witness.ts'
import { loadConfig, systemClock } from '../src/config.ts'
import { createServices, type Services } from '../src/services.ts'
import { tempDir } from '../test/helpers.ts'
import { atMost, fmt, printTable, type TargetCheck } from './report.ts'

const ACTIONS = 10_000
const ROUNDS = 3
/** Signing after every action is slow; fewer of them show its cost as well. */
const EVERY_ACTION_ACTIONS = 1000
const ROWS = 1_000_000
const WITNESS_NEW_ROWS = 100
/** Checkpoints in batches should cost an audited action next to nothing. */
const TARGETS = { batchedCpuRatio: 1.15 }

interface SectionResult {
  figures: Record<string, unknown>
  targets: TargetCheck[]
}

interface ActionCost {
  actions: number
  wallMs: number
  wallUsPerAction: number
  cpuUsPerAction: number
  checkpoints: number
}

export async function auditFigures(): Promise<SectionResult> {
  // A first run warms the JIT up, so "before" is not charged for it. This machine's speed drifts
  // with other work: the two modes take turns, and each keeps its cheapest run.
  await withLog((services) => timeActions(services, 'off', EVERY_ACTION_ACTIONS))
  const runs: Record<'off' | 'batched', ActionCost[]> = { off: [], batched: [] }
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 === 0 ? (['off', 'batched'] as const) : (['batched', 'off'] as const)) runs[mode].push(await withLog((services) => timeActions(services, mode, ACTIONS)))
  }
  const cheapest = (costs: ActionCost[]) => costs.reduce((best, cost) => (cost.cpuUsPerAction < best.cpuUsPerAction ? cost : best))
  const without = cheapest(runs.off)
  const batched = cheapest(runs.batched)
  const everyAction = await withLog((services) => timeActions(services, 'every', EVERY_ACTION_ACTIONS))
  const modes: [string, ActionCost][] = [
    ['no checkpoints (before)', without],
    ['checkpoint signer, at most 1/s (after)', batched],
    ['a checkpoint after every action', everyAction],
  ]
  printTable(
    `Cost per audited action: sequential recordAudit calls, each its own synced commit (file database, WAL, synchronous FULL); the cheapest of ${ROUNDS} runs`,
    ['mode', 'actions', 'wall', 'wall/action', 'CPU/action', 'checkpoints'],
    modes.map(([label, cost]) => [label, fmt.int(cost.actions), fmt.ms(Math.round(cost.wallMs)), `${fmt.int(cost.wallUsPerAction)} µs`, `${fmt.int(cost.cpuUsPerAction)} µs`, fmt.int(cost.checkpoints)]),
  )
  const batchedRatio = batched.cpuUsPerAction / without.cpuUsPerAction
  console.log(`CPU per action with the signer ÷ without: ${batchedRatio.toFixed(2)}×; signing after every action: ${(everyAction.cpuUsPerAction / without.cpuUsPerAction).toFixed(2)}×`)

  const large = await withLog((services) => largeLog(services))
  printTable(
    `Audit log of ${fmt.int(ROWS)} rows (seeded in one transaction with the public row formula)`,
    ['step', 'time', 'CPU', 'rows/s'],
    [
      ['seed 1,000,000 rows', fmt.ms(Math.round(large.seedMs)), '', ''],
      ['sign a checkpoint over the first 500,000', fmt.ms(Math.round(large.firstCheckpoint.ms)), fmt.ms(Math.round(large.firstCheckpoint.cpuMs)), fmt.int(ROWS / 2 / (large.firstCheckpoint.ms / 1000))],
      ['sign one extending it to 1,000,000', fmt.ms(Math.round(large.secondCheckpoint.ms)), fmt.ms(Math.round(large.secondCheckpoint.cpuMs)), fmt.int(ROWS / 2 / (large.secondCheckpoint.ms / 1000))],
      ['audit verify (chain + tree)', fmt.ms(Math.round(large.verify.ms)), fmt.ms(Math.round(large.verify.cpuMs)), fmt.int(ROWS / (large.verify.ms / 1000))],
      ['audit verify --checkpoint <the one at 500,000>', fmt.ms(Math.round(large.verifySaved.ms)), fmt.ms(Math.round(large.verifySaved.cpuMs)), fmt.int(ROWS / (large.verifySaved.ms / 1000))],
      [`witness proof from ${fmt.int(ROWS - WITNESS_NEW_ROWS)} to ${fmt.int(ROWS)}`, fmt.ms(Number(large.witnessProof.ms.toFixed(2))), fmt.ms(Number(large.witnessProof.cpuMs.toFixed(2))), ''],
    ],
  )
  console.log(`audit verify heap growth: ${fmt.bytes(large.verify.heapBytes)}; with --checkpoint: ${fmt.bytes(large.verifySaved.heapBytes)}`)

  return {
    figures: { actions: { without, batched, everyAction, batchedCpuRatio: batchedRatio, runs }, largeLog: large },
    targets: [atMost('CPU per audited action, checkpoint signer on ÷ off', batchedRatio, TARGETS.batchedCpuRatio, (n) => `${n.toFixed(2)}×`)],
  }
}

async function withLog<T>(work: (services: Services) => Promise<T>): Promise<T> {
  const dir = tempDir('bench-audit')
  const db = openDatabase(databasePath(dir.path))
  try {
    const config = { ...loadConfig({ DATA_DIR: dir.path, PUBLIC_URL: 'https://cek-petugas.pln.co.id', RATE_LIMIT: 'off' }), demoData: false }
    const services = createServices({ db, config, clock: systemClock })
    await services.checkpointKey.signer()
    return await work(services)
  } finally {
    db.$client.close()
    dir.remove()
  }
}

async function timeActions(services: Services, mode: 'off' | 'batched' | 'every', actions: number): Promise<ActionCost> {
  const { db } = services
  const action = (i: number) => recordAudit(db, systemClock, { actor: 'bench', action: 'login.succeeded', subject: `user:${i}`, details: { ip: '192.0.2.1' } })
  for (let i = 0; i < 100; i++) await action(i)
  await writeCheckpoint(services)
  const before = await checkpointCount(db)
  const signer = mode === 'batched' ? startCheckpointSigner(services) : null
  const cpu = process.cpuUsage()
  const started = performance.now()
  for (let i = 0; i < actions; i++) {
    await action(i)
    if (mode === 'every') await writeCheckpoint(services)
    // Requests reach the server through the event loop; without a turn of it the signer's timer never fires.
    await new Promise(setImmediate)
  }
  // The signer signs what is left as it stops, as the server's shutdown does: that cost counts.
  await signer?.stop()
  const wallMs = performance.now() - started
  const spent = process.cpuUsage(cpu)
  return {
    actions,
    wallMs,
    wallUsPerAction: (wallMs * 1000) / actions,
    cpuUsPerAction: (spent.user + spent.system) / actions,
    checkpoints: (await checkpointCount(db)) - before,
  }
}

async function checkpointCount(db: Db): Promise<number> {
  return db.$client.prepare('select count(*) from audit_checkpoints').pluck().get() as number
}

interface Timed {
  ms: number
  cpuMs: number
  heapBytes: number
}

async function timed<T>(work: () => Promise<T>): Promise<Timed & { result: T }> {
  globalThis.gc?.()
  const heap = process.memoryUsage().heapUsed
  const cpu = process.cpuUsage()
  const started = performance.now()
  const result = await work()
  const ms = performance.now() - started
  const spent = process.cpuUsage(cpu)
  return { result, ms, cpuMs: (spent.user + spent.system) / 1000, heapBytes: Math.max(0, process.memoryUsage().heapUsed - heap) }
}

async function largeLog(services: Services) {
  const seedStarted = performance.now()
  let previous = seedRows(services.db, 0, ROWS / 2, GENESIS_HASH)
  const firstCheckpoint = await timed(() => writeCheckpoint(services))
  const older = firstCheckpoint.result!
  previous = seedRows(services.db, ROWS / 2, ROWS, previous)
  const seedMs = performance.now() - seedStarted - firstCheckpoint.ms
  const secondCheckpoint = await timed(() => writeCheckpoint(services))
  const verify = await timed(() => verifyAuditLog(services))
  if (!verify.result.ok) throw new Error(`audit verify failed on the seeded log: ${verify.result.reason}`)
  const verifySaved = await timed(() => verifyAuditLog(services, { saved: older.note }))
  if (!verifySaved.result.ok) throw new Error(`audit verify --checkpoint failed on the seeded log: ${verifySaved.result.reason}`)
  // The witness sender's proof: a checkpoint of the last rows added, from the one the witness holds.
  seedRows(services.db, ROWS, ROWS + WITNESS_NEW_ROWS, previous)
  await writeCheckpoint(services)
  const witnessProof = await timed(() => proveConsistencyTo(services.db, ROWS, ROWS + WITNESS_NEW_ROWS))
  const strip = ({ ms, cpuMs, heapBytes }: Timed) => ({ ms, cpuMs, heapBytes })
  return {
    rows: ROWS,
    seedMs,
    firstCheckpoint: strip(firstCheckpoint),
    secondCheckpoint: strip(secondCheckpoint),
    verify: strip(verify),
    verifySaved: strip(verifySaved),
    witnessProof: { ...strip(witnessProof), newRows: WITNESS_NEW_ROWS, proofHashes: witnessProof.result?.length ?? 0 },
  }
}

/** Rows after+1..to, chained with the public formula as appendAuditRow writes them; returns the last hash. */
function seedRows(db: Db, after: number, to: number, previousHash: string): string {
  const insert = db.$client.prepare('insert into audit_log (id, at, actor, action, subject, details, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, ?)')
  const at = Date.now()
  let prevHash = previousHash
  db.$client.transaction(() => {
    for (let id = after + 1; id <= to; id++) {
      const row = { id, at: at + id, actor: 'bench', action: 'login.succeeded', subject: `user:${id % 5000}`, details: '{}', prevHash }
      const hash = hashAuditRow(row)
      insert.run(row.id, row.at, row.actor, row.action, row.subject, row.details, row.prevHash, hash)
      prevHash = hash
    }
  })()
  return prevHash
}
