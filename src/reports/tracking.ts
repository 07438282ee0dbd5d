import { randomBytes, timingSafeEqual } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { reports } from '../../db/schema.ts'
import type { Config } from '../config.ts'
import { sha256 } from '../credentials/secrets.ts'
import { generateShortCode } from '../credentials/short-code.ts'
import type { Services } from '../services.ts'
import type { Report } from './reports.ts'

/** A ticket names a report; its tracking key, shown only to the reporter, opens it. */
const TICKET = /^LPR-[0-9A-HJKMNP-TV-Z]{8}$/
/** Compared against when a ticket is unknown, so a miss takes as long as a wrong key. */
const ABSENT_KEY_HASH = sha256('no such report')

/** 40 random bits; a collision is drawn again by the caller. */
export function newTicket(): string {
  return `LPR-${generateShortCode()}`
}

/** A fresh tracking key, and the hash that is all the database keeps of it. */
export function newTrackingKey(): { key: string; hash: string } {
  const key = randomBytes(16).toString('base64url')
  return { key, hash: sha256(key) }
}

/** The report, only for the holder of its tracking key; null for an unknown ticket or a wrong key alike. */
export async function findReportForReporter(services: Services, ticket: string, trackingKey: string | null | undefined): Promise<Report | null> {
  const normalized = normalizeTicket(ticket)
  const [found] = normalized ? await services.db.select().from(reports).where(eq(reports.ticket, normalized)).limit(1) : []
  const report = found ?? null
  const expected = Buffer.from(report?.trackingKeyHash ?? ABSENT_KEY_HASH, 'base64url')
  const given = Buffer.from(sha256((trackingKey ?? '').slice(0, 128)), 'base64url')
  const matches = timingSafeEqual(expected, given)
  return report && matches ? report : null
}

export function normalizeTicket(input: string): string | null {
  const ticket = input.trim().toUpperCase()
  return TICKET.test(ticket) ? ticket : null
}

export function trackingPath(ticket: string, trackingKey: string): string {
  return `/r/${ticket}?k=${encodeURIComponent(trackingKey)}`
}

export function trackingUrl(config: Pick<Config, 'publicUrl'>, ticket: string, trackingKey: string): string {
  return `${config.publicUrl}${trackingPath(ticket, trackingKey)}`
}
