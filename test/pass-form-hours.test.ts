import { describe, expect, it } from 'vitest'
import { credentials } from '../db/schema.ts'
import { createTestApp, fixedClock, givenOfficer } from './helpers.ts'
import { wib } from './support/app-server.ts'
import { givenUser, signIn } from './support/session.ts'

/** The form's own value of each field, exactly as a browser would submit it untouched. */
function formDefaults(html: string): Record<string, string> {
  const form = /<form method="post" action="\/officer\/passes"[\s\S]*?<\/form>/.exec(html)![0]
  const values: Record<string, string> = {}
  for (const [, name, value] of form.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) values[name!] = value!
  for (const [, name, options] of form.matchAll(/<select[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    values[name!] = /<option value="([^"]*)" selected/.exec(options!)?.[1] ?? /<option value="([^"]*)"/.exec(options!)![1]!
  }
  return values
}

describe('the new-pass form at every hour (WIB)', () => {
  it.each([
    ['02:00', '2026-12-02T02:00', '2026-12-02T06:00'],
    ['04:59', '2026-12-02T04:59', '2026-12-02T08:59'],
    ['05:00', '2026-12-02T05:00', '2026-12-02T17:00'],
    ['12:00', '2026-12-02T12:00', '2026-12-02T17:00'],
    ['16:30', '2026-12-02T16:30', '2026-12-02T20:30'],
    ['23:30', '2026-12-02T23:30', '2026-12-03T03:30'],
  ])('at %s its defaults run from now to at most 12 hours later, and submitting them unchanged issues the pass', async (time, start, end) => {
    const app = await createTestApp({ clock: fixedClock(wib('2026-12-02', time)) })
    const officer = await givenOfficer(app.services)
    const browser = await signIn(app, (await givenUser(app, 'officer', officer)).username)

    const form = await browser.get('/officer/passes/new')
    expect(form.status).toBe(200)
    const defaults = formDefaults(await form.text())
    expect(defaults).toMatchObject({ windowStart: start, windowEnd: end, purpose: 'CATAT_METER', ktp: '', workOrder: '' })

    // Only the ID pelanggan has no default: the officer types it.
    const { _csrf, ...fields } = defaults
    expect(_csrf).toBe(browser.csrf)
    const issued = await browser.post('/officer/passes', { ...fields, customerId: '532100012345' })
    expect(issued.status, await issued.clone().text()).toBe(303)
    expect(issued.headers.get('location')).toMatch(/^\/officer\/passes\/[^/]+\/live$/)
    const [pass] = await app.db.select().from(credentials).all()
    expect(pass!.windowStart).toBe(wib('2026-12-02', time))
    expect(pass!.windowEnd - pass!.windowStart).toBeLessThanOrEqual(12 * 3600 * 1000)
  })
})
