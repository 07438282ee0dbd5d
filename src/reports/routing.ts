import type { Queries } from '../../db/client.ts'
import { unitOfPlace } from '../officers/areas.ts'
import { findOfficer, type Officer } from '../officers/officers.ts'
import { findCredentialOwner } from '../passes/credential-records.ts'
import type { Report } from './reports.ts'
import { parseUnverifiedClaims } from './subject.ts'

/** What routing and naming read of a report: the stored facts, before or after it is written. */
export type RoutedFacts = Pick<Report, 'verdict' | 'officerEmployeeNo' | 'shortCode' | 'unverifiedClaims' | 'location'>

/**
 * Verdicts reached only after the token's signature (or the typed code) was found genuine: the
 * pass is ours, only no longer good. 'forged', 'malformed' and 'unavailable' prove nothing about
 * anyone, so they name no one.
 */
const GENUINE_BUT_NOT_VALID = new Set(['expired', 'not_yet_valid', 'revoked', 'officer_suspended', 'key_revoked', 'wrong_type'])

/** Whether a verdict says the pass was ours but not valid (its officer is real, if not allowed). */
export function isGenuineButNotValid(verdict: string | null): boolean {
  return verdict !== null && GENUINE_BUT_NOT_VALID.has(verdict)
}

/**
 * Who a report is about, as the console names them:
 * - `verified`: the officer of a pass that was valid when reported;
 * - `genuine`: the officer of a real pass that was not valid (suspended, revoked, expired …);
 * - `claimed`: an employee number the token claims without proof, with the officer who has
 *   that number when there is one (a forger borrowing a real name);
 * null when the report names no one.
 */
export type ReportedOfficer =
  | { kind: 'verified' | 'genuine'; employeeNo: string; officer: Officer | null }
  | { kind: 'claimed'; employeeNo: string; officer: Officer | null }

/** The genuine officer of the report's pass (valid or not), read from our database; null when none. */
export async function genuineOfficerOf(db: Queries, report: RoutedFacts): Promise<Extract<ReportedOfficer, { kind: 'verified' | 'genuine' }> | null> {
  if (report.officerEmployeeNo) return { kind: 'verified', employeeNo: report.officerEmployeeNo, officer: await findOfficer(db, report.officerEmployeeNo) }
  if (!isGenuineButNotValid(report.verdict)) return null
  if (report.shortCode) {
    const owner = await findCredentialOwner(db, { shortCode: report.shortCode })
    return owner ? { kind: 'genuine', employeeNo: owner.officer.employeeNo, officer: owner.officer } : null
  }
  const claims = parseUnverifiedClaims(report)
  if (typeof claims?.jti !== 'string' || claims.sub === undefined) return null
  // The claims were signed by our key (the verdict says so), yet a pass id is only trusted
  // together with the employee number it was issued to.
  const owner = await findCredentialOwner(db, { id: claims.jti.slice(0, 64) })
  return owner && owner.officer.employeeNo === String(claims.sub) ? { kind: 'genuine', employeeNo: owner.officer.employeeNo, officer: owner.officer } : null
}

/** The officer the report is about (genuine or only claimed), for the console; null when it names no one. */
export async function reportedOfficerOf(db: Queries, report: RoutedFacts): Promise<ReportedOfficer | null> {
  const genuine = await genuineOfficerOf(db, report)
  if (genuine) return genuine
  const claimed = parseUnverifiedClaims(report)?.sub
  if (claimed === undefined || String(claimed).trim() === '') return null
  const employeeNo = String(claimed).trim().slice(0, 64)
  return { kind: 'claimed', employeeNo, officer: await findOfficer(db, employeeNo) }
}

/**
 * The unit whose supervisors triage a report (reports.routedUnitCode): the genuine officer's
 * unit; else the unit serving the place the household typed (the area table); else the unit
 * the token claimed (`unt`); null when none is known. Works inside the report's transaction.
 */
export async function routedUnitOf(db: Queries, report: RoutedFacts): Promise<string | null> {
  const genuine = await genuineOfficerOf(db, report)
  if (genuine?.officer?.unitCode) return genuine.officer.unitCode
  const byPlace = await unitOfPlace(db, report.location)
  if (byPlace) return byPlace
  const claimedUnit = parseUnverifiedClaims(report)?.unt
  return typeof claimedUnit === 'string' && claimedUnit.trim() !== '' ? claimedUnit.trim().slice(0, 32) : null
}
