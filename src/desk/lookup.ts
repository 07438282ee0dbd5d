import { and, asc, eq, gte, isNull, lte } from 'drizzle-orm'
import { credentials } from '../../db/schema.ts'
import { appendAuditRow } from '../audit/audit.ts'
import type { RateLimiter } from '../counters/rate-limiter.ts'
import { sha256 } from '../credentials/secrets.ts'
import { normalizeShortCode } from '../credentials/short-code.ts'
import { VISIT_GRACE_MS } from '../credentials/tokens.ts'
import { customerHasVisitPassword } from '../households/visit-passwords.ts'
import { findOfficer, type Officer } from '../officers/officers.ts'
import { findUnitLineage, type UnitLineage } from '../officers/scope.ts'
import { hashCustomerId } from '../passes/passes.ts'
import type { Report } from '../reports/reports.ts'
import { findReportByTicket, triageTimeline, type TriageTimelineEntry } from '../reports/triage.ts'
import { normalizeTicket } from '../reports/tracking.ts'
import type { Services } from '../services.ts'
import { normalizeCustomerId } from '../verification/customer-check.ts'
import { TOKEN_SHAPE } from '../verification/unverified-claims.ts'
import type { CredentialFacts, OfficerFacts, VerificationResult, Verifier } from '../verification/verify.ts'

/**
 * The 123 desk's one search box (DESIGN §11): what an agent typed, read as a short code or token,
 * a 12-digit ID pelanggan, a ticket or an employee number, and answered as the household's own
 * pages would answer it. Every search is limited per agent and audited: who looked up what.
 */

export const MAX_QUERY_LENGTH = 4096

/** What a typed query is. An 8-character code may also be an employee number: both are tried. */
export type DeskQuery =
  | { kind: 'token'; token: string }
  | { kind: 'code'; code: string; employeeNo: string | null }
  | { kind: 'customer'; customerId: string }
  | { kind: 'report'; ticket: string }
  | { kind: 'officer'; employeeNo: string }

const EMPLOYEE_NO = /^[A-Za-z0-9][A-Za-z0-9.-]{2,23}$/

/** Reads a query; null when it cannot be any of the four kinds (nothing is looked up then). */
export function parseDeskQuery(input: string): DeskQuery | null {
  const typed = input.trim()
  if (typed === '' || typed.length > MAX_QUERY_LENGTH) return null
  const pasted = typed.match(/\/v\/([A-Za-z0-9_.-]+)$/)?.[1] ?? typed.match(/\/c\/([A-Za-z0-9-]+)$/)?.[1]
  const text = pasted ?? typed
  if (TOKEN_SHAPE.test(text)) return { kind: 'token', token: text }
  const ticket = normalizeTicket(text)
  if (ticket) return { kind: 'report', ticket }
  const customerId = normalizeCustomerId(text)
  if (customerId) return { kind: 'customer', customerId }
  const code = normalizeShortCode(text)
  const employeeNo = EMPLOYEE_NO.test(text) ? text.toUpperCase() : null
  if (code) return { kind: 'code', code, employeeNo }
  if (employeeNo) return { kind: 'officer', employeeNo }
  return null
}

/** An active visit pass for a customer: the one the agent can confirm while the caller waits. */
export interface ActiveVisit {
  officer: OfficerFacts
  pass: CredentialFacts
  /** Whether the household has a visit password the officer can say (the word itself is never shown here). */
  hasVisitPassword: boolean
}

export interface OfficerStatus {
  officer: Officer
  unit: UnitLineage | null
}

export type DeskAnswer =
  | { kind: 'credential'; result: VerificationResult }
  | { kind: 'customer'; customerLast4: string; activeVisit: ActiveVisit | null; hasVisitPassword: boolean }
  | { kind: 'report'; report: Report; timeline: TriageTimelineEntry[] }
  | { kind: 'officer'; status: OfficerStatus }
  | { kind: 'none' }

/** Who is searching: a signed-in agent, or the CRM through an API key. */
export interface DeskAgent {
  /** Written in the audit log: the username, or `apikey:<id>`. */
  actor: string
  /** Every search, and searches by ID pelanggan, count against these (fixed windows, src/counters). */
  limits: { lookups: RateLimiter[]; customerLookups: RateLimiter[] } | null
}

export type DeskOutcome = { ok: true; query: DeskQuery | null; answer: DeskAnswer } | { ok: false; retryAfterSeconds: number }

/**
 * Answers one search. A search past the agent's limit is refused before anything is read; every
 * search that was answered is in the audit log with what it named and whether it found anything.
 */
export async function lookUp(services: Services, verifier: Verifier, agent: DeskAgent, input: string): Promise<DeskOutcome> {
  const query = parseDeskQuery(input)
  const retryAfter = await consumeLimits(services, agent, query)
  if (retryAfter) return { ok: false, retryAfterSeconds: retryAfter }
  const answer = query ? await answerQuery(services, verifier, query) : ({ kind: 'none' } as const)
  await recordLookup(services, agent, query, answer)
  return { ok: true, query, answer }
}

async function consumeLimits(services: Services, agent: DeskAgent, query: DeskQuery | null): Promise<number | null> {
  if (!agent.limits) return null
  const now = services.clock.now()
  const limiters = query?.kind === 'customer' ? [...agent.limits.lookups, ...agent.limits.customerLookups] : agent.limits.lookups
  for (const limiter of limiters) {
    const retryAfter = await limiter.consume(agent.actor, now)
    if (retryAfter) return retryAfter
  }
  return null
}

async function answerQuery(services: Services, verifier: Verifier, query: DeskQuery): Promise<DeskAnswer> {
  switch (query.kind) {
    case 'token':
      return { kind: 'credential', result: await verifier.verify({ token: query.token }, { via: 'desk', clientAddress: null }) }
    case 'code': {
      const result = await verifier.verify({ code: query.code }, { via: 'desk', clientAddress: null })
      if (result.credentialId !== null) return { kind: 'credential', result }
      // Not a code we issued: perhaps the employee number printed on an ID card.
      const status = query.employeeNo ? await findOfficerStatus(services, query.employeeNo) : null
      return status ? { kind: 'officer', status } : { kind: 'none' }
    }
    case 'customer':
      return answerCustomer(services, verifier, query.customerId)
    case 'report': {
      const report = await findReportByTicket(services, query.ticket)
      return report ? { kind: 'report', report, timeline: await triageTimeline(services, report) } : { kind: 'none' }
    }
    case 'officer': {
      const status = await findOfficerStatus(services, query.employeeNo)
      return status ? { kind: 'officer', status } : { kind: 'none' }
    }
  }
}

/** Employee numbers are kept as typed at registration; the desk finds them whatever the case. */
async function findOfficerStatus(services: Services, employeeNo: string): Promise<OfficerStatus | null> {
  const officer = (await findOfficer(services.db, employeeNo)) ?? (await findOfficer(services.db, employeeNo.toLowerCase()))
  return officer ? { officer, unit: await findUnitLineage(services.db, officer.unitCode) } : null
}

/**
 * "Is a genuine officer sent to this customer now?": the customer's visit passes whose window is
 * open (with the usual grace), each judged by the verifier exactly as the household's page would
 * judge it (officer suspended, pass revoked, key compromised: not active). Yes or no, never a
 * list, and never anything about another customer.
 */
async function answerCustomer(services: Services, verifier: Verifier, customerId: string): Promise<DeskAnswer> {
  const now = services.clock.now()
  const candidates = await services.db
    .select({ shortCode: credentials.shortCode })
    .from(credentials)
    .where(
      and(
        eq(credentials.customerHash, hashCustomerId(services, customerId)),
        eq(credentials.kind, 'visit_pass'),
        isNull(credentials.revokedAt),
        lte(credentials.windowStart, now + VISIT_GRACE_MS),
        gte(credentials.windowEnd, now - VISIT_GRACE_MS),
      ),
    )
    .orderBy(asc(credentials.windowStart))
    .limit(10)
  const hasVisitPassword = await customerHasVisitPassword(services, customerId)
  for (const candidate of candidates) {
    const result = await verifier.verify({ code: candidate.shortCode }, { via: 'desk', clientAddress: null })
    if (result.verdict === 'valid' && result.officer && result.credential) {
      return { kind: 'customer', customerLast4: customerId.slice(-4), activeVisit: { officer: result.officer, pass: result.credential, hasVisitPassword }, hasVisitPassword }
    }
  }
  return { kind: 'customer', customerLast4: customerId.slice(-4), activeVisit: null, hasVisitPassword }
}

/** One audit row per search: its subject is what was looked up, so "who looked at this report" is a subject search. */
async function recordLookup(services: Services, agent: DeskAgent, query: DeskQuery | null, found: DeskAnswer): Promise<void> {
  const { subject, details } = describeLookup(services, query, found)
  await services.db.transaction(async (tx) => {
    await appendAuditRow(tx, services.clock.now(), { actor: agent.actor, action: 'desk.lookup', subject, details: { ...details, answer: found.kind, found: isFound(found) } })
  })
}

function isFound(answer: DeskAnswer): boolean {
  if (answer.kind === 'none') return false
  if (answer.kind === 'customer') return answer.activeVisit !== null
  if (answer.kind === 'credential') return answer.result.credentialId !== null
  return true
}

/** What the audit keeps of a query: never a token or a full ID pelanggan (their keyed hash and last 4 digits instead). */
function describeLookup(services: Services, query: DeskQuery | null, found: DeskAnswer): { subject: string; details: Record<string, string> } {
  const credentialId = found.kind === 'credential' ? found.result.credentialId : null
  switch (query?.kind) {
    case undefined:
      return { subject: 'lookup:unreadable', details: { query: 'unreadable' } }
    case 'token':
      return { subject: credentialId ? `credential:${credentialId}` : `token:${sha256(query.token)}`, details: { query: 'token' } }
    case 'code':
      return { subject: credentialId ? `credential:${credentialId}` : `code:${query.code}`, details: { query: 'code', code: query.code } }
    case 'customer':
      return { subject: `customer:${hashCustomerId(services, query.customerId)}`, details: { query: 'customer', customerLast4: query.customerId.slice(-4) } }
    case 'report':
      return { subject: `report:${query.ticket}`, details: { query: 'ticket' } }
    case 'officer':
      return { subject: `officer:${query.employeeNo}`, details: { query: 'employee_no' } }
  }
}
