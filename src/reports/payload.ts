import type { Queries } from '../../db/client.ts'
import { findOfficer } from '../officers/officers.ts'
import { listReportCategories } from './categories.ts'
import { reportDetailsShown } from './details-shown.ts'
import { findRelatedReports } from './related.ts'
import { genuineOfficerOf } from './routing.ts'
import type { Report } from './reports.ts'
import { parseUnverifiedClaims } from './subject.ts'

export const REPORT_CREATED = 'report.created'
export const REPORT_UPDATED = 'report.updated'

/**
 * The JSON body sent to the 123 channel (docs/channel-123.md describes it). Built inside the
 * transaction that enqueues it, through that transaction's `tx`.
 *
 * `categories` (every answer to "Apa yang terjadi?", in catalog order) was added beside
 * `category` (the first of them, as before) without changing it: receivers that read only
 * `category` keep working.
 */
export async function reportPayload(tx: Queries, report: Report, type: string) {
  const officer = report.officerEmployeeNo ? await findOfficer(tx, report.officerEmployeeNo) : null
  const related = await findRelatedReports(tx, report)
  const named = report.officerEmployeeNo ? null : await genuineOfficerOf(tx, report)
  const categories = await listReportCategories(tx, report)
  // Restricted or erased details go out as null (with `detailsState` saying why): a receiver
  // that keeps the highest revision drops them without knowing the new fields.
  const details = reportDetailsShown(report)
  return {
    type,
    timestamp: new Date(report.updatedAt).toISOString(),
    data: {
      ticket: report.ticket,
      revision: report.revision,
      status: report.status,
      reportedAt: new Date(report.createdAt).toISOString(),
      // Added in step 10: 'web', 'api', or 'phone' with the 123 agent who filed it for the caller.
      channel: report.channel,
      filedBy: report.filedBy,
      verdict: report.verdict,
      subject: report.subjectKind ? { kind: report.subjectKind, sha256: report.subjectHash, shortCode: report.shortCode } : null,
      officer: report.officerEmployeeNo
        ? { verified: true, employeeNo: report.officerEmployeeNo, name: officer?.name ?? null, credentialId: report.credentialId }
        : null,
      // Added beside `officer` (valid passes only, unchanged): the genuine officer of a pass that
      // was not valid (suspended, revoked, expired …), and the unit whose supervisors triage it.
      namedOfficer: named?.officer
        ? { verified: false, employeeNo: named.officer.employeeNo, name: named.officer.name, unit: named.officer.unitCode, status: named.officer.status }
        : null,
      routedUnit: report.routedUnitCode,
      unverifiedClaims: parseUnverifiedClaims(report),
      related,
      category: report.category,
      categories,
      note: details.note,
      phone: details.phone,
      location:
        details.location || details.latitude !== null
          ? { kelurahan: details.location, latitude: details.latitude, longitude: details.longitude }
          : null,
      // Added for the reporter's rights (UU PDP): 'given', 'restricted' or 'erased', and since when.
      detailsState: details.state,
      restrictedAt: report.restrictedAt === null ? null : new Date(report.restrictedAt).toISOString(),
      detailsErasedAt: report.detailsErasedAt === null ? null : new Date(report.detailsErasedAt).toISOString(),
    },
  }
}
