import { jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose'
import type { credentials } from '../../db/schema.ts'
import { UnchangedDatabaseCache, type CurrentLookups } from '../../db/unchanged-cache.ts'
import { PlaceTracker, ScanRecorder } from './scans.ts'
import { keyedHash, sha256 } from '../credentials/secrets.ts'
import { normalizeShortCode } from '../credentials/short-code.ts'
import { CLOCK_TOLERANCE_S, MAX_TOKEN_LIFETIME, TOKEN_TYPE, VISIT_GRACE_MS, type CredentialKind, type StatusListReference } from '../credentials/tokens.ts'
import type { KeyState } from '../credentials/keys.ts'
import type { CounterStore } from '../counters/store.ts'
import type { KtpPolicy, PurposeCode } from '../passes/purposes.ts'
import { credentialStatusReference } from '../passes/status-lists.ts'
import type { Services } from '../services.ts'
import { RejectedToken, verdictForRejection } from './rejection-verdicts.ts'
import { prepareStateQueries, type StateQueries, type StateRow } from './state-queries.ts'
import { hasCanonicalPayload, MAX_TOKEN_LENGTH, TOKEN_SHAPE } from './unverified-claims.ts'

export const VERDICTS = [
  'valid',
  'expired',
  'not_yet_valid',
  'revoked',
  'officer_suspended',
  'key_revoked',
  'forged',
  'wrong_type',
  'malformed',
] as const
export type Verdict = (typeof VERDICTS)[number]

/** Why a valid credential still deserves a second look (the amber face). */
export type Warning = 'outside_window' | 'many_places'

/** Facts about the officer, always read from our database, never from the token. */
export interface OfficerFacts {
  employeeNo: string
  name: string
  roleTitle: string
  employer: string
  photoId: string | null
  unit: { code: string; name: string; chain: string[]; timeZone: string; areaCode?: string | null } | null
}

export interface CredentialFacts {
  id: string
  kind: CredentialKind
  shortCode: string
  purpose: PurposeCode | null
  ktpPolicy: KtpPolicy | null
  customerLast4: string | null
  workOrder: string | null
  windowStart: number
  windowEnd: number
}

export interface VerificationResult {
  verdict: Verdict
  kind: CredentialKind | null
  /** Present only for a valid credential. */
  officer: OfficerFacts | null
  credential: CredentialFacts | null
  warnings: Warning[]
  /** The pass or badge the token or code names, when the check got that far (kept with the scan). */
  credentialId: string | null
}

export type CredentialInput = { token: string } | { code: string }

export interface ScanContext {
  via: 'page' | 'code' | 'api' | 'desk'
  /** The client's address, hashed before it is stored. */
  clientAddress: string | null
}

/** The database could not answer: the page must say so, and never show green. */
export class VerificationUnavailableError extends Error {}

const KID_SHAPE = /^[A-Za-z0-9_-]{1,64}$/
/** A visit pass checked from this many different networks within the hour looks like a circulating screenshot. */
const MANY_PLACES_THRESHOLD = 5
const MANY_PLACES_PERIOD_MS = 3600 * 1000


/**
 * Turns a token or a short code into a verdict (DESIGN §4), in this order: shape, signature and
 * claims, sanity, state; then records the scan and weighs how many places checked the pass.
 * Throws only VerificationUnavailableError: any other failure, ours rather than the token's,
 * becomes one.
 */
export class Verifier {
  readonly #stateQueries: StateQueries
  /** Answers of the key and credential lookups, kept only while the database is unchanged. */
  readonly #unchanged: UnchangedDatabaseCache
  readonly #scans: ScanRecorder
  readonly #places: PlaceTracker

  constructor(
    private readonly services: Services,
    counters: CounterStore,
  ) {
    this.#places = new PlaceTracker(MANY_PLACES_PERIOD_MS, counters)
    this.#stateQueries = prepareStateQueries(services)
    this.#unchanged = new UnchangedDatabaseCache(services.db)
    this.#scans = new ScanRecorder(services.db)
  }

  async verify(input: CredentialInput, context: ScanContext): Promise<VerificationResult> {
    try {
      const now = this.services.clock.now()
      const checked = 'token' in input ? await this.#verifyToken(input.token, now) : await this.#verifyCode(input.code, now)
      const clientHash = context.clientAddress ? keyedHash(this.services.secrets.clientHashKey, networkOf(context.clientAddress)) : null
      this.#recordScan(input, checked, context.via, clientHash, now)
      return await this.#judgePlaces(checked, clientHash, now)
    } catch (error) {
      // A fault of ours (a bug, a failing database or counter store) proves nothing about the
      // visitor: the household hears that the check is unavailable, never a verdict.
      if (error instanceof VerificationUnavailableError) throw error
      throw new VerificationUnavailableError('Verification failed unexpectedly', { cause: error })
    }
  }

  async #verifyToken(token: string, now: number): Promise<VerificationResult> {
    // 1. Shape before crypto.
    if (token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) return rejected('malformed')
    // Key and credential state come from one look at the database (see UnchangedDatabaseCache).
    const lookups = this.#currentLookups()

    // 2. Signature and claims, against our own non-retired keys only.
    let payload: JWTPayload
    let header: JWTHeaderParameters
    const signingKey: { state: KeyState | null } = { state: null }
    try {
      const verified = await jwtVerify(
        token,
        async (protectedHeader) => {
          const kid = protectedHeader.kid
          if (typeof kid !== 'string' || !KID_SHAPE.test(kid)) throw new RejectedToken('forged')
          const found = await this.#verificationKey(kid, lookups)
          if (!found) throw new RejectedToken('forged')
          signingKey.state = found.state
          return found.key
        },
        {
          algorithms: ['ES256'],
          issuer: this.services.audience.issuer,
          audience: this.services.audience.audience,
          requiredClaims: ['exp', 'iat', 'nbf', 'jti', 'sub'],
          clockTolerance: CLOCK_TOLERANCE_S,
          currentDate: new Date(now),
        },
      )
      payload = verified.payload
      header = verified.protectedHeader
    } catch (error) {
      const verdict = verdictForRejection(error)
      if (verdict === null) throw error
      return rejected(verdict)
    }
    const kind = kindOfType(header.typ)
    if (!kind) return rejected('wrong_type')

    // 3. Sanity: a lifetime our issuer would never sign, or a payload that is not what it signed.
    // jose checks that the registered claims are present, not that each has the right type.
    const { iat, exp, jti, sub } = payload
    if (typeof iat !== 'number' || typeof exp !== 'number' || typeof jti !== 'string' || typeof sub !== 'string') return rejected('malformed')
    if (exp - iat > MAX_TOKEN_LIFETIME[kind] || iat * 1000 > now + CLOCK_TOLERANCE_S * 1000 || !hasCanonicalPayload(token)) {
      return rejected('malformed')
    }

    // 4. State as the database stood when this check began, with every change committed before it.
    const row = await this.#readState(() => lookups.get(`credential ${jti}`, () => this.#stateQueries.byId.get({ id: jti })))
    if (!row) return rejected('revoked')
    const facts = credentialFacts(row.credential)
    if (row.credential.kind !== kind) return rejected('wrong_type', row.credential.id)
    if (row.officer.employeeNo !== sub || !claimsMatch(payload, facts) || !statusMatches(payload, credentialStatusReference(this.services, row.credential))) {
      return rejected('forged', row.credential.id)
    }
    if (row.credential.revokedAt !== null) return rejected('revoked', row.credential.id)
    if (row.officer.status !== 'active') return rejected('officer_suspended', row.credential.id)
    if (signingKey.state === 'compromised') return rejected('key_revoked', row.credential.id)
    return this.#judgeWindow(row, facts, now)
  }

  async #verifyCode(input: string, now: number): Promise<VerificationResult> {
    const code = normalizeShortCode(input)
    if (!code) return rejected('malformed')
    const lookups = this.#currentLookups()
    const row = await this.#readState(() => lookups.get(`short code ${code}`, () => this.#stateQueries.byCode.get({ code })))
    // An unknown code proves nothing about anyone: it is as good as forged.
    if (!row) return rejected('forged')
    const facts = credentialFacts(row.credential)
    if (row.credential.revokedAt !== null) return rejected('revoked', row.credential.id)
    if (row.officer.status !== 'active') return rejected('officer_suspended', row.credential.id)
    // The code stands for the printed pass, so it is only as good as the key that signed that.
    const keyState = await this.#readState(() => this.services.keys.keyState(row.credential.kid, lookups))
    if (keyState !== 'active' && keyState !== 'verify_only') return rejected('key_revoked', row.credential.id)
    return this.#judgeWindow(row, facts, now)
  }

  #judgeWindow(row: StateRow, facts: CredentialFacts, now: number): VerificationResult {
    const grace = facts.kind === 'visit_pass' ? VISIT_GRACE_MS : 0
    if (now < facts.windowStart - grace) return rejected('not_yet_valid', facts.id)
    if (now > facts.windowEnd + grace) return rejected('expired', facts.id)
    const warnings: Warning[] = []
    if (now < facts.windowStart || now > facts.windowEnd) warnings.push('outside_window')
    return { verdict: 'valid', kind: facts.kind, officer: officerFacts(row), credential: facts, warnings, credentialId: facts.id }
  }

  async #verificationKey(kid: string, lookups: CurrentLookups) {
    try {
      return await this.services.keys.verificationKey(kid, lookups)
    } catch (error) {
      throw new VerificationUnavailableError('Signing keys could not be read', { cause: error })
    }
  }

  /** Lookups as of now (see UnchangedDatabaseCache); reading the change counters is synchronous. */
  #currentLookups(): CurrentLookups {
    try {
      return this.#unchanged.current()
    } catch (error) {
      throw new VerificationUnavailableError('Credential state could not be read', { cause: error })
    }
  }

  async #readState<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read()
    } catch (error) {
      throw new VerificationUnavailableError('Credential state could not be read', { cause: error })
    }
  }

  /** A valid visit pass checked from many networks within the hour may be a circulating screenshot: amber, never red. */
  async #judgePlaces(result: VerificationResult, clientHash: string | null, now: number): Promise<VerificationResult> {
    if (result.verdict !== 'valid' || result.kind !== 'visit_pass' || !result.credentialId || !clientHash) return result
    const places = await this.#places.note(result.credentialId, clientHash, now)
    return places >= MANY_PLACES_THRESHOLD ? { ...result, warnings: [...result.warnings, 'many_places'] } : result
  }

  #recordScan(input: CredentialInput, result: VerificationResult, via: ScanContext['via'], clientHash: string | null, now: number): void {
    const tokenHash = sha256('token' in input ? input.token.slice(0, MAX_TOKEN_LENGTH + 1) : `code:${input.code.slice(0, 64)}`)
    this.#scans.record({ tokenHash, credentialId: result.credentialId, verdict: result.verdict, via, clientHash, scannedAt: now })
  }

  /** Writes queued scan records now (tests, shutdown). */
  flushScans(): Promise<void> {
    return this.#scans.flush()
  }
}


function rejected(verdict: Verdict, credentialId: string | null = null): VerificationResult {
  return { verdict, kind: null, officer: null, credential: null, warnings: [], credentialId }
}


function kindOfType(typ: string | undefined): CredentialKind | null {
  if (typ === TOKEN_TYPE.visit_pass) return 'visit_pass'
  if (typ === TOKEN_TYPE.badge) return 'badge'
  return null
}


function claimsMatch(payload: JWTPayload, facts: CredentialFacts): boolean {
  if (facts.kind === 'badge') return payload.pur === undefined
  return payload.pur === facts.purpose && payload.ktp === facts.ktpPolicy && payload.cst === facts.customerLast4 && (payload.wo ?? null) === facts.workOrder
}

/**
 * The `status` claim, when a token has one, names the credential's own status list entry: an
 * offline verifier reads that entry, so it must be the one the database keeps for this credential.
 * Tokens of credentials from before status lists have none.
 */
function statusMatches(payload: JWTPayload, entry: StatusListReference | null): boolean {
  if (payload.status === undefined) return true
  return entry !== null && JSON.stringify(payload.status) === JSON.stringify({ status_list: { idx: entry.idx, uri: entry.uri } })
}

function credentialFacts(row: Omit<typeof credentials.$inferSelect, 'printedTokenSealed'>): CredentialFacts {
  return {
    id: row.id,
    kind: row.kind,
    shortCode: row.shortCode,
    purpose: row.purpose as PurposeCode | null,
    ktpPolicy: row.ktpPolicy,
    customerLast4: row.customerLast4,
    workOrder: row.workOrder,
    windowStart: row.windowStart,
    windowEnd: row.windowEnd,
  }
}

function officerFacts(row: StateRow): OfficerFacts {
  const { officer } = row
  return {
    employeeNo: officer.employeeNo,
    name: officer.name,
    roleTitle: officer.roleTitle,
    employer: officer.employer,
    photoId: officer.photoId,
    unit: row.unit,
  }
}

/** Households behind one carrier NAT share an address; /24 (IPv4) or /48 (IPv6) approximates "a place". */
export function networkOf(address: string): string {
  const v4 = address.replace(/^::ffff:/, '')
  if (/^\d+\.\d+\.\d+\.\d+$/.test(v4)) return v4.split('.').slice(0, 3).join('.')
  return address.split(':').slice(0, 3).join(':')
}
