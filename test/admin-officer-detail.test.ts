import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { openDataDirDatabase } from './support/test-database.ts'
import { auditLog, officers } from '../db/schema.ts'
import { AUDIT_ACTIONS } from '../src/audit/actions.ts'
import { recordAudit, verifyAuditChain } from '../src/audit/audit.ts'
import { en } from '../src/i18n/en.ts'
import { id } from '../src/i18n/messages.ts'
import { suspendOfficer } from '../src/officers/officers.ts'
import { createTestApp, fixedClock, givenBadge, givenOfficer, givenPass, PUBLIC_URL, tempDir, testConfig, verdictOf } from './helpers.ts'
import { runCliAt } from './support/cli-at.ts'
import { REPO_ROOT } from './support/processes.ts'
import { givenUser, signIn, type Browser } from './support/session.ts'

type TestApp = Awaited<ReturnType<typeof createTestApp>>

async function world(options: Parameters<typeof createTestApp>[0] = {}) {
  const app = await createTestApp(options)
  const admin = await givenUser(app, 'admin', null, 'admin-utama')
  const officer = await givenOfficer(app.services, { name: 'Dewi Lestari' })
  const browser = await signIn(app, admin.username)
  return { app, admin, officer, browser }
}

/** Text with tags removed and the entities hono/jsx writes decoded: what a reader sees. */
function visibleText(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim()
}

/** The audit table's rows, newest first: the action cell as read, and the details element, if any. */
function auditRows(html: string): { id: number; action: string; stored: string | null; summary: string | null; json: string | null }[] {
  return [...html.matchAll(/<tr data-audit-id="(\d+)">([\s\S]*?)<\/tr>/g)].map(([, rowId, cells]) => {
    const action = /<td data-action="([^"]*)">([\s\S]*?)<\/td>/.exec(cells!)
    const details = /<details><summary>([\s\S]*?)<\/summary><pre>([\s\S]*?)<\/pre><\/details>/.exec(cells!)
    return {
      id: Number(rowId),
      stored: action?.[1] ?? null,
      action: visibleText(/<span class="audit-action">([\s\S]*?)<\/span>/.exec(action?.[2] ?? '')?.[1] ?? ''),
      summary: details ? visibleText(details[1]!) : null,
      json: details ? visibleText(details[2]!) : null,
    }
  })
}

async function verdictOfToken(app: TestApp, token: string): Promise<string> {
  return ((await (await app.request(`/api/v1/verify/${token}`)).json()) as { verdict: string }).verdict
}

/** The h2 headings of a page, as read. */
function headings(html: string): string[] {
  return [...html.matchAll(/<h2[^>]*>([\s\S]*?)<\/h2>/g)].map(([, text]) => visibleText(text!))
}

/** The rows of the officer page's badge-and-pass table. */
function credentialRows(html: string): { id: string; kind: string; status: string; text: string }[] {
  return [...html.matchAll(/<tr data-credential="([^"]+)" data-kind="([^"]+)" data-pass-status="([^"]+)">([\s\S]*?)<\/tr>/g)].map(([, credential, kind, status, cells]) => ({
    id: credential!,
    kind: kind!,
    status: status!,
    text: visibleText(cells!),
  }))
}

/** Submits the reactivate form as a browser would: its hidden fields and the radio that is checked. */
async function submitReactivateForm(browser: Browser, html: string, choose?: 'cancel' | 'restore') {
  const form = /<form method="post" action="([^"]+\/reactivate)"[^>]*>([\s\S]*?)<\/form>/.exec(html)
  expect(form, 'the reactivate form').not.toBeNull()
  const checked = [...form![2]!.matchAll(/<input type="radio" name="passes" value="(\w+)"([^>]*)>/g)].filter(([, , rest]) => /\bchecked\b/.test(rest!)).map(([, value]) => value!)
  expect(checked).toHaveLength(1)
  return browser.post(form![1]!, { passes: choose ?? checked[0]! })
}

async function auditActions(app: TestApp): Promise<{ actor: string; action: string; subject: string; details: Record<string, unknown> }[]> {
  return (await app.db.select().from(auditLog).all()).map((row) => ({ actor: row.actor, action: row.action, subject: row.subject, details: JSON.parse(row.details) as Record<string, unknown> }))
}

describe('/admin/audit with readable action names', () => {
  it('names each action in Indonesian, with the stored JSON behind a details toggle', async () => {
    const { app, officer, browser } = await world()
    const pass = await givenPass(app.services, { officer })
    expect((await browser.post(`/admin/officers/${officer.employeeNo}/suspend`, { reason: 'Meminta "uang damai"' })).status).toBe(303)
    await app.services.keys.rotate('admin-utama')
    // The row report triage writes (src/reports/triage.ts) for a report moved from new to in_review.
    await recordAudit(app.db, app.clock, { actor: 'admin-utama', action: 'report.status_changed', subject: 'report:LPR-TEST-0001', details: { from: 'new', to: 'in_review' } })

    const rows = auditRows(await (await browser.get('/admin/audit')).text())
    const byStored = (action: string) => rows.find((row) => row.stored === action)
    expect(byStored('officer.added')?.action).toBe('Petugas ditambahkan')
    expect(byStored('pass.issued')?.action).toBe('Kartu kunjungan diterbitkan')
    expect(byStored('officer.suspended')?.action).toBe('Petugas diberhentikan sementara')
    expect(byStored('key.rotated')?.action).toBe('Kunci dirotasi')
    expect(byStored('login.succeeded')?.action).toBe('Berhasil masuk')
    expect(byStored('report.status_changed')?.action).toBe('Status laporan diubah: Baru diterima → Sedang ditinjau PLN')

    const suspended = byStored('officer.suspended')!
    expect(suspended.summary).toBe('Data mentah (JSON)')
    expect(JSON.parse(suspended.json!)).toEqual({ reason: 'Meminta "uang damai"' })
    expect(JSON.parse(byStored('pass.issued')!.json!)).toMatchObject({ purpose: 'CATAT_METER', officerId: officer.id })
    // The JSON is exactly what the row stores (and hashes).
    const stored = (await app.db.select().from(auditLog).where(eq(auditLog.action, 'pass.issued')).get())!
    expect(byStored('pass.issued')!.json).toBe(stored.details)
    expect(pass.id).toBe(stored.subject.split(':')[1])
    // A row with no details has no toggle.
    expect(byStored('login.succeeded')!.summary).toBeNull()
  })

  it('names them in English too', async () => {
    const { app, officer, browser } = await world()
    await suspendOfficer(app.db, app.clock, officer.employeeNo, { reason: 'uji', actor: 'admin-utama' })
    await app.services.keys.rotate('admin-utama')
    const rows = auditRows(await (await browser.get('/admin/audit?lang=en')).text())
    expect(rows.find((row) => row.stored === 'officer.suspended')).toMatchObject({ action: 'Officer suspended', summary: 'Raw data (JSON)' })
    expect(rows.find((row) => row.stored === 'key.rotated')?.action).toBe('Keys rotated')
  })

  it('shows an action it has no name for by its stored name', async () => {
    const { app, browser } = await world()
    await recordAudit(app.db, app.clock, { actor: 'system', action: 'something.brand_new', subject: 'thing:1', details: { n: 1 } })
    const row = auditRows(await (await browser.get('/admin/audit')).text()).find((candidate) => candidate.stored === 'something.brand_new')!
    expect(row.action).toBe('something.brand_new')
    expect(JSON.parse(row.json!)).toEqual({ n: 1 })
  })

  it('keeps filtering by action, actor and subject, and paging', async () => {
    const { app, officer, browser } = await world()
    await suspendOfficer(app.db, app.clock, officer.employeeNo, { reason: 'uji', actor: 'admin-utama' })
    const filtered = auditRows(await (await browser.get('/admin/audit?action=officer.suspended')).text())
    expect(filtered.map((row) => row.stored)).toEqual(['officer.suspended'])
    const byActor = auditRows(await (await browser.get('/admin/audit?actor=admin-utama')).text())
    // Reading the log is itself audited (UU PDP: who read what), so the admin's earlier looks are there too.
    expect(new Set(byActor.map((row) => row.stored))).toEqual(new Set(['officer.suspended', 'login.succeeded', 'audit.viewed']))
    const bySubject = auditRows(await (await browser.get(`/admin/audit?subject=officer:${officer.employeeNo}`)).text())
    expect(bySubject.map((row) => row.action)).toEqual(['Petugas diberhentikan sementara', 'Foto petugas diganti', 'Petugas ditambahkan'])

    for (let n = 0; n < 101; n++) await recordAudit(app.db, app.clock, { actor: 'pengisi', action: 'logout', subject: `user:pengisi-${n}` })
    // Filtered by actor: opening a page writes its own `audit.viewed` row, which must not shift the pages.
    const first = await (await browser.get('/admin/audit?actor=pengisi')).text()
    expect(auditRows(first)).toHaveLength(100)
    const next = /<a href="([^"]+)">Berikutnya/.exec(first)?.[1]
    expect(next).toBeDefined()
    const second = auditRows(await (await browser.get(next!.replace(/&amp;/g, '&'))).text())
    expect(second.length).toBeGreaterThan(0)
    expect(second[0]!.id).toBe(auditRows(first).at(-1)!.id - 1)
  })

  it('has a name in both languages for every action the code writes', () => {
    const written = new Set<string>()
    const files = (readdirSync(join(REPO_ROOT, 'src'), { recursive: true }) as string[]).filter((file) => /\.tsx?$/.test(file))
    for (const file of files) {
      const source = readFileSync(join(REPO_ROOT, 'src', file), 'utf8')
      for (const line of source.split('\n')) {
        if (!/\baction\b/.test(line)) continue
        // action: 'officer.added' and action: cond ? 'user.disabled' : 'user.enabled'
        const literal = /\baction:\s*([^,}]+)/.exec(line)?.[1] ?? ''
        for (const [, name] of literal.matchAll(/'([a-z_]+(?:\.[a-z_]+)+|logout)'/g)) written.add(name!)
        // action: `${noun}.issued`, the noun being pass or badge
        for (const [, suffix] of literal.matchAll(/\}\.([a-z_]+)`/g)) for (const noun of ['pass', 'badge']) written.add(`${noun}.${suffix!}`)
      }
    }
    expect(written.size).toBeGreaterThan(25)
    const known = new Set<string>(AUDIT_ACTIONS)
    expect([...written].filter((action) => !known.has(action))).toEqual([])
    for (const action of AUDIT_ACTIONS) {
      expect(id.admin.audit.actions[action], action).not.toBe(action)
      expect(en.admin.audit.actions[action], action).not.toBe(action)
    }
  })
})

describe('/admin/officers/:employeeNo', () => {
  it('says what each box is', async () => {
    const { officer, browser } = await world()
    const html = await (await browser.get(`/admin/officers/${officer.employeeNo}`)).text()
    expect(headings(html)).toEqual(['Status petugas', 'Foto', 'Data petugas', 'Kartu petugas & kartu kunjungan', 'Riwayat'])
    const english = await (await browser.get(`/admin/officers/${officer.employeeNo}?lang=en`)).text()
    expect(headings(english)).toEqual(['Officer status', 'Photo', 'Officer details', 'Badge & visit passes', 'History'])
    expect(visibleText(html)).toContain('Tidak ada kartu yang belum berakhir.')
  })

  it('lists the badge and passes, active while the officer is, suspended while the officer is suspended', async () => {
    const { app, officer, browser } = await world()
    const pass = await givenPass(app.services, { officer })
    const badge = await givenBadge(app.services, officer)
    const active = credentialRows(await (await browser.get(`/admin/officers/${officer.employeeNo}`)).text())
    expect(active.map((row) => [row.id, row.kind, row.status])).toEqual([
      [badge.id, 'badge', 'active'],
      [pass.id, 'visit_pass', 'active'],
    ])
    expect(active[1]!.text).toContain('Pencatatan meter')
    expect(active[1]!.text).toContain('•••• 2345')

    await browser.post(`/admin/officers/${officer.employeeNo}/suspend`, { reason: 'uji' })
    const html = await (await browser.get(`/admin/officers/${officer.employeeNo}`)).text()
    const suspended = credentialRows(html)
    expect(suspended.map((row) => row.status)).toEqual(['suspended', 'suspended'])
    expect(visibleText(html)).toContain('Semuanya ditangguhkan: tampil merah di setiap pemeriksaan')
    for (const row of suspended) {
      expect(row.text).toContain('Ditangguhkan')
      expect(row.text).not.toMatch(/\bAktif\b/)
    }
    const list = await (await browser.get('/admin/officers')).text()
    const listRow = new RegExp(`<tr data-employee-no="${officer.employeeNo}" data-status="suspended">([\\s\\S]*?)</tr>`).exec(list)
    expect(visibleText(listRow![1]!)).toContain('1 (ditangguhkan)')
    // The history box tells the story in words.
    expect(visibleText(html)).toContain('Petugas diberhentikan sementara')
  })

  it('asks on reactivation what becomes of the old passes, with cancel checked', async () => {
    const { app, officer, browser } = await world()
    await givenPass(app.services, { officer })
    await suspendOfficer(app.db, app.clock, officer.employeeNo, { reason: 'uji', actor: 'admin-utama' })
    const html = await (await browser.get(`/admin/officers/${officer.employeeNo}`)).text()
    const form = /<form method="post" action="[^"]+\/reactivate"[^>]*>([\s\S]*?)<\/form>/.exec(html)![1]!
    expect(form).toContain(`name="_csrf" value="${browser.csrf}"`)
    expect(visibleText(form)).toContain('Kartu lama petugas ini (1 belum berakhir)')
    expect(form).toMatch(/<input type="radio" name="passes" value="cancel" checked=""/)
    expect(form).not.toMatch(/value="restore" checked/)
    expect(visibleText(form)).toContain('Batalkan semua kartu lama (disarankan)')
    expect(visibleText(form)).toContain('Pulihkan kartu lama')
  })

  it('reactivates with the default: every old pass and badge is cancelled (revoked at the next scan), each audited', async () => {
    const { app, officer, browser } = await world()
    const pass = await givenPass(app.services, { officer })
    const badge = await givenBadge(app.services, officer)
    await browser.post(`/admin/officers/${officer.employeeNo}/suspend`, { reason: 'uji' })
    expect(await verdictOfToken(app, pass.token)).toBe('officer_suspended')
    const before = (await auditActions(app)).length

    const page = await (await browser.get(`/admin/officers/${officer.employeeNo}`)).text()
    const res = await submitReactivateForm(browser, page)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toContain('notice=reactivated_cancelled')
    expect(await verdictOfToken(app, pass.token)).toBe('revoked')
    expect(await verdictOfToken(app, badge.token)).toBe('revoked')
    expect(verdictOf(await (await app.request(`/c/${pass.code}`)).text())).toBe('revoked')
    expect((await app.db.select().from(officers).where(eq(officers.id, officer.id)).get())!.status).toBe('active')

    const written = (await auditActions(app)).slice(before)
    expect(written).toEqual(
      expect.arrayContaining([
        { actor: 'admin-utama', action: 'pass.revoked', subject: `visit_pass:${pass.id}`, details: { reason: 'cancelled when the officer was reactivated' } },
        { actor: 'admin-utama', action: 'badge.revoked', subject: `badge:${badge.id}`, details: { reason: 'cancelled when the officer was reactivated' } },
      ]),
    )
    expect(written.at(-1)).toEqual({ actor: 'admin-utama', action: 'officer.reactivated', subject: `officer:${officer.employeeNo}`, details: { reason: null, passes: 'cancel', revoked: 2 } })
    expect(written).toHaveLength(3)
    expect(await verifyAuditChain(app.db)).toMatchObject({ ok: true })

    const after = await (await browser.get(res.headers.get('location')!)).text()
    expect(visibleText(after)).toContain('Kartu lamanya dibatalkan')
    expect(credentialRows(after)).toEqual([])
    const audit = auditRows(await (await browser.get('/admin/audit')).text())
    expect(audit[0]!.action).toBe('Petugas diaktifkan kembali; 2 kartu lama dibatalkan')
  })

  it('cancels when a post names no choice at all', async () => {
    const { app, officer, browser } = await world()
    const pass = await givenPass(app.services, { officer })
    await suspendOfficer(app.db, app.clock, officer.employeeNo, { reason: 'uji', actor: 'admin-utama' })
    expect((await browser.post(`/admin/officers/${officer.employeeNo}/reactivate`, {})).status).toBe(303)
    expect(await verdictOfToken(app, pass.token)).toBe('revoked')
  })

  it('reactivates with restore: the old pass and badge verify again as before', async () => {
    const { app, officer, browser } = await world()
    const pass = await givenPass(app.services, { officer })
    const badge = await givenBadge(app.services, officer)
    await suspendOfficer(app.db, app.clock, officer.employeeNo, { reason: 'uji', actor: 'admin-utama' })
    const before = (await auditActions(app)).length
    const page = await (await browser.get(`/admin/officers/${officer.employeeNo}`)).text()
    const res = await submitReactivateForm(browser, page, 'restore')
    expect(res.status).toBe(303)
    expect(await verdictOfToken(app, pass.token)).toBe('valid')
    expect(await verdictOfToken(app, badge.token)).toBe('valid')
    expect((await auditActions(app)).slice(before)).toEqual([
      { actor: 'admin-utama', action: 'officer.reactivated', subject: `officer:${officer.employeeNo}`, details: { reason: null, passes: 'restore', revoked: 0 } },
    ])
    const after = await (await browser.get(res.headers.get('location')!)).text()
    expect(visibleText(after)).toContain('Kartu lamanya berlaku lagi')
    expect(credentialRows(after).map((row) => row.status)).toEqual(['active', 'active'])
    expect(auditRows(await (await browser.get('/admin/audit')).text())[0]!.action).toBe('Petugas diaktifkan kembali; kartu lama berlaku lagi')
  })

  it('refuses an unknown choice, a missing CSRF token and an officer already active, changing nothing', async () => {
    const { app, officer, browser } = await world()
    const pass = await givenPass(app.services, { officer })
    await suspendOfficer(app.db, app.clock, officer.employeeNo, { reason: 'uji', actor: 'admin-utama' })
    const before = (await auditActions(app)).length
    const path = `/admin/officers/${officer.employeeNo}/reactivate`

    const unknown = await browser.post(path, { passes: 'delete-everything' })
    expect(unknown.status).toBe(422)
    expect(visibleText(await unknown.text())).toContain('Pilih apa yang terjadi dengan kartu lama')
    const noCsrf = await browser.post(path, { passes: 'restore' }, { csrf: null })
    expect(noCsrf.status).toBe(403)
    expect((await app.db.select().from(officers).where(eq(officers.id, officer.id)).get())!.status).toBe('suspended')
    expect(await verdictOfToken(app, pass.token)).toBe('officer_suspended')
    expect((await auditActions(app)).length).toBe(before)

    expect((await browser.post(path, { passes: 'restore' })).status).toBe(303)
    const again = await browser.post(path, { passes: 'cancel' })
    expect(again.status).toBe(409)
    expect(visibleText(await again.text())).toContain('Petugas ini sudah aktif')
    expect(await verdictOfToken(app, pass.token)).toBe('valid')
  })
})

describe('npm run cli -- officer reactivate', () => {
  async function cliWorld() {
    const dir = tempDir('reactivate')
    const clock = fixedClock()
    const app = await createTestApp({ clock, db: await openDataDirDatabase(dir.path), config: { dataDir: dir.path } })
    const env = { DATA_DIR: dir.path, KEK: testConfig().kek!, PUBLIC_URL }
    const officer = await givenOfficer(app.services)
    const pass = await givenPass(app.services, { officer })
    await suspendOfficer(app.db, app.clock, officer.employeeNo, { reason: 'uji', actor: 'test' })
    return { app, officer, pass, dir, cli: (args: string[]) => runCliAt(clock, [...args, '--json'], env) }
  }

  it('restores the old passes by default (as it always did) and prints one JSON object saying so', async () => {
    const { app, officer, pass, dir, cli } = await cliWorld()
    try {
      const result = await cli(['officer', 'reactivate', officer.employeeNo])
      expect(result.code).toBe(0)
      expect(result.stdout.trim().split('\n')).toHaveLength(1)
      expect(result.json).toMatchObject({ employeeNo: officer.employeeNo, status: 'active', passes: 'restore', revoked: [] })
      expect(await verdictOfToken(app, pass.token)).toBe('valid')
    } finally {
      dir.remove()
    }
  })

  it('cancels them with --passes cancel, audited as the CLI', async () => {
    const { app, officer, pass, dir, cli } = await cliWorld()
    try {
      const refused = await cli(['officer', 'reactivate', officer.employeeNo, '--passes', 'maybe'])
      expect(refused.code).not.toBe(0)
      expect(refused.json).toMatchObject({ error: '--passes must be restore or cancel' })
      expect(await verdictOfToken(app, pass.token)).toBe('officer_suspended')

      const result = await cli(['officer', 'reactivate', officer.employeeNo, '--passes', 'cancel'])
      expect(result.code).toBe(0)
      expect(result.json).toMatchObject({ employeeNo: officer.employeeNo, status: 'active', passes: 'cancel', revoked: [pass.id] })
      expect(await verdictOfToken(app, pass.token)).toBe('revoked')
      const rows = (await auditActions(app)).filter((row) => row.actor === 'cli')
      expect(rows.map((row) => row.action)).toEqual(['pass.revoked', 'officer.reactivated'])
    } finally {
      dir.remove()
    }
  })
})
