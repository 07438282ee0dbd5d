/**
 * Bench section `statuslist` (DESIGN §12, issue 15): one Token Status List of 1,048,576 entries,
 * half of them held by visit passes (the fill limit at which a new list is opened), 1 % of all
 * entries revoked. Built in this process with the domain code on a temporary DATA_DIR and served
 * through the app's own `GET /status/<list>`:
 *
 * - the list's size on the wire: the JWT, and gzipped as the route sends it;
 * - building it from the database (read every entry, deflate, sign), as after a restart;
 * - a request while nothing changed, and one after writes that move no entry (a scan);
 * - the time to apply one revocation: from `revokeCredential` returning (its commit) until the
 *   next list served shows the entry as revoked, over 20 revocations; and, for comparison, what
 *   rebuilding the whole list instead would cost.
 */
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { databasePath, openDatabase } from '../db/client.ts'
import { createApp } from '../src/app.tsx'
import { loadConfig, systemClock } from '../src/config.ts'
import { addOfficer } from '../src/officers/officers.ts'
import { issueVisitPass, revokeCredential } from '../src/passes/passes.ts'
import { decodeStatusList, encodeStatusList, getStatus, openStatusList, StatusListPublisher, STATUS_LIST_CAPACITY, STATUS_LIST_FILL_LIMIT } from '../src/passes/status-lists.ts'
import { tempDir } from '../test/helpers.ts'
import { percentile } from './admin.ts'
import { atMost, fmt, printTable, type TargetCheck } from './report.ts'

const ENTRIES = 2 ** 20
const REVOKED_SHARE = 0.01
const REVOCATIONS = 20
const BUILDS = 5
const WARM_REQUESTS = 200
/** A household's app refreshes its lists while online; a change should reach it well within one request's patience. */
const TARGETS = { revocationP95Ms: 100, gzipBytes: 32 * 1024 }

interface SectionResult {
  figures: Record<string, unknown>
  targets: TargetCheck[]
}

export async function statusListFigures(): Promise<SectionResult> {
  const dir = tempDir('bench-statuslist')
  try {
    const db = openDatabase(databasePath(dir.path))
    const config = { ...loadConfig({ DATA_DIR: dir.path, PUBLIC_URL: 'https://cek-petugas.pln.co.id', RATE_LIMIT: 'off' }), demoData: false }
    const { app, services, verifier } = createApp({ db, config, clock: systemClock })
    await services.keys.ensureActiveKey()
    const officer = await addOfficer(db, systemClock, { employeeNo: 'SL-0001', name: 'Petugas Bench', roleTitle: 'Petugas Catat Meter', employer: 'PLN' })

    const seedStarted = performance.now()
    const list = await openStatusList(services, ENTRIES)
    const held = Math.floor(ENTRIES * STATUS_LIST_FILL_LIMIT) - REVOCATIONS
    const revoked = Math.round(ENTRIES * REVOKED_SHARE) - REVOCATIONS
    const kid = (await services.keys.activeKid())!
    seedCredentials(db.$client, { listId: list.id, entries: ENTRIES, officerId: officer.id, kid, held, revoked })
    // The passes revoked below are issued as any other: a random free entry of the same list.
    const passes = []
    for (let i = 0; i < REVOCATIONS; i++) {
      passes.push(await issueVisitPass(services, { officerEmployeeNo: officer.employeeNo, customerId: `5321000${String(10_000 + i)}`, purpose: 'CATAT_METER', issuedBy: 'bench' }))
    }
    const seedMs = performance.now() - seedStarted
    const path = `/status/${list.id}`
    const get = async (headers: Record<string, string> = {}) => {
      const res = await app.request(`${config.publicUrl}${path}`, { headers })
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`)
      return res
    }

    // Built from the database, as by a freshly started worker: this list, and one of the default size.
    const buildTimes = async (listId: string) => {
      const times: number[] = []
      for (let i = 0; i < BUILDS; i++) {
        const publisher = new StatusListPublisher(services)
        const t0 = performance.now()
        if (!(await publisher.signedList(listId))) throw new Error('the list was not found')
        times.push(performance.now() - t0)
      }
      return times
    }
    const buildMs = await buildTimes(list.id)
    const usual = await openStatusList(services)
    const usualHeld = Math.floor(STATUS_LIST_CAPACITY * STATUS_LIST_FILL_LIMIT)
    seedCredentials(db.$client, { listId: usual.id, entries: STATUS_LIST_CAPACITY, officerId: officer.id, kid, held: usualHeld, revoked: Math.round(STATUS_LIST_CAPACITY * REVOKED_SHARE) })
    const usualBuildMs = await buildTimes(usual.id)
    const token = await (await get()).text()
    const gzipped = new Uint8Array(await (await get({ 'accept-encoding': 'gzip' })).arrayBuffer())
    const bytes = decodeStatusList((JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { status_list: { lst: string } }).status_list.lst)
    const deflateStarted = performance.now()
    const lst = encodeStatusList(bytes)
    const deflateMs = performance.now() - deflateStarted
    let nonZero = 0
    for (let idx = 0; idx < ENTRIES; idx++) if (getStatus(bytes, idx) !== 0) nonZero++

    const warmMs: number[] = []
    for (let i = 0; i < WARM_REQUESTS; i++) {
      const t0 = performance.now()
      await (await get({ 'accept-encoding': 'gzip' })).arrayBuffer()
      warmMs.push(performance.now() - t0)
    }
    // A write that moves no entry (a scan is recorded): the next request reads the audit rows since, finds nothing to patch.
    const unrelatedMs: number[] = []
    for (let i = 0; i < 20; i++) {
      await app.request(`${config.publicUrl}/v/${'x'.repeat(40)}.${'y'.repeat(40)}.${'z'.repeat(40)}`)
      await verifier.flushScans()
      const t0 = performance.now()
      await (await get({ 'accept-encoding': 'gzip' })).arrayBuffer()
      unrelatedMs.push(performance.now() - t0)
    }

    const applyMs: number[] = []
    for (const pass of passes) {
      await revokeCredential(services, pass.id, { actor: 'bench', reason: null })
      const t0 = performance.now()
      const served = await (await get({ 'accept-encoding': 'gzip' })).arrayBuffer()
      applyMs.push(performance.now() - t0)
      const idx = (JSON.parse(Buffer.from(pass.token.split('.')[1]!, 'base64url').toString()) as { status: { status_list: { idx: number } } }).status.status_list.idx
      const shown = await get()
      const entries = decodeStatusList((JSON.parse(Buffer.from((await shown.text()).split('.')[1]!, 'base64url').toString()) as { status_list: { lst: string } }).status_list.lst)
      if (served.byteLength === 0 || getStatus(entries, idx) !== 1) throw new Error(`the list served after revoking ${pass.id} does not show it revoked`)
    }

    const figures = {
      entries: ENTRIES,
      credentialsInList: held + REVOCATIONS,
      revokedEntries: nonZero,
      seedSeconds: fixed(seedMs / 1000, 1),
      jwtBytes: token.length,
      gzipBytes: gzipped.byteLength,
      lstChars: lst.length,
      buildMsP50: fixed(percentile(buildMs, 0.5), 1),
      buildMsMax: fixed(Math.max(...buildMs), 1),
      defaultListBuildMsP50: fixed(percentile(usualBuildMs, 0.5), 1),
      deflateMs: fixed(deflateMs, 2),
      unchangedMsP50: fixed(percentile(warmMs, 0.5), 3),
      unchangedMsP95: fixed(percentile(warmMs, 0.95), 3),
      afterUnrelatedWriteMsP50: fixed(percentile(unrelatedMs, 0.5), 3),
      applyRevocationMsP50: fixed(percentile(applyMs, 0.5), 2),
      applyRevocationMsP95: fixed(percentile(applyMs, 0.95), 2),
    }
    printTable(
      `Token Status List: ${fmt.int(ENTRIES)} entries, ${fmt.int(figures.credentialsInList)} held by passes, ${fmt.int(nonZero)} revoked (${fmt.percent(nonZero / ENTRIES)})`,
      ['figure', 'value'],
      [
        ['list JWT on the wire', fmt.bytes(figures.jwtBytes)],
        ['  gzipped (as served)', fmt.bytes(figures.gzipBytes)],
        [`build from the database (read, deflate, sign; p50 of ${BUILDS})`, fmt.ms(figures.buildMsP50)],
        ['  of which deflate', fmt.ms(figures.deflateMs)],
        [`  the same for a default list (${fmt.int(STATUS_LIST_CAPACITY)} entries, ${fmt.int(usualHeld)} held, 1 % revoked)`, fmt.ms(figures.defaultListBuildMsP50)],
        [`request, nothing changed (p50 / p95 of ${WARM_REQUESTS})`, `${fmt.ms(figures.unchangedMsP50)} / ${fmt.ms(figures.unchangedMsP95)}`],
        ['request after a write that moves no entry (p50)', fmt.ms(figures.afterUnrelatedWriteMsP50)],
        [`revocation committed → next list shows it (p50 / p95 of ${REVOCATIONS})`, `${fmt.ms(figures.applyRevocationMsP50)} / ${fmt.ms(figures.applyRevocationMsP95)}`],
      ],
    )
    return {
      figures,
      targets: [
        atMost('status list: revocation → next list served, p95', figures.applyRevocationMsP95, TARGETS.revocationP95Ms, fmt.ms),
        atMost('status list at 2^20 entries, 1 % revoked, gzipped', figures.gzipBytes, TARGETS.gzipBytes, fmt.bytes),
      ],
    }
  } finally {
    dir.remove()
  }
}

function fixed(value: number, digits: number): number {
  return Number(value.toFixed(digits))
}

/** `held` passes at distinct random entries of the list, the first `revoked` of them revoked; written in one transaction. */
function seedCredentials(
  sqlite: ReturnType<typeof openDatabase>['$client'],
  seed: { listId: string; entries: number; officerId: number; kid: string; held: number; revoked: number },
): void {
  // A partial Fisher–Yates shuffle: the first `held` indexes of a random permutation.
  const indexes = new Uint32Array(seed.entries)
  for (let i = 0; i < seed.entries; i++) indexes[i] = i
  for (let i = 0; i < seed.held; i++) {
    const j = i + Math.floor(Math.random() * (seed.entries - i))
    ;[indexes[i], indexes[j]] = [indexes[j]!, indexes[i]!]
  }
  const now = Date.now()
  const insert = sqlite.prepare(`insert into credentials (id, kind, officer_id, short_code, kid, purpose, ktp_policy, customer_hash, customer_last4, window_start, window_end, issued_at, issued_by, revoked_at, status_list_id, status_idx)
    values (?, 'visit_pass', ?, ?, ?, 'CATAT_METER', 'none', ?, '2345', ?, ?, ?, 'bench', ?, ?, ?)`)
  sqlite.transaction(() => {
    for (let i = 0; i < seed.held; i++) {
      insert.run(`${seed.listId}-${i}`, seed.officerId, `${seed.listId}${String(i).padStart(7, '0')}`, seed.kid, randomBytes(8).toString('hex'), now, now + 8 * 3600 * 1000, now, i < seed.revoked ? now : null, seed.listId, indexes[i])
    }
    sqlite.prepare('update status_lists set used = ? where id = ?').run(seed.held, seed.listId)
  })()
}
