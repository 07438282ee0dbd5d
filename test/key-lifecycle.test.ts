import { sql } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { openDataDirDatabase } from './support/test-database.ts'
import { signingKeys } from '../db/schema.ts'
import { createTestApp, faceOf, fixedClock, givenOfficer, PUBLIC_URL, tempDir, testConfig, verdictOf, type TestClock } from './helpers.ts'
import { decodeSvgQr } from './support/browser.ts'
import { runCliAt } from './support/cli-at.ts'
import { runCli } from './support/processes.ts'
import { givenUser, signIn, type Browser } from './support/session.ts'

const MINUTE = 60 * 1000
const dirs: ReturnType<typeof tempDir>[] = []

afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove()
})

/** An app on a database file that the CLI can open too, with the CLI's environment. */
async function appOnDisk(clock: TestClock = fixedClock()) {
  const dir = tempDir('key-lifecycle')
  dirs.push(dir)
  const app = await createTestApp({ clock, db: await openDataDirDatabase(dir.path), config: { dataDir: dir.path } })
  const env = { DATA_DIR: dir.path, KEK: testConfig().kek!, PUBLIC_URL }
  return { ...app, env, cli: (args: string[]) => runCliAt(clock, [...args, '--json'], env) }
}

function kidOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid
}

/** The token in the QR of a page, read as a camera would read it. */
function tokenInQr(html: string): string {
  const svg = /<div class="qr"[^>]*>(<svg[\s\S]*?<\/svg>)/.exec(html)?.[1]
  const url = svg ? decodeSvgQr(svg) : null
  expect(url).toMatch(new RegExp(`^${PUBLIC_URL}/v/`))
  return url!.slice(`${PUBLIC_URL}/v/`.length)
}

async function reprintBadge(browser: Browser): Promise<string> {
  const res = await browser.get('/officer/badge')
  expect(res.status).toBe(200)
  return tokenInQr(await res.text())
}

async function verdictOfToken(request: Awaited<ReturnType<typeof createTestApp>>['request'], token: string): Promise<string> {
  return ((await (await request(`/api/v1/verify/${token}`)).json()) as { verdict: string }).verdict
}

describe('key retirement counts badges by the key that signed them', () => {
  it('after two rotations with reprints in between, every reprint is the badge first printed; key retire refuses the original key and breaks nothing when retiring the one in between', async () => {
    const app = await appOnDisk()
    const officer = await givenOfficer(app.services)
    const browser = await signIn(app, (await givenUser(app, 'officer', officer)).username)
    expect((await browser.post('/officer/badge', {})).status).toBe(303)
    const original = (await app.services.keys.activeKid())!

    const printed = [await reprintBadge(browser)]
    const { kid: between } = await app.services.keys.rotate('test')
    app.clock.advance(10 * MINUTE)
    printed.push(await reprintBadge(browser))
    await app.services.keys.rotate('test')
    app.clock.advance(10 * MINUTE)
    printed.push(await reprintBadge(browser))

    expect(new Set(printed).size).toBe(1)
    expect(kidOf(printed[0]!)).toBe(original)

    const list = await app.cli(['key', 'list'])
    const keys = (list.json as { keys: { kid: string; liveCredentials: number }[] }).keys
    expect(keys.find((k) => k.kid === original)?.liveCredentials).toBe(1)
    expect(keys.find((k) => k.kid === between)?.liveCredentials).toBe(0)

    const refused = await app.cli(['key', 'retire', original])
    expect(refused.code).toBe(1)
    expect(refused.json).toMatchObject({ code: 'live_credentials' })
    expect(String(refused.json?.error)).toContain('1 live credential')
    expect(refused.stderr).toMatch(/^error: Key \S+ still signs 1 live credential/)
    expect(await verdictOfToken(app.request, printed[0]!)).toBe('valid')

    const retired = await app.cli(['key', 'retire', between])
    expect(retired.code).toBe(0)
    expect(retired.json).toMatchObject({ kid: between, state: 'retired' })
    // The badge in circulation is untouched.
    expect(await verdictOfToken(app.request, printed[0]!)).toBe('valid')
  })

  it('reprints a badge issued before printed tokens were kept with the key that signed it, not the active one', async () => {
    const app = await appOnDisk()
    const officer = await givenOfficer(app.services)
    const browser = await signIn(app, (await givenUser(app, 'officer', officer)).username)
    expect((await browser.post('/officer/badge', {})).status).toBe(303)
    const original = (await app.services.keys.activeKid())!
    await app.db.rows(sql`update credentials set printed_token_sealed = null`)
    await app.services.keys.rotate('test')
    const reprint = await reprintBadge(browser)
    expect(kidOf(reprint)).toBe(original)
    expect(await verdictOfToken(app.request, reprint)).toBe('valid')
  })

  it('the admin page refuses to retire a key with live credentials without the typed count, and accepts it with the count', async () => {
    const app = await appOnDisk()
    const officer = await givenOfficer(app.services)
    const officerBrowser = await signIn(app, (await givenUser(app, 'officer', officer)).username)
    expect((await officerBrowser.post('/officer/badge', {})).status).toBe(303)
    const badge = await reprintBadge(officerBrowser)
    const { previousKid } = await app.services.keys.rotate('test')
    app.clock.advance(10 * MINUTE)
    const admin = await signIn(app, (await givenUser(app, 'admin', null)).username)

    const confirm = await (await admin.get(`/admin/keys/${previousKid}/retire`)).text()
    expect(confirm).toContain('ketik jumlahnya (1)')
    expect(confirm).toContain('name="confirmLive"')

    const withoutCount = await admin.post(`/admin/keys/${previousKid}/retire`, { confirmKid: previousKid! })
    expect(withoutCount.status).toBe(409)
    expect(await withoutCount.text()).toContain('masih menandatangani 1 kredensial aktif')
    const wrongCount = await admin.post(`/admin/keys/${previousKid}/retire`, { confirmKid: previousKid!, confirmLive: '3' })
    expect(wrongCount.status).toBe(409)
    expect((await app.services.keys.list()).find((k) => k.kid === previousKid)?.state).toBe('verify_only')
    expect(await verdictOfToken(app.request, badge)).toBe('valid')

    const forced = await admin.post(`/admin/keys/${previousKid}/retire`, { confirmKid: previousKid!, confirmLive: '1' })
    expect(forced.status).toBe(303)
    expect((await app.services.keys.list()).find((k) => k.kid === previousKid)?.state).toBe('retired')
    expect(await verdictOfToken(app.request, badge)).toBe('forged')
  })

  it('refuses to retire a key whose on-screen QR codes may still be shown, for five minutes after it was rotated out', async () => {
    const app = await appOnDisk()
    await app.services.keys.ensureActiveKey()
    const { previousKid } = await app.services.keys.rotate('test')
    const refused = await app.cli(['key', 'retire', previousKid!, '--force'])
    expect(refused.json).toMatchObject({ code: 'recently_active' })
    app.clock.advance(5 * MINUTE)
    expect((await app.cli(['key', 'retire', previousKid!])).code).toBe(0)
  })
})

describe('exactly one active signing key', () => {
  it('the database refuses a second active key', async () => {
    const app = await appOnDisk()
    await app.services.keys.ensureActiveKey()
    const row = (await app.db.select().from(signingKeys).get())!
    // The driver's error, which drizzle's wrapper carries as its cause.
    await expect(app.db.insert(signingKeys).values({ ...row, kid: 'second-active' }).catch((error: Error) => Promise.reject(error.cause))).rejects.toThrow(/UNIQUE constraint failed|duplicate key value violates unique constraint/)
    expect((await app.services.keys.list()).filter((k) => k.state === 'active')).toHaveLength(1)
  })

  it('rotations from the CLI and the server at the same time leave one active key and keep every rotation', async () => {
    const app = await appOnDisk()
    await app.services.keys.ensureActiveKey()
    const fromCli = Promise.all([1, 2, 3].map(() => runCli(['key', 'rotate', '--json'], app.env)))
    const fromServer = (async () => {
      for (let i = 0; i < 15; i++) {
        await app.services.keys.rotate('server')
        await new Promise((resolve) => setImmediate(resolve))
      }
    })()
    const [cliResults] = await Promise.all([fromCli, fromServer])
    for (const result of cliResults) expect(result.code, result.stderr).toBe(0)
    const keys = await app.services.keys.list()
    expect(keys.filter((k) => k.state === 'active')).toHaveLength(1)
    expect(keys).toHaveLength(1 + 3 + 15)
  }, 60_000)

  it('key compromise on the active key puts exactly one replacement in its place', async () => {
    const app = await appOnDisk()
    await app.services.keys.ensureActiveKey()
    const kid = (await app.services.keys.activeKid())!
    const result = await app.cli(['key', 'compromise', kid])
    expect(result.json).toMatchObject({ kid, state: 'compromised' })
    expect((await app.services.keys.list()).filter((k) => k.state === 'active').map((k) => k.kid)).toEqual([result.json?.replacementKid])
    const again = await app.cli(['key', 'compromise', kid])
    expect(again.json).toMatchObject({ code: 'key_compromised' })
    expect((await app.services.keys.list()).filter((k) => k.state === 'active')).toHaveLength(1)
  })
})

describe('after key compromise', () => {
  it('a printed pass’s short code turns red, the live QR is signed by the new key at its next fetch, and the pass can be reissued', async () => {
    const app = await appOnDisk()
    const officer = await givenOfficer(app.services)
    const browser = await signIn(app, (await givenUser(app, 'officer', officer)).username)
    const issued = await browser.post('/officer/passes', {
      customerId: '532100012345',
      purpose: 'CATAT_METER',
      windowStart: '2026-11-23T09:00',
      windowEnd: '2026-11-23T13:00',
    })
    expect(issued.status).toBe(303)
    const livePath = issued.headers.get('location')!
    const passId = livePath.split('/')[3]!
    const oldKid = (await app.services.keys.activeKid())!
    const liveToken = tokenInQr(await (await browser.get(livePath)).text())
    expect(kidOf(liveToken)).toBe(oldKid)
    const printPage = await (await browser.get(`/officer/passes/${passId}/print`)).text()
    const code = /<strong class="code">([0-9A-Z-]+)<\/strong>/.exec(printPage)![1]!
    expect(verdictOf(await (await app.request(`/c/${code}`)).text())).toBe('valid')

    const compromised = await app.cli(['key', 'compromise', oldKid])
    const newKid = String(compromised.json?.replacementKid)

    const byCode = await (await app.request(`/c/${code}`)).text()
    expect(verdictOf(byCode)).toBe('key_revoked')
    expect(faceOf(byCode)).toBe('red')

    // Same moment on the clock: a cached QR would still look fresh.
    const fragment = await (await browser.get(`/officer/passes/${passId}/qr`)).text()
    const fresh = tokenInQr(fragment)
    expect(kidOf(fresh)).toBe(newKid)
    expect(await verdictOfToken(app.request, fresh)).toBe('valid')
    expect(await verdictOfToken(app.request, liveToken)).toBe('key_revoked')
    expect(fragment).toContain('data-code-withdrawn="true"')

    const reprint = await (await browser.get(`/officer/passes/${passId}/print`)).text()
    expect(reprint).toContain(`action="/officer/passes/${passId}/reissue"`)
    const reissued = await browser.post(`/officer/passes/${passId}/reissue`, {})
    expect(reissued.status).toBe(303)
    const newPrint = await (await browser.get(reissued.headers.get('location')!)).text()
    const newToken = tokenInQr(newPrint)
    expect(kidOf(newToken)).toBe(newKid)
    expect(await verdictOfToken(app.request, newToken)).toBe('valid')
    const newCode = /<strong class="code">([0-9A-Z-]+)<\/strong>/.exec(newPrint)![1]!
    expect(newCode).not.toBe(code)
    expect(verdictOf(await (await app.request(`/c/${newCode}`)).text())).toBe('valid')
    expect(verdictOf(await (await app.request(`/c/${code}`)).text())).toBe('revoked')
  })

  it('an officer whose badge key was compromised gets a new badge signed by the new key, and the old one is revoked', async () => {
    const app = await appOnDisk()
    const officer = await givenOfficer(app.services)
    const browser = await signIn(app, (await givenUser(app, 'officer', officer)).username)
    expect((await browser.post('/officer/badge', {})).status).toBe(303)
    const old = await reprintBadge(browser)
    const compromised = await app.cli(['key', 'compromise', kidOf(old)])
    expect((await browser.get('/officer/badge')).status).toBe(200)
    expect(await (await browser.get('/officer/badge')).text()).not.toContain('class="qr"')
    expect((await browser.post('/officer/badge', {})).status).toBe(303)
    const renewed = await reprintBadge(browser)
    expect(kidOf(renewed)).toBe(compromised.json?.replacementKid)
    expect(await verdictOfToken(app.request, renewed)).toBe('valid')
    expect(await verdictOfToken(app.request, old)).toBe('revoked')
  })
})
