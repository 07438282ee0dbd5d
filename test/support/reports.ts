import { randomBytes } from 'node:crypto'
import { reportEvents, reports } from '../../db/schema.ts'
import type { Report } from '../../src/reports/reports.ts'
import type { createTestApp } from '../helpers.ts'

type TestApp = Awaited<ReturnType<typeof createTestApp>>

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
let counter = 0

/** A ticket that looks like a real one and never repeats within a run. */
export function freshTicket(): string {
  counter++
  let n = counter
  let text = ''
  for (let i = 0; i < 8; i++) {
    text = CROCKFORD[n % 32] + text
    n = Math.floor(n / 32)
  }
  return `LPR-${text}`
}

/**
 * A report row written straight into the database, with exactly the facts a test needs (time,
 * claims, wording); the household's path through the API is covered in test/reports.test.ts.
 */
export async function givenReport(app: TestApp, overrides: Partial<Omit<Report, 'id'>> & { claims?: Record<string, string | number> } = {}): Promise<Report> {
  const { claims, ...fields } = overrides
  const at = fields.createdAt ?? app.clock.now()
  const report = await app.db
    .insert(reports)
    .values({
      ticket: freshTicket(),
      trackingKeyHash: randomBytes(16).toString('base64url'),
      foldKey: `u:${randomBytes(8).toString('base64url')}`,
      unverifiedClaims: claims ? JSON.stringify(claims) : null,
      createdAt: at,
      updatedAt: at,
      ...fields,
    })
    .returning()
    .get()
  await app.db.insert(reportEvents).values({ reportId: report.id, kind: 'created', at }).run()
  return report
}

/** A token that has the shape of a visit pass and claims what it likes, but no valid signature. */
export function forgedToken(claims: Record<string, string | number>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'ES256', typ: 'visit-pass+jwt', kid: 'k-forged' })}.${part(claims)}.${randomBytes(64).toString('base64url')}`
}

/** Files a report the way the household's phone does, through the JSON API. */
export async function fileReport(app: TestApp, body: Record<string, string>): Promise<string> {
  const res = await app.request('/api/v1/reports', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  if (res.status !== 201) throw new Error(`POST /api/v1/reports answered ${res.status}: ${await res.text()}`)
  return ((await res.json()) as { ticket: string }).ticket
}

/** Files a report through the JSON API of a running server, as a household's phone would; returns the ticket. */
export async function fileReportOverHttp(baseUrl: string, body: Record<string, string>): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/reports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (res.status !== 201) throw new Error(`POST /api/v1/reports answered ${res.status}: ${await res.text()}`)
  return ((await res.json()) as { ticket: string }).ticket
}
