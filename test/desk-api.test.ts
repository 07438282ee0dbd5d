import { afterEach, describe, expect, it } from 'vitest'
import { openDataDirDatabase, openTestDatabase } from './support/test-database.ts'
import { apiKeys } from '../db/schema.ts'
import { createApp } from '../src/app.tsx'
import { listAuditRows } from '../src/audit/audit.ts'
import { createUser } from '../src/auth/users.ts'
import { MemoryCounters } from '../src/counters/memory.ts'
import { authenticateApiKey, createApiKey, revokeApiKey } from '../src/desk/api-keys.ts'
import { lookUp } from '../src/desk/lookup.ts'
import { createRateLimits } from '../src/http/rate-limit.ts'
import { suspendOfficer } from '../src/officers/officers.ts'
import { revokeCredential } from '../src/passes/passes.ts'
import { createTestApp, CUSTOMER_ID, fixedClock, givenOfficer, givenPass, givenUnitTree, PUBLIC_URL, tempDir, testConfig } from './helpers.ts'
import { runCliAt } from './support/cli-at.ts'
import { runCli } from './support/processes.ts'
import { givenReport } from './support/reports.ts'
import { givenUser, PASSWORD, signIn } from './support/session.ts'

type TestApp = Awaited<ReturnType<typeof createTestApp>>

const dirs: ReturnType<typeof tempDir>[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove()
})

/** GET /api/v1/cso/lookup as the CRM sends it; `authorization: null` sends no header at all. */
function lookupRequest(app: Pick<TestApp, 'request'>, q: string | null, authorization: string | null, headers: Record<string, string> = {}) {
  const query = q === null ? '' : `?q=${encodeURIComponent(q)}`
  return app.request(`/api/v1/cso/lookup${query}`, { headers: { ...(authorization === null ? {} : { authorization }), ...headers } })
}

/** A CRM key on `app`, and lookups with it. */
async function givenCrmKey(app: Pick<TestApp, 'db' | 'clock' | 'request'>) {
  const { apiKey, key } = await createApiKey(app.db, app.clock, { name: 'CRM 123 Gambir', scope: 'cso', actor: 'admin-utama' })
  const lookup = (q: string | null, authorization: string | null = `Bearer ${key}`) => lookupRequest(app, q, authorization)
  const lookups = async () => (await listAuditRows(app.db, { actor: `apikey:${apiKey.id}`, action: 'desk.lookup' }, { limit: 1000, offset: 0 })).rows
  return { apiKey, key, lookup, lookups }
}

async function deskWorld(app?: TestApp) {
  app ??= await createTestApp()
  return { app, ...(await givenCrmKey(app)) }
}

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>
}

async function givenCso(app: TestApp, username = 'agen-rina') {
  return createUser(app.db, app.clock, { username, password: PASSWORD, role: 'cso' })
}

describe('API keys', () => {
  it('are cpk_<id>_<secret> with 256 random bits, stored only as their SHA-256, and authenticate until revoked', async () => {
    const app = await createTestApp()
    const { apiKey, key } = await createApiKey(app.db, app.clock, { name: '  CRM 123  ', scope: 'cso', actor: 'test' })
    expect(apiKey.id).toMatch(/^ak_[0-9A-HJKMNP-TV-Z]{8}$/)
    expect(key).toMatch(new RegExp(`^cpk_${apiKey.id}_[A-Za-z0-9_-]{43}$`))
    expect(apiKey.name).toBe('CRM 123')
    const [row] = await app.db.select().from(apiKeys).all()
    expect(row!.keyHash).toMatch(/^[0-9a-f]{64}$/)
    expect(JSON.stringify(row)).not.toContain(key.slice(-43))
    expect((await authenticateApiKey(app.db, app.clock, key))?.id).toBe(apiKey.id)
    // The right id with another secret, a key cut short, and nonsense are all simply no key.
    expect(await authenticateApiKey(app.db, app.clock, `cpk_${apiKey.id}_${'A'.repeat(43)}`)).toBeNull()
    expect(await authenticateApiKey(app.db, app.clock, key.slice(0, -1))).toBeNull()
    expect(await authenticateApiKey(app.db, app.clock, 'cpk_')).toBeNull()
    await revokeApiKey(app.db, app.clock, apiKey.id, 'test')
    expect(await authenticateApiKey(app.db, app.clock, key)).toBeNull()
  })

  it('refuse a bad name or scope, and revoking an unknown or already revoked key', async () => {
    const app = await createTestApp()
    await expect(createApiKey(app.db, app.clock, { name: ' ', scope: 'cso', actor: 'test' })).rejects.toMatchObject({ code: 'invalid_api_key_name' })
    await expect(createApiKey(app.db, app.clock, { name: 'a\nb', scope: 'cso', actor: 'test' })).rejects.toMatchObject({ code: 'invalid_api_key_name' })
    await expect(createApiKey(app.db, app.clock, { name: 'x'.repeat(81), scope: 'cso', actor: 'test' })).rejects.toMatchObject({ code: 'invalid_api_key_name' })
    await expect(createApiKey(app.db, app.clock, { name: 'CRM', scope: 'admin', actor: 'test' })).rejects.toMatchObject({ code: 'invalid_api_key_scope' })
    expect(await app.db.select().from(apiKeys).all()).toHaveLength(0)
    await expect(revokeApiKey(app.db, app.clock, 'ak_00000000', 'test')).rejects.toMatchObject({ code: 'unknown_api_key' })
    await expect(revokeApiKey(app.db, app.clock, "'; drop table api_keys; --", 'test')).rejects.toMatchObject({ code: 'unknown_api_key' })
    const { apiKey } = await createApiKey(app.db, app.clock, { name: 'CRM', scope: 'cso', actor: 'test' })
    await revokeApiKey(app.db, app.clock, apiKey.id, 'test')
    await expect(revokeApiKey(app.db, app.clock, apiKey.id, 'test')).rejects.toMatchObject({ code: 'api_key_revoked' })
    const audit = (await listAuditRows(app.db, { subject: `apikey:${apiKey.id}` }, { limit: 10, offset: 0 })).rows.map((row) => row.action)
    expect(audit).toEqual(['apikey.revoked', 'apikey.created'])
  })

  it('record when a key was last used, at most once a minute', async () => {
    const { app, apiKey, key } = await deskWorld()
    const lastUsed = async () => (await app.db.select().from(apiKeys).all())[0]!.lastUsedAt
    expect(await lastUsed()).toBeNull()
    await authenticateApiKey(app.db, app.clock, key)
    const first = app.clock.now()
    expect(await lastUsed()).toBe(first)
    app.clock.advance(30_000)
    await authenticateApiKey(app.db, app.clock, key)
    expect(await lastUsed()).toBe(first)
    app.clock.advance(30_000)
    await authenticateApiKey(app.db, app.clock, key)
    expect(await lastUsed()).toBe(first + 60_000)
    expect(apiKey.lastUsedAt).toBeNull()
  })
})

describe('GET /api/v1/cso/lookup', () => {
  it('answers a short code as /api/v1/verify does, with the customer as last 4 digits only, never cached and without CORS', async () => {
    const { app, lookup } = await deskWorld()
    const pass = await givenPass(app.services)
    const res = await lookup(pass.code)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    const body = await res.text()
    expect(body).not.toContain(CUSTOMER_ID)
    const answer = JSON.parse(body) as Record<string, unknown>
    expect(answer).toMatchObject({
      kind: 'credential',
      verdict: 'valid',
      credentialKind: 'visit_pass',
      officer: { employeeNo: pass.officer.employeeNo, name: pass.officer.name },
      pass: { id: pass.id, purpose: { code: 'CATAT_METER' }, customerLast4: '2345' },
    })
    const verify = await json(await app.request(`/api/v1/verify/${pass.token}`))
    expect(answer.officer).toEqual(verify.officer)
    expect(answer.pass).toEqual(verify.pass)
  })

  it('answers a token, and a pasted verify link, with the verdict; a revoked pass is red', async () => {
    const { app, lookup } = await deskWorld()
    const pass = await givenPass(app.services)
    expect(await json(await lookup(pass.token))).toMatchObject({ kind: 'credential', verdict: 'valid' })
    expect(await json(await lookup(pass.url))).toMatchObject({ kind: 'credential', verdict: 'valid' })
    await revokeCredential(app.services, pass.id, { actor: 'test' })
    expect(await json(await lookup(pass.code))).toMatchObject({ kind: 'credential', verdict: 'revoked' })
  })

  it('answers a token that is not ours as a credential the household would see red, without an officer', async () => {
    const { lookup } = await deskWorld()
    const answer = await json(await lookup('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'))
    expect(answer.kind).toBe('credential')
    expect(answer.verdict).not.toBe('valid')
    expect(answer.officer).toBeNull()
  })

  it('answers an ID pelanggan with its active pass, or null, and the last 4 digits only', async () => {
    const { app, lookup } = await deskWorld()
    const pass = await givenPass(app.services)
    const res = await lookup('5321 0001 2345')
    const body = await res.text()
    expect(body).not.toContain(CUSTOMER_ID)
    expect(JSON.parse(body)).toMatchObject({
      kind: 'customer',
      customerLast4: '2345',
      activePass: { officer: { employeeNo: pass.officer.employeeNo }, purpose: { code: 'CATAT_METER' }, customerLast4: '2345', windowStart: expect.any(String), windowEnd: expect.any(String) },
    })
    // Another customer has no visit now: no, and nothing of the first customer's pass.
    const other = await lookup('532100099999')
    const otherBody = await other.text()
    expect(JSON.parse(otherBody)).toEqual({ kind: 'customer', customerLast4: '9999', hasVisitPassword: false, activePass: null })
    expect(otherBody).not.toContain(pass.officer.employeeNo)
    // A suspended officer's pass is not an active visit.
    await suspendOfficer(app.db, app.clock, pass.officer.employeeNo, { reason: 'test', actor: 'test' })
    expect(await json(await lookup(CUSTOMER_ID))).toMatchObject({ kind: 'customer', activePass: null })
  })

  it('answers a ticket with its status and timeline', async () => {
    const { app, lookup } = await deskWorld()
    const report = await givenReport(app)
    const answer = await json(await lookup(report.ticket.toLowerCase()))
    expect(answer).toMatchObject({ kind: 'report', ticket: report.ticket, status: 'new' })
    expect(answer.timeline).toEqual([expect.objectContaining({ kind: 'created' })])
    expect(await json(await lookup('LPR-ZZZZZZZZ'))).toEqual({ kind: 'none' })
  })

  it('answers an employee number with the officer and their status', async () => {
    const { app, lookup } = await deskWorld()
    const officer = await givenOfficer(app.services, { employeeNo: 'UPT-0042', name: 'Siti Rahayu' })
    expect(await json(await lookup('upt-0042'))).toMatchObject({ kind: 'officer', employeeNo: 'UPT-0042', name: 'Siti Rahayu', status: 'active', unit: { code: 'ULP-CKN' } })
    await suspendOfficer(app.db, app.clock, officer.employeeNo, { reason: 'test', actor: 'test' })
    expect(await json(await lookup('UPT-0042'))).toMatchObject({ kind: 'officer', status: 'suspended' })
  })

  it('answers {"kind":"none"} when nothing matches or the query cannot be read', async () => {
    const { lookup } = await deskWorld()
    for (const q of ['7K3M-Q9XD', 'NOPE-0000', 'apa ini?', '<script>alert(1)</script>']) {
      const res = await lookup(q)
      expect(res.status, q).toBe(200)
      expect(await json(res), q).toEqual({ kind: 'none' })
    }
  })

  it('refuses 401 with WWW-Authenticate without a valid key: none, malformed, unknown, wrong secret, revoked', async () => {
    const { app, apiKey, key, lookup, lookups } = await deskWorld()
    const { key: revokedKey, apiKey: revoked } = await createApiKey(app.db, app.clock, { name: 'Old CRM', scope: 'cso', actor: 'test' })
    await revokeApiKey(app.db, app.clock, revoked.id, 'test')
    const refusals: (string | null)[] = [
      null,
      '',
      'Bearer',
      'Bearer ',
      `Basic ${Buffer.from(`x:${key}`).toString('base64')}`,
      `Token ${key}`,
      `Bearer ${key} extra`,
      'Bearer cpk_ak_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      `Bearer cpk_${apiKey.id}_${'B'.repeat(43)}`,
      `Bearer ${key}x`,
      `Bearer ${'x'.repeat(5000)}`,
      `Bearer ${revokedKey}`,
    ]
    for (const authorization of refusals) {
      const res = await lookup('532100012345', authorization)
      expect(res.status, String(authorization)).toBe(401)
      expect(res.headers.get('www-authenticate'), String(authorization)).toMatch(/^Bearer/)
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(await json(res)).toMatchObject({ error: 'unauthorized', message: expect.stringContaining('Authorization: Bearer') })
    }
    expect(await lookups()).toHaveLength(0)
    expect((await listAuditRows(app.db, { action: 'desk.lookup' }, { limit: 10, offset: 0 })).total).toBe(0)
    // The scheme's case does not matter (RFC 9110 §11.1).
    expect((await lookup('532100012345', `bearer ${key}`)).status).toBe(200)
  })

  it('is not opened by a session cookie, even an admin’s or a 123 agent’s', async () => {
    const { app, lookup } = await deskWorld()
    const admin = await signIn(app, (await givenUser(app, 'admin', null, 'admin-desk')).username)
    const agent = await signIn(app, (await givenCso(app)).username)
    for (const browser of [admin, agent]) {
      const res = await lookupRequest(app, CUSTOMER_ID, null, { cookie: browser.cookies, 'x-csrf-token': browser.csrf })
      expect(res.status).toBe(401)
      expect(await json(res)).toMatchObject({ error: 'unauthorized' })
    }
    // A valid key still answers beside a cookie: the key decides, never the session.
    expect((await lookup(CUSTOMER_ID)).status).toBe(200)
  })

  it('refuses 400 without q, with an empty q or one too long, and looks nothing up', async () => {
    const { app, key, lookup, lookups } = await deskWorld()
    for (const q of [null, '', '   ', 'x'.repeat(4097)]) {
      const res = await lookup(q)
      expect(res.status, String(q?.length)).toBe(400)
      expect((await json(res)).error).toMatch(/^(missing_query|query_too_long)$/)
    }
    expect(await lookups()).toHaveLength(0)
    // Answers in the reader's language: Indonesian by default, English on ?lang=en.
    expect((await json(await lookup(null))).message).toMatch(/wajib diisi/)
    const english = await app.request('/api/v1/cso/lookup?lang=en', { headers: { authorization: `Bearer ${key}` } })
    expect((await json(english)).message).toMatch(/is required/)
  })

  it('audits every lookup as apikey:<id>, with what it named and whether it found anything, never the full ID pelanggan', async () => {
    const { app, apiKey, lookup, lookups } = await deskWorld()
    const pass = await givenPass(app.services)
    await lookup(pass.code)
    await lookup(CUSTOMER_ID)
    await lookup('532100099999')
    await lookup('apa ini?')
    const rows = await lookups()
    expect(rows.map((row) => row.actor)).toEqual(Array(4).fill(`apikey:${apiKey.id}`))
    const details = rows.map((row) => JSON.parse(row.details) as Record<string, unknown>)
    expect(details).toEqual([
      expect.objectContaining({ query: 'unreadable', found: false }),
      expect.objectContaining({ query: 'customer', customerLast4: '9999', found: false }),
      expect.objectContaining({ query: 'customer', customerLast4: '2345', found: true }),
      expect.objectContaining({ query: 'code', code: pass.code, found: true }),
    ])
    for (const row of rows) expect(`${row.subject} ${row.details}`).not.toContain(CUSTOMER_ID)
    expect(rows[3]!.subject).toBe(`credential:${pass.id}`)
  })

  it('refuses 429 with Retry-After past the key’s limit, per key, until the window turns', async () => {
    const clock = fixedClock()
    const counters = new MemoryCounters()
    const db = await openTestDatabase()
    const { app, services } = createApp({ db, config: testConfig(), clock, counters })
    await givenUnitTree(services)
    const request = (path: string, init: RequestInit = {}) => app.request(`${PUBLIC_URL}${path}`, init)
    const world = await givenCrmKey({ db, clock, request })
    const other = await createApiKey(db, clock, { name: 'CRM 123 Surabaya', scope: 'cso', actor: 'test' })
    // The limiters are fixed windows over the shared counters: fill this key's customer window as 1000 lookups would.
    const limits = createRateLimits(true, counters)
    const actor = `apikey:${world.apiKey.id}`
    for (let i = 0; i < limits.deskCustomerLookupsPerApiKey.limit; i++) expect(await limits.deskCustomerLookupsPerApiKey.consume(actor, clock.now())).toBeNull()
    const refused = await world.lookup(CUSTOMER_ID)
    expect(refused.status).toBe(429)
    const retryAfter = Number(refused.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(3600)
    expect(await json(refused)).toMatchObject({ error: 'rate_limited', retryAfter })
    expect(await world.lookups()).toHaveLength(0)
    // Other kinds of lookup by the same key, and the other key's customer lookups, still answer.
    expect((await world.lookup('LPR-ZZZZZZZZ')).status).toBe(200)
    expect((await lookupRequest({ request }, CUSTOMER_ID, `Bearer ${other.key}`)).status).toBe(200)
    // Every lookup counts against the key's overall limit too.
    for (let i = 0; i < limits.deskLookupsPerApiKey.limit; i++) await limits.deskLookupsPerApiKey.consume(actor, clock.now())
    expect((await world.lookup('LPR-ZZZZZZZZ')).status).toBe(429)
    clock.advance(retryAfter * 1000)
    expect((await world.lookup(CUSTOMER_ID)).status).toBe(200)
  })

  it('has no limits when RATE_LIMIT=off', async () => {
    const app = await createTestApp({ config: { rateLimit: false } })
    const { lookup, lookups } = await deskWorld(app)
    for (let i = 0; i < 3; i++) expect((await lookup(CUSTOMER_ID)).status).toBe(200)
    expect(await lookups()).toHaveLength(3)
  })
})

describe('apikey create | list | revoke (CLI)', () => {
  async function cliWorld() {
    const dir = tempDir('apikey-cli')
    dirs.push(dir)
    const clock = fixedClock()
    const app = await createTestApp({ clock, db: await openDataDirDatabase(dir.path), config: { dataDir: dir.path } })
    const env = { DATA_DIR: dir.path, KEK: testConfig().kek!, PUBLIC_URL }
    return { app, env, cli: (args: string[]) => runCliAt(clock, [...args, '--json'], env) }
  }

  it('creates a key with npm run cli (one JSON object: id and key) that opens the running app’s API at once', async () => {
    const { app, env } = await cliWorld()
    const result = await runCli(['apikey', 'create', '--name', 'CRM 123 Gambir', '--scope', 'cso', '--json'], env)
    const lines = result.stdout.trim().split('\n')
    expect(lines, result.stderr).toHaveLength(1)
    expect(result.code).toBe(0)
    const created = JSON.parse(lines[0]!) as { id: string; key: string }
    expect(Object.keys(created).sort()).toEqual(['id', 'key'])
    expect((await lookupRequest(app, 'LPR-ZZZZZZZZ', `Bearer ${created.key}`)).status).toBe(200)
  }, 30_000)

  it('lists keys without their secret, and revokes one: refused at once, and a second revoke is an error', async () => {
    const { app, cli } = await cliWorld()
    const created = await cli(['apikey', 'create', '--name', 'CRM 123 Gambir', '--scope', 'cso'])
    expect(created.code).toBe(0)
    const { id, key } = created.json as { id: string; key: string }
    await lookupRequest(app, CUSTOMER_ID, `Bearer ${key}`)
    const listed = await cli(['apikey', 'list'])
    expect(listed.code).toBe(0)
    expect(listed.json).toEqual({ keys: [{ id, name: 'CRM 123 Gambir', scope: 'cso', createdAt: new Date(app.clock.now()).toISOString(), lastUsedAt: new Date(app.clock.now()).toISOString(), revokedAt: null }] })
    expect(listed.stdout).not.toContain(key.slice(-43))

    const revoked = await cli(['apikey', 'revoke', id])
    expect(revoked.code).toBe(0)
    expect(revoked.json).toEqual({ id, revoked: true })
    expect((await lookupRequest(app, CUSTOMER_ID, `Bearer ${key}`)).status).toBe(401)
    expect(((await cli(['apikey', 'list'])).json as { keys: { revokedAt: string | null }[] }).keys[0]!.revokedAt).toBe(new Date(app.clock.now()).toISOString())

    const again = await cli(['apikey', 'revoke', id])
    expect(again.code).not.toBe(0)
    expect(again.json).toMatchObject({ code: 'api_key_revoked' })
    expect(again.stderr.split('\n')).toHaveLength(1)
    const audit = (await listAuditRows(app.db, { subject: `apikey:${id}` }, { limit: 10, offset: 0 })).rows
    expect(audit.map((row) => [row.actor, row.action])).toEqual([
      ['cli', 'apikey.revoked'],
      ['cli', 'apikey.created'],
    ])
  })

  it('refuses a bad scope, a missing name and an unknown id with a one-line error and a non-zero exit', async () => {
    const { app, cli } = await cliWorld()
    const cases: [string[], string | null][] = [
      [['apikey', 'create', '--name', 'CRM', '--scope', 'admin'], 'invalid_api_key_scope'],
      [['apikey', 'create', '--scope', 'cso'], null],
      [['apikey', 'create', '--name', 'CRM'], null],
      [['apikey', 'revoke', 'ak_00000000'], 'unknown_api_key'],
      [['apikey', 'revoke'], null],
    ]
    for (const [args, code] of cases) {
      const result = await cli(args)
      expect(result.code, args.join(' ')).not.toBe(0)
      expect(result.json, args.join(' ')).toMatchObject({ code })
      expect(result.stderr.split('\n'), args.join(' ')).toHaveLength(1)
      expect(result.stderr).toMatch(/^error: /)
    }
    expect(await app.db.select().from(apiKeys).all()).toHaveLength(0)
  })
})

describe('/admin/api-keys', () => {
  async function consoleWorld() {
    const app = await createTestApp()
    const admin = await signIn(app, (await givenUser(app, 'admin', null, 'admin-utama')).username)
    return { app, admin }
  }

  it('shows a new key once, on the answer to its form, and never again', async () => {
    const { app, admin } = await consoleWorld()
    const page = await (await admin.get('/admin/api-keys')).text()
    expect(page).toContain('Kunci API (CRM 123)')
    expect(page).toContain('Belum ada kunci API.')
    const res = await admin.post('/admin/api-keys', { name: 'CRM 123 Gambir', scope: 'cso' })
    expect(res.status).toBe(201)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const html = await res.text()
    const key = /data-api-key[^>]*value="(cpk_[^"]+)"|value="(cpk_[^"]+)"[^>]*data-api-key/.exec(html)
    const shown = key?.[1] ?? key?.[2]
    expect(shown).toMatch(/^cpk_ak_/)
    expect(html).toContain('tidak akan ditampilkan lagi')
    expect((await lookupRequest(app, 'LPR-ZZZZZZZZ', `Bearer ${shown}`)).status).toBe(200)
    const later = await (await admin.get('/admin/api-keys')).text()
    expect(later).not.toContain('cpk_')
    expect(later).toContain('CRM 123 Gambir')
    const [row] = await app.db.select().from(apiKeys).all()
    expect(row).toMatchObject({ name: 'CRM 123 Gambir', scope: 'cso', createdBy: 'admin-utama' })
    expect(later).toContain(`data-api-key-id="${row!.id}"`)
  })

  it('refuses a bad name in Indonesian and creates nothing', async () => {
    const { app, admin } = await consoleWorld()
    const res = await admin.post('/admin/api-keys', { name: '   ', scope: 'cso' })
    expect(res.status).toBe(422)
    expect(await res.text()).toContain('Nama kunci 1–80 karakter')
    expect((await admin.post('/admin/api-keys', { name: 'CRM', scope: 'admin' })).status).toBe(422)
    expect((await admin.post('/admin/api-keys', { name: 'CRM', scope: 'cso' }, { csrf: null })).status).toBe(403)
    expect(await app.db.select().from(apiKeys).all()).toHaveLength(0)
  })

  it('revokes a key after a confirmation step; the key is refused at once', async () => {
    const { app, admin } = await consoleWorld()
    const { apiKey, key } = await createApiKey(app.db, app.clock, { name: 'CRM 123 Gambir', scope: 'cso', actor: 'test' })
    const confirm = await admin.get(`/admin/api-keys/${apiKey.id}/revoke`)
    expect(confirm.status).toBe(200)
    const confirmHtml = await confirm.text()
    expect(confirmHtml).toContain('CRM 123 Gambir')
    expect(confirmHtml).toContain(`action="/admin/api-keys/${apiKey.id}/revoke"`)
    expect((await admin.post(`/admin/api-keys/${apiKey.id}/revoke`, {}, { csrf: null })).status).toBe(403)
    expect((await lookupRequest(app, CUSTOMER_ID, `Bearer ${key}`)).status).toBe(200)
    const revoked = await admin.post(`/admin/api-keys/${apiKey.id}/revoke`, {})
    expect(revoked.status).toBe(303)
    expect(revoked.headers.get('location')).toBe('/admin/api-keys?notice=revoked')
    expect((await lookupRequest(app, CUSTOMER_ID, `Bearer ${key}`)).status).toBe(401)
    const list = await (await admin.get('/admin/api-keys?notice=revoked')).text()
    expect(list).toContain('Kunci API dicabut.')
    expect(list).toContain(`data-api-key-id="${apiKey.id}" data-revoked="true"`)
    const again = await admin.post(`/admin/api-keys/${apiKey.id}/revoke`, {})
    expect(again.status).toBe(409)
    expect(await again.text()).toContain('sudah dicabut')
    expect((await admin.get('/admin/api-keys/ak_00000000/revoke')).status).toBe(404)
    expect((await admin.post('/admin/api-keys/ak_00000000/revoke', {})).status).toBe(404)
    const audit = (await listAuditRows(app.db, { subject: `apikey:${apiKey.id}`, action: 'apikey.revoked' }, { limit: 10, offset: 0 })).rows
    expect(audit.map((row) => row.actor)).toEqual(['admin-utama'])
  })

  it('is for admins only', async () => {
    const app = await createTestApp()
    const supervisor = await signIn(app, (await givenUser(app, 'supervisor', await givenOfficer(app.services))).username)
    const agent = await signIn(app, (await givenCso(app)).username)
    for (const browser of [supervisor, agent]) {
      expect((await browser.get('/admin/api-keys')).status).toBe(403)
      expect((await browser.post('/admin/api-keys', { name: 'CRM', scope: 'cso' })).status).toBe(403)
    }
    expect(await app.db.select().from(apiKeys).all()).toHaveLength(0)
    expect((await app.request('/admin/api-keys')).headers.get('location')).toBe('/login')
  })
})

describe('/admin/desk/lookups', () => {
  async function lookupsWorld() {
    const { app, apiKey, lookup } = await deskWorld()
    const agent = await givenCso(app, 'agen-rina')
    await givenCso(app, 'agen-budi')
    const pass = await givenPass(app.services)
    const report = await givenReport(app)
    const asAgent = (q: string) => lookUp(app.services, app.verifier, { actor: agent.username, limits: null }, q)
    await asAgent(pass.code)
    app.clock.advance(60_000)
    await asAgent(CUSTOMER_ID)
    app.clock.advance(60_000)
    await asAgent(report.ticket)
    app.clock.advance(60_000)
    await asAgent('532100099999')
    await lookup('LPR-ZZZZZZZZ')
    const supervisor = await signIn(app, (await givenUser(app, 'supervisor', await givenOfficer(app.services))).username)
    const admin = await signIn(app, (await givenUser(app, 'admin', null)).username)
    return { app, apiKey, pass, report, supervisor, admin }
  }

  it('shows a supervisor an agent’s lookups, newest first, with customers as last 4 digits only', async () => {
    const { pass, report, supervisor } = await lookupsWorld()
    const chooser = await (await supervisor.get('/admin/desk/lookups')).text()
    expect(chooser).toContain('<option value="agen-rina">')
    expect(chooser).toContain('<option value="agen-budi">')
    expect(chooser).toContain('Pilih agen untuk melihat pencariannya.')
    expect(chooser).toContain('href="/admin/desk/lookups"')

    const res = await supervisor.get('/admin/desk/lookups?agent=agen-rina')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).not.toContain(CUSTOMER_ID)
    const rows = [...html.matchAll(/<tr data-audit-id="\d+" data-kind="([^"]+)" data-found="([^"]+)">([\s\S]*?)<\/tr>/g)].map((m) => ({ kind: m[1], found: m[2], text: m[3]! }))
    expect(rows.map((row) => [row.kind, row.found])).toEqual([
      ['customer', 'false'],
      ['ticket', 'true'],
      ['customer', 'true'],
      ['code', 'true'],
    ])
    expect(rows[0]!.text).toContain('Pelanggan …9999')
    expect(rows[0]!.text).toContain('Tidak ditemukan')
    expect(rows[1]!.text).toContain(report.ticket)
    expect(rows[2]!.text).toContain('Pelanggan …2345')
    expect(rows[3]!.text).toContain(`${pass.code.slice(0, 4)}-${pass.code.slice(4)}`)
    expect(rows[3]!.text).toContain('Kode singkat')
    // The API key's lookup is its own agent's, not this one's.
    expect(html).not.toContain('LPR-ZZZZZZZZ')

    const none = await (await supervisor.get('/admin/desk/lookups?agent=agen-budi')).text()
    expect(none).toContain('Belum ada pencarian oleh agen ini.')
  })

  it('shows an admin the lookups of an API key, and links to an agent’s lookups from the users page', async () => {
    const { apiKey, admin } = await lookupsWorld()
    const html = await (await admin.get(`/admin/desk/lookups?agent=${encodeURIComponent(`apikey:${apiKey.id}`)}`)).text()
    expect(html).toContain(`<option value="apikey:${apiKey.id}" selected="">`)
    expect(html).toContain('LPR-ZZZZZZZZ')
    expect(html).toContain('Tiket laporan')
    const users = await (await admin.get('/admin/users')).text()
    expect(users).toContain('href="/admin/desk/lookups?agent=agen-rina"')
    const keys = await (await admin.get('/admin/api-keys')).text()
    expect(keys).toContain(`href="/admin/desk/lookups?agent=apikey%3A${apiKey.id}"`)
  })

  it('pages an agent’s lookups', async () => {
    const { app, supervisor } = await lookupsWorld()
    for (let i = 0; i < 50; i++) await lookUp(app.services, app.verifier, { actor: 'agen-budi', limits: null }, `LPR-${String(i).padStart(8, '0')}`)
    const first = await (await supervisor.get('/admin/desk/lookups?agent=agen-budi')).text()
    expect(first).toContain('1–50 / 50')
    await lookUp(app.services, app.verifier, { actor: 'agen-budi', limits: null }, 'LPR-ZZZZZZZZ')
    const paged = await (await supervisor.get('/admin/desk/lookups?agent=agen-budi')).text()
    expect(paged).toContain('1–50 / 51')
    expect(paged).toContain('href="/admin/desk/lookups?agent=agen-budi&amp;page=2"')
    const second = await (await supervisor.get('/admin/desk/lookups?agent=agen-budi&page=2')).text()
    expect(second).toContain('51–51 / 51')
    expect(second).toContain('LPR-00000000')
  })

  it('is 403 to 123 agents and officers', async () => {
    const { app } = await lookupsWorld()
    const agent = await signIn(app, 'agen-budi')
    const officer = await signIn(app, (await givenUser(app, 'officer', await givenOfficer(app.services))).username)
    for (const browser of [agent, officer]) expect((await browser.get('/admin/desk/lookups?agent=agen-rina')).status).toBe(403)
    expect((await app.request('/admin/desk/lookups')).headers.get('location')).toBe('/login')
  })
})
