import { and, like, ne } from 'drizzle-orm'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { auditLog, visitPasswords } from '../db/schema.ts'
import { verifyAuditChain } from '../src/audit/audit.ts'
import { DomainError } from '../src/errors.ts'
import {
  customerHasVisitPassword,
  hasVisitPassword,
  normalizeVisitPassword,
  removeVisitPassword,
  setVisitPassword,
} from '../src/households/visit-passwords.ts'
import { hashCustomerId, revokeCredential } from '../src/passes/passes.ts'
import { createTestApp, CUSTOMER_ID, givenBadge, givenOfficer, givenPass, tempDir } from './helpers.ts'
import { runCli, startServer, type RunningServer } from './support/processes.ts'
import { givenUser, signIn } from './support/session.ts'
import { openDataDirDatabase } from './support/test-database.ts'

type TestApp = Awaited<ReturnType<typeof createTestApp>>

const HOUR = 3600_000
const WORD = 'Mangga Harum Manis'
const OTHER_CUSTOMER = '532100099999'
const SAY = 'Sebutkan kata sandi kunjungan rumah ini:'
const ASK = 'Minta petugas menyebutkan kata sandi kunjungan Anda'

afterEach(() => vi.restoreAllMocks())

async function auditRows(app: TestApp) {
  return app.db.select().from(auditLog).where(like(auditLog.action, 'visit_password.%')).all()
}

async function reveals(app: TestApp) {
  return (await auditRows(app)).filter((row) => row.action === 'visit_password.reveal')
}

/** Everything the console received while `run` ran, as one string. */
async function consoleDuring(run: () => Promise<void>): Promise<string> {
  const lines: string[] = []
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((arg) => (arg instanceof Error ? `${arg.message}\n${arg.stack ?? ''}` : typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '))
    }),
  )
  try {
    await run()
  } finally {
    for (const spy of spies) spy.mockRestore()
  }
  return lines.join('\n')
}

describe('normalizeVisitPassword', () => {
  it('trims and folds every run of whitespace into one space', () => {
    expect(normalizeVisitPassword('  mangga \t  harum\u00a0\u3000manis \n')).toBe('mangga harum manis')
  })

  it('counts characters as they are read: 3 to 32, an emoji is one', () => {
    expect(normalizeVisitPassword('abc')).toBe('abc')
    expect(normalizeVisitPassword('a'.repeat(32))).toBe('a'.repeat(32))
    expect(normalizeVisitPassword('🥭🥭🥭')).toBe('🥭🥭🥭')
    for (const bad of ['ab', ' ab\t', 'a'.repeat(33), '', '     ']) {
      expect(() => normalizeVisitPassword(bad), bad).toThrow(expect.objectContaining({ code: 'visit_password_length' }) as Error)
    }
  })

  it('refuses control and invisible characters', () => {
    for (const bad of ['mang\u0007ga', 'mang\nga', 'mangga\u200b', 'man\u202ega', 'mangga\u0000', 'man\u2028ga']) {
      expect(() => normalizeVisitPassword(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'visit_password_control' }) as Error)
    }
  })
})

describe('setVisitPassword / removeVisitPassword', () => {
  it('seals the word under the KEK, found by the keyed hash of the ID pelanggan', async () => {
    const app = await createTestApp()
    expect(await setVisitPassword(app.services, { customerId: '5321 0001 2345', word: `  ${WORD} `, actor: 'test' })).toEqual({ customerLast4: '2345', changed: false })
    const rows = await app.db.select().from(visitPasswords).all()
    expect(rows).toHaveLength(1)
    expect(rows[0]!.customerHash).toBe(hashCustomerId(app.services, CUSTOMER_ID))
    const stored = JSON.stringify(rows)
    for (const secret of [WORD, WORD.toLowerCase(), 'Mangga', CUSTOMER_ID, Buffer.from(WORD).toString('base64'), Buffer.from(WORD).toString('base64url')]) {
      expect(stored).not.toContain(secret)
    }
    expect(rows[0]!.wordSealed).toMatch(/^v1\./)
    expect(await hasVisitPassword(app.db, hashCustomerId(app.services, CUSTOMER_ID))).toBe(true)
    expect(await hasVisitPassword(app.db, hashCustomerId(app.services, OTHER_CUSTOMER))).toBe(false)
    expect(await customerHasVisitPassword(app.services, '5321-0001-2345')).toBe(true)
    expect(await customerHasVisitPassword(app.services, 'not a number')).toBe(false)
  })

  it('audits set, change and removal with the last 4 digits only, never the word or the ID pelanggan', async () => {
    const app = await createTestApp()
    await setVisitPassword(app.services, { customerId: CUSTOMER_ID, word: WORD, actor: 'cso-1' })
    expect((await setVisitPassword(app.services, { customerId: CUSTOMER_ID, word: 'Durian Runtuh', actor: 'cso-2' })).changed).toBe(true)
    expect(await removeVisitPassword(app.services, { customerId: CUSTOMER_ID, actor: 'cso-3' })).toEqual({ customerLast4: '2345' })
    expect(await app.db.select().from(visitPasswords).all()).toEqual([])
    const rows = await auditRows(app)
    expect(rows.map((row) => [row.action, row.actor])).toEqual([
      ['visit_password.set', 'cso-1'],
      ['visit_password.change', 'cso-2'],
      ['visit_password.remove', 'cso-3'],
    ])
    for (const row of rows) {
      expect(JSON.parse(row.details)).toEqual({ customerLast4: '2345' })
      const text = JSON.stringify(row)
      for (const secret of [WORD, 'Mangga', 'Durian', CUSTOMER_ID]) expect(text).not.toContain(secret)
    }
    expect((await verifyAuditChain(app.db)).ok).toBe(true)
  })

  it('refuses a bad ID pelanggan or word and changes nothing', async () => {
    const app = await createTestApp()
    await setVisitPassword(app.services, { customerId: CUSTOMER_ID, word: WORD, actor: 'test' })
    const before = { stored: await app.db.select().from(visitPasswords).all(), audit: await auditRows(app) }
    const attempts: [() => Promise<unknown>, string][] = [
      [() => setVisitPassword(app.services, { customerId: '12345', word: WORD, actor: 'test' }), 'invalid_customer_id'],
      [() => setVisitPassword(app.services, { customerId: '53210001234X', word: WORD, actor: 'test' }), 'invalid_customer_id'],
      [() => setVisitPassword(app.services, { customerId: CUSTOMER_ID, word: 'ab', actor: 'test' }), 'visit_password_length'],
      [() => setVisitPassword(app.services, { customerId: CUSTOMER_ID, word: 'kata\u0000sandi', actor: 'test' }), 'visit_password_control'],
      [() => removeVisitPassword(app.services, { customerId: '1234', actor: 'test' }), 'invalid_customer_id'],
      [() => removeVisitPassword(app.services, { customerId: OTHER_CUSTOMER, actor: 'test' }), 'no_visit_password'],
    ]
    for (const [attempt, code] of attempts) {
      const error: unknown = await attempt().catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(DomainError)
      expect(error).toMatchObject({ code })
    }
    expect(await app.db.select().from(visitPasswords).all()).toEqual(before.stored)
    expect(await auditRows(app)).toEqual(before.audit)
  })
})

describe('GET /officer/passes/:id/live', () => {
  async function world() {
    const app = await createTestApp()
    const officer = await givenOfficer(app.services, { unitCode: 'ULP-CKN' })
    const colleague = await givenOfficer(app.services, { unitCode: 'ULP-CKN' })
    const supervisorOfficer = await givenOfficer(app.services, { unitCode: 'UP3-MTG', roleTitle: 'Supervisor' })
    const officerUser = await givenUser(app, 'officer', officer)
    const colleagueUser = await givenUser(app, 'officer', colleague)
    const supervisorUser = await givenUser(app, 'supervisor', supervisorOfficer)
    const adminUser = await givenUser(app, 'admin', null)
    await setVisitPassword(app.services, { customerId: CUSTOMER_ID, word: WORD, actor: 'test' })
    const pass = await givenPass(app.services, { officer })
    return { app, officer, colleague, supervisorOfficer, officerUser, colleagueUser, supervisorUser, adminUser, pass }
  }

  it('shows the officer their own active pass’s word in large type, and audits the reveal once per page view', async () => {
    const w = await world()
    const browser = await signIn(w.app, w.officerUser.username)
    const res = await browser.get(`/officer/passes/${w.pass.id}/live`)
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain(SAY)
    expect(html).toMatch(new RegExp(`<section class="card visit-password"[^>]*data-visit-password="shown"[^>]*>[\\s\\S]*<p class="word">${WORD}</p>`))
    expect(res.headers.get('cache-control')).toBe('no-store')
    const [reveal, ...more] = await reveals(w.app)
    expect(more).toEqual([])
    expect(reveal).toMatchObject({ actor: w.officerUser.username, action: 'visit_password.reveal', subject: `customer:${hashCustomerId(w.app.services, CUSTOMER_ID)}` })
    expect(JSON.parse(reveal!.details)).toEqual({ pass: w.pass.id, customerLast4: '2345' })
    expect(JSON.stringify(reveal)).not.toContain(WORD)
    expect(JSON.stringify(reveal)).not.toContain(CUSTOMER_ID)

    // The QR fragment htmx polls every minute carries no word, and polling it reveals nothing more.
    for (let i = 0; i < 3; i++) {
      w.app.clock.advance(60_000)
      const fragment = await browser.get(`/officer/passes/${w.pass.id}/qr`, { 'hx-request': 'true' })
      expect(fragment.status).toBe(200)
      const text = await fragment.text()
      expect(text).toContain('id="live-qr"')
      expect(text).not.toContain(WORD)
      expect(text).not.toContain(SAY)
    }
    expect(await reveals(w.app)).toHaveLength(1)

    await browser.get(`/officer/passes/${w.pass.id}/live`)
    expect(await reveals(w.app)).toHaveLength(2)
    expect((await verifyAuditChain(w.app.db)).ok).toBe(true)
  })

  it('shows the word to nobody else and on no other pass: other customer, revoked, ended, not yet started, supervisor, admin, badge', async () => {
    const w = await world()
    const officer = await signIn(w.app, w.officerUser.username)
    const expectNoWord = async (browser: Awaited<ReturnType<typeof signIn>>, path: string, label: string) => {
      const res = await browser.get(path)
      expect(res.status, label).toBe(200)
      const html = await res.text()
      expect(html, label).not.toContain(WORD)
      expect(html, label).not.toContain(SAY)
      expect(html, label).not.toContain('data-visit-password')
    }

    const otherCustomer = await givenPass(w.app.services, { officer: w.officer, customerId: OTHER_CUSTOMER })
    await expectNoWord(officer, `/officer/passes/${otherCustomer.id}/live`, 'a pass for a customer without a password')

    const revoked = await givenPass(w.app.services, { officer: w.officer })
    await revokeCredential(w.app.services, revoked.id, { reason: 'test', actor: 'test' })
    await expectNoWord(officer, `/officer/passes/${revoked.id}/live`, 'a revoked pass')

    const later = await givenPass(w.app.services, { officer: w.officer, windowStart: w.app.clock.now() + 3 * HOUR, windowEnd: w.app.clock.now() + 5 * HOUR })
    await expectNoWord(officer, `/officer/passes/${later.id}/live`, 'a pass whose window has not started')

    // The colleague's pass for the same customer: the colleague sees it, the supervisor and the admin (who may open it) do not.
    const colleaguePass = await givenPass(w.app.services, { officer: w.colleague })
    expect((await officer.get(`/officer/passes/${colleaguePass.id}/live`)).status).toBe(404)
    await expectNoWord(await signIn(w.app, w.supervisorUser.username), `/officer/passes/${colleaguePass.id}/live`, 'a supervisor viewing another officer’s pass')
    await expectNoWord(await signIn(w.app, w.adminUser.username), `/officer/passes/${colleaguePass.id}/live`, 'an admin viewing another officer’s pass')
    expect(await (await (await signIn(w.app, w.colleagueUser.username)).get(`/officer/passes/${colleaguePass.id}/live`)).text()).toContain(WORD)

    await givenBadge(w.app.services, w.officer)
    await expectNoWord(officer, '/officer/badge', 'the badge page')
    await expectNoWord(officer, '/officer', 'the portal home')
    await expectNoWord(officer, '/officer/passes', 'the pass list')
    await expectNoWord(officer, `/officer/passes/${w.pass.id}/print`, 'the printed pass')

    w.app.clock.advance(6 * HOUR)
    // Signed in afresh: the session above has gone idle by now.
    await expectNoWord(await signIn(w.app, w.officerUser.username), `/officer/passes/${w.pass.id}/live`, 'a pass whose window has ended')

    expect((await reveals(w.app)).map((row) => row.actor)).toEqual([w.colleagueUser.username])
  })

  it('no longer shows a removed password', async () => {
    const w = await world()
    const browser = await signIn(w.app, w.officerUser.username)
    expect(await (await browser.get(`/officer/passes/${w.pass.id}/live`)).text()).toContain(WORD)
    await removeVisitPassword(w.app.services, { customerId: CUSTOMER_ID, actor: 'test' })
    expect(await (await browser.get(`/officer/passes/${w.pass.id}/live`)).text()).not.toContain(SAY)
  })
})

describe('POST /check-customer with a visit password', () => {
  it('asks the household to hear the word once the ID pelanggan matches, and never shows it', async () => {
    const app = await createTestApp()
    await setVisitPassword(app.services, { customerId: CUSTOMER_ID, word: WORD, actor: 'test' })
    const pass = await givenPass(app.services)

    for (const headers of [{}, { 'hx-request': 'true' }] as Record<string, string>[]) {
      const res = await app.postForm('/check-customer', { code: pass.code, customerId: CUSTOMER_ID }, headers)
      expect(res.status).toBe(200)
      const html = await res.text()
      expect(html).toMatch(/data-match="true"/)
      expect(html).toContain(ASK)
      expect(html).toContain('data-visit-password="ask"')
      expect(html).not.toContain(WORD)
    }

    const token = await app.postForm('/check-customer', { token: pass.token, code: '', customerId: '5321 0001 2345' })
    expect(await token.text()).toContain(ASK)
  })

  it('says nothing of a visit password on a mismatch, or for a customer without one', async () => {
    const app = await createTestApp()
    await setVisitPassword(app.services, { customerId: CUSTOMER_ID, word: WORD, actor: 'test' })
    const pass = await givenPass(app.services)
    const mismatch = await (await app.postForm('/check-customer', { code: pass.code, customerId: OTHER_CUSTOMER })).text()
    expect(mismatch).toMatch(/data-match="false"/)
    expect(mismatch).not.toContain(ASK)
    expect(mismatch).not.toContain(WORD)

    const without = await givenPass(app.services, { customerId: OTHER_CUSTOMER })
    const matched = await (await app.postForm('/check-customer', { code: without.code, customerId: OTHER_CUSTOMER })).text()
    expect(matched).toMatch(/data-match="true"/)
    expect(matched).not.toContain(ASK)
  })

  it('asks for the word when a badge’s officer holds a live pass for this customer', async () => {
    const app = await createTestApp()
    await setVisitPassword(app.services, { customerId: CUSTOMER_ID, word: WORD, actor: 'test' })
    const officer = await givenOfficer(app.services)
    await givenPass(app.services, { officer })
    const badge = await givenBadge(app.services, officer)
    const html = await (await app.postForm('/check-customer', { code: badge.code, customerId: CUSTOMER_ID })).text()
    expect(html).toMatch(/data-match="true"/)
    expect(html).toContain(ASK)
    expect(html).not.toContain(WORD)
  })
})

describe('the word stays out of JSON, household pages and logs', () => {
  it('appears in no JSON response, no household page and no console line through a whole visit', async () => {
    const app = await createTestApp()
    const officer = await givenOfficer(app.services)
    const user = await givenUser(app, 'officer', officer)
    const bodies: { path: string; type: string; body: string }[] = []
    const keep = async (path: string, res: Response) => bodies.push({ path, type: res.headers.get('content-type') ?? '', body: await res.text() })

    const logged = await consoleDuring(async () => {
      await setVisitPassword(app.services, { customerId: CUSTOMER_ID, word: WORD, actor: 'test' })
      const pass = await givenPass(app.services, { officer })
      const browser = await signIn(app, user.username)
      const live = await browser.get(`/officer/passes/${pass.id}/live`)
      expect(await live.clone().text()).toContain(WORD)
      await keep(`/officer/passes/${pass.id}/qr`, await browser.get(`/officer/passes/${pass.id}/qr`))
      await keep('/api/v1/verify', await app.request(`/api/v1/verify/${pass.token}`))
      await keep('/v', await app.request(`/v/${pass.token}`))
      await keep('/c', await app.request(`/c/${pass.code}`))
      await keep('/check-customer', await app.postForm('/check-customer', { code: pass.code, customerId: CUSTOMER_ID }))
      await keep('/api/v1/reports', await app.request('/api/v1/reports', { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://cek.example.id' }, body: JSON.stringify({ code: pass.code, category: 'other' }) }))
      await keep('/healthz', await app.request('/healthz'))
    })
    expect(bodies.filter((b) => b.type.includes('json')).map((b) => b.path)).toEqual(expect.arrayContaining(['/api/v1/verify', '/api/v1/reports', '/healthz']))
    for (const { path, body } of bodies) expect(body, path).not.toContain(WORD)
    expect(logged).not.toContain(WORD)
    expect(logged).not.toContain('Mangga')
  })
})

describe('household password (CLI, a real process on the running server’s DATA_DIR)', () => {
  let server: RunningServer
  let dir: ReturnType<typeof tempDir>

  beforeAll(async () => {
    dir = tempDir('cli-visit-password')
    server = await startServer(dir.path)
  })

  afterAll(async () => {
    await server?.stop()
    dir?.remove()
  })

  async function cli(args: string[], input?: string) {
    const result = await runCli(args, server.env, input)
    return { ...result, all: result.stdout + result.stderr }
  }

  async function cliJson(args: string[], input?: string) {
    const result = await cli([...args, '--json'], input)
    const lines = result.stdout.trim().split('\n')
    expect(lines, `stdout: ${result.stdout}\nstderr: ${result.stderr}`).toHaveLength(1)
    return { ...result, json: JSON.parse(lines[0]!) as Record<string, unknown> }
  }

  async function storedAndAudited() {
    const db = await openDataDirDatabase(dir.path)
    try {
      return {
        // The server's demo data sets the demo household's word; these tests look at their own.
        stored: await db.select().from(visitPasswords).where(ne(visitPasswords.setBy, 'demo')).all(),
        audit: await db.select().from(auditLog).where(and(like(auditLog.action, 'visit_password.%'), ne(auditLog.actor, 'demo'))).all(),
      }
    } finally {
      await db.close()
    }
  }

  it('set reads the word from stdin, prints one JSON object without it, and the server asks the household to hear it', async () => {
    const set = await cliJson(['household', 'password', 'set', '--customer', '532100067890'], `${WORD}\n`)
    expect(set.code).toBe(0)
    expect(set.json).toEqual({ customer: '…7890', set: true, changed: false })
    expect(set.all).not.toContain(WORD)

    const changed = await cliJson(['household', 'password', 'set', '--customer', '532100067890'], 'Durian Runtuh')
    expect(changed.json).toEqual({ customer: '…7890', set: true, changed: true })

    const { stored, audit } = await storedAndAudited()
    expect(stored).toHaveLength(1)
    expect(JSON.stringify(stored)).not.toMatch(/Durian|Mangga|532100067890/)
    expect(audit.map((row) => [row.action, row.actor])).toEqual([
      ['visit_password.set', 'cli'],
      ['visit_password.change', 'cli'],
    ])
    expect(JSON.stringify(audit)).not.toMatch(/Durian|Mangga|532100067890/)

    await cliJson(['officer', 'add', '--employee-no', 'VP-0001', '--name', 'Dewi Lestari', '--unit', 'ULP-CKN'])
    const pass = (await cliJson(['pass', 'issue', '--officer', 'VP-0001', '--customer', '532100067890', '--purpose', 'CATAT_METER'])).json
    const page = await fetch(`${server.url}/check-customer`, {
      method: 'POST',
      body: new URLSearchParams({ code: String(pass.code), customerId: '532100067890' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
    })
    const html = await page.text()
    expect(html).toContain(ASK)
    expect(html).not.toContain('Durian')
  })

  it('without --json prints one line that names only the last 4 digits', async () => {
    const result = await cli(['household', 'password', 'set', '--customer', '532100011111'], 'Kopi Tubruk')
    expect(result.code).toBe(0)
    expect(result.stdout.trim()).toBe('Set the visit password of the customer ending 1111')
    expect(result.all).not.toContain('Kopi')
  })

  it('remove prints {"customer","removed":true}; removing again is a one-line error', async () => {
    const removed = await cliJson(['household', 'password', 'remove', '--customer', '532100011111'])
    expect(removed.code).toBe(0)
    expect(removed.json).toEqual({ customer: '…1111', removed: true })
    const again = await cliJson(['household', 'password', 'remove', '--customer', '532100011111'])
    expect(again.code).not.toBe(0)
    expect(again.json).toMatchObject({ code: 'no_visit_password' })
    expect(again.stderr).toMatch(/^error: .+$/m)
  })

  it('bad input exits non-zero with a one-line error and changes nothing', async () => {
    const before = await storedAndAudited()
    const attempts: { args: string[]; input?: string; exit?: number }[] = [
      { args: ['household', 'password', 'set', '--customer', '12345'], input: WORD },
      { args: ['household', 'password', 'set', '--customer', '532100067890'], input: 'ab' },
      { args: ['household', 'password', 'set', '--customer', '532100067890'], input: 'x'.repeat(33) },
      { args: ['household', 'password', 'set', '--customer', '532100067890'], input: 'kata\u0007sandi' },
      { args: ['household', 'password', 'set', '--customer', '532100067890'], input: 'baris satu\nbaris dua' },
      { args: ['household', 'password', 'set', '--customer', '532100067890'], input: '', exit: 64 },
      { args: ['household', 'password', 'set'], input: WORD, exit: 64 },
      { args: ['household', 'password', 'remove', '--customer', 'abc'] },
      { args: ['household', 'password', 'frobnicate', '--customer', '532100067890'], exit: 64 },
    ]
    const results = await Promise.all(attempts.map((attempt) => cliJson(attempt.args, attempt.input).then((result) => ({ attempt, ...result }))))
    for (const { attempt, code, json, stderr, all } of results) {
      const label = `${attempt.args.join(' ')} <<< ${JSON.stringify(attempt.input)}`
      expect(code, label).toBe(attempt.exit ?? 1)
      expect(typeof json.error, label).toBe('string')
      expect(stderr.split('\n').filter((line) => line.startsWith('error:')), label).toHaveLength(1)
      if (attempt.input && attempt.input.length > 3) expect(all, label).not.toContain(attempt.input)
    }
    expect(await storedAndAudited()).toEqual(before)
  }, 120_000)
})
