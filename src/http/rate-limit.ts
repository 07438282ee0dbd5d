import type { CounterStore } from '../counters/store.ts'
import { RateLimiter } from '../counters/rate-limiter.ts'

/**
 * The limits of the app. A request that presents a genuine credential (an existing short code,
 * the right tracking key of a ticket, a valid pass) is never refused because of failures counted
 * for its address or because others used the same code: only failures (unknown codes, wrong
 * keys, customer IDs that did not match) are limited, per address and per target. Besides them,
 * one flood limit per address bounds the work anyone can ask for.
 */
export interface RateLimits {
  enabled: boolean
  /** Every household request, per client address: a flood bound, not a judgement of the request. */
  householdPerClient: RateLimiter
  /** Unknown or malformed short codes, per client address. */
  badCodesPerClient: RateLimiter
  /** "Is this officer sent to my ID pelanggan?" answered no, per client and credential (strict) and per credential (from anywhere). */
  customerMismatchesPerClientAndCredential: RateLimiter
  customerMismatchesPerCredential: RateLimiter
  /** Scam reports filed: per client address (generous: carrier NAT), per client and reported token or code (strict), per reported token or code from anywhere. */
  reportsPerClient: RateLimiter
  reportsPerClientAndTarget: RateLimiter
  reportsPerTarget: RateLimiter
  /** Detail updates of one ticket, by the holder of its key. */
  reportUpdatesPerTicket: RateLimiter
  /** Tracking keys that did not match, per client address and per ticket. */
  badTrackingKeysPerClient: RateLimiter
  badTrackingKeysPerTicket: RateLimiter
  /** Door checks started, per client address (DESIGN §10.2; generous: carrier NAT). */
  doorChecksPerClient: RateLimiter
  /** Door codes that named no waiting check, per signed-in officer (10 per 10 minutes) and from all officers together. */
  wrongDoorCodesPerOfficer: RateLimiter
  wrongDoorCodesOverall: RateLimiter
  /**
   * 123 desk lookups (DESIGN §11), per agent (a signed-in CSO, or an API key): every search, and
   * tighter, searches by ID pelanggan, so a stolen agent account cannot walk the customer base.
   */
  deskLookupsPerAgent: RateLimiter
  deskCustomerLookupsPerAgent: RateLimiter
  deskCustomerLookupsPerAgentDaily: RateLimiter
  /** The CRM's keys serve a whole contact centre: higher limits per key. */
  deskLookupsPerApiKey: RateLimiter
  deskCustomerLookupsPerApiKey: RateLimiter
  /**
   * Not a limit: the one-time nonce of the desk's report-by-phone form (limit 1), so a reload of
   * the page that shows the ticket never files the report again. Used whether or not limits are enabled.
   */
  deskReportForms: RateLimiter
}

export function createRateLimits(enabled: boolean, counters: CounterStore): RateLimits {
  const minute = 60_000
  const limiter = (name: string, limit: number, windowMs: number) => new RateLimiter(name, limit, windowMs, counters)
  return {
    enabled,
    householdPerClient: limiter('householdPerClient', 600, minute),
    badCodesPerClient: limiter('badCodesPerClient', 30, 10 * minute),
    customerMismatchesPerClientAndCredential: limiter('customerMismatchesPerClientAndCredential', 20, 10 * minute),
    customerMismatchesPerCredential: limiter('customerMismatchesPerCredential', 200, 10 * minute),
    reportsPerClient: limiter('reportsPerClient', 200, 10 * minute),
    reportsPerClientAndTarget: limiter('reportsPerClientAndTarget', 10, 10 * minute),
    reportsPerTarget: limiter('reportsPerTarget', 100, 10 * minute),
    reportUpdatesPerTicket: limiter('reportUpdatesPerTicket', 20, 10 * minute),
    badTrackingKeysPerClient: limiter('badTrackingKeysPerClient', 30, 10 * minute),
    badTrackingKeysPerTicket: limiter('badTrackingKeysPerTicket', 10, 10 * minute),
    doorChecksPerClient: limiter('doorChecksPerClient', 60, 10 * minute),
    wrongDoorCodesPerOfficer: limiter('wrongDoorCodesPerOfficer', 10, 10 * minute),
    // With a thousand checks waiting among 10^6 codes, 300 guesses per 10 minutes hit about once in half
    // an hour nationwide, and a hit only shows a genuine, named officer (amber) to a household he is not at.
    wrongDoorCodesOverall: limiter('wrongDoorCodesOverall', 300, 10 * minute),
    // An agent takes a call every few minutes and searches once or twice in it: 120 searches an
    // hour is three times a busy hour; 40 customers an hour and 200 a day keeps a stolen account
    // to a few hundred of millions of customers a day, and every one of them is in the audit log.
    deskLookupsPerAgent: limiter('deskLookupsPerAgent', 120, 60 * minute),
    deskCustomerLookupsPerAgent: limiter('deskCustomerLookupsPerAgent', 40, 60 * minute),
    deskCustomerLookupsPerAgentDaily: limiter('deskCustomerLookupsPerAgentDaily', 200, 24 * 60 * minute),
    deskLookupsPerApiKey: limiter('deskLookupsPerApiKey', 3000, 60 * minute),
    deskCustomerLookupsPerApiKey: limiter('deskCustomerLookupsPerApiKey', 1000, 60 * minute),
    deskReportForms: limiter('deskReportForms', 1, 24 * 60 * minute),
  }
}
