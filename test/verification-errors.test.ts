import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp } from '../src/app.tsx'
import { SqliteCounters } from '../src/counters/store.ts'
import { messagesFor } from '../src/i18n/index.ts'
import { createTestApp, faceOf, fixedClock, givenPass, givenUnitTree, PUBLIC_URL, testConfig, verdictOf } from './helpers.ts'
import { dropTable, openTestDatabase } from './support/test-database.ts'

const id = messagesFor('id')
const en = messagesFor('en')

afterEach(() => {
  vi.restoreAllMocks()
})

/** console.error, observed: the one place a server fault is reported to operators. */
function watchErrorLog() {
  return vi.spyOn(console, 'error').mockImplementation(() => {})
}

/** The errors logged with their stack (an Error object, not just its message). */
function loggedStacks(spy: ReturnType<typeof watchErrorLog>): string[] {
  return spy.mock.calls.flatMap((args) => args.filter((arg): arg is Error => arg instanceof Error).map((error) => error.stack ?? ''))
}

function expectUnavailablePage(status: number, html: string, t = id) {
  expect(status).toBe(503)
  expect(verdictOf(html)).toBe('unavailable')
  expect(faceOf(html)).not.toBe('green')
  expect(html).toContain(t.verdict.unavailableTitle)
  expect(html).not.toContain(t.verdict.reasons.forged)
}

describe('when verification itself fails', () => {
  it('a closed database gives "the check is unavailable" (503) on the page and in the API, logged with its stack, never forged', async () => {
    const { services, request, db } = await createTestApp()
    const pass = await givenPass(services)
    const log = watchErrorLog()
    await db.close()

    const page = await request(`/v/${pass.token}`)
    expectUnavailablePage(page.status, await page.text())
    const english = await request(`/v/${pass.token}?lang=en`)
    expectUnavailablePage(english.status, await english.text(), en)

    const api = await request(`/api/v1/verify/${pass.token}`)
    expect(api.status).toBe(503)
    const body = (await api.json()) as { verdict?: string; error: string }
    expect(body.verdict).toBeUndefined()
    expect(body.error).toBe('unavailable')

    const stacks = loggedStacks(log)
    expect(stacks.length).toBeGreaterThanOrEqual(3)
    // SQLite's closed connection, or PostgreSQL's pool after end().
    expect(stacks[0]).toMatch(/(database connection is not open|after calling end on the pool)[\s\S]*\n\s+at /)
  })

  it('a missing signing-key table makes a typed short code unavailable too, not green', async () => {
    const { services, request, db } = await createTestApp()
    const pass = await givenPass(services)
    const log = watchErrorLog()
    await dropTable(db, 'signing_keys')

    const byCode = await request(`/c/${pass.code}`)
    expectUnavailablePage(byCode.status, await byCode.text())
    const byToken = await request(`/v/${pass.token}`)
    expectUnavailablePage(byToken.status, await byToken.text())
    expect(loggedStacks(log).join('\n')).toMatch(/(no such table: signing_keys|relation "signing_keys" does not exist)[\s\S]*\n\s+at /)
  })

  it('a failing counter store (the recent-places count) gives 503 unavailable, not a 500 and not a verdict', async () => {
    const clock = fixedClock()
    const counters = new SqliteCounters(':memory:')
    const { app, services } = createApp({ db: await openTestDatabase(), config: testConfig({ rateLimit: false }), clock, counters })
    await givenUnitTree(services)
    const pass = await givenPass(services)
    const log = watchErrorLog()
    counters.close()

    // A household's phone, so the check counts the place it came from.
    const fromPhone = (path: string) => app.request(`${PUBLIC_URL}${path}`, {}, { incoming: { socket: { remoteAddress: '203.0.113.9', remotePort: 40000, remoteFamily: 'IPv4' } } })
    const page = await fromPhone(`/v/${pass.token}`)
    expectUnavailablePage(page.status, await page.text())
    const api = await fromPhone(`/api/v1/verify/${pass.token}`)
    expect(api.status).toBe(503)
    expect(loggedStacks(log).join('\n')).toMatch(/not open[\s\S]*\n\s+at /)
  })

  it('still gives verdicts, not "unavailable", for tokens that are merely bad', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    const [header, payload, signature] = pass.token.split('.') as [string, string, string]
    const tampered = `${header}.${payload}.${signature.slice(0, -4)}AAAA`
    const res = await request(`/v/${tampered}`)
    expect(res.status).toBe(200)
    expect(verdictOf(await res.text())).toBe('forged')
    expect(verdictOf(await (await request('/v/not-a-token')).text())).toBe('malformed')
  })
})
