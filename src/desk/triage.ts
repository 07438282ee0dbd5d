import { DomainError } from '../errors.ts'
import type { Report, ReportStatus } from '../reports/reports.ts'
import { addReportNote, changeReportStatus, STATUS_TRANSITIONS } from '../reports/triage.ts'
import type { Services } from '../services.ts'

/**
 * What the 123 desk may do to a report (issue 14): read it, note on it, and move it along the
 * first steps of the workflow, new → in_review → forwarded. The final decisions (scam, genuine,
 * rejected) stay with the unit's team in the console, which sees the whole case.
 */
const DESK_TARGETS: readonly ReportStatus[] = ['in_review', 'forwarded']

/** A report the desk only reads: the workflow has closed it. */
export function isClosedForDesk(report: Pick<Report, 'status'>): boolean {
  return STATUS_TRANSITIONS[report.status].length === 0
}

/** The statuses an agent may move this report to now (none for a forwarded or closed report). */
export function deskNextStatuses(report: Pick<Report, 'status'>): ReportStatus[] {
  return STATUS_TRANSITIONS[report.status].filter((status) => DESK_TARGETS.includes(status))
}

/** A status change by an agent: refused unless it is one of the desk's moves; otherwise exactly the console's change. */
export async function changeReportStatusAtDesk(services: Services, input: { report: Report; to: string; expectedRevision: number; actor: string }): Promise<Report> {
  if (isClosedForDesk(input.report)) throw new DomainError('report_final', `Report ${input.report.ticket} is closed`)
  if (!(deskNextStatuses(input.report) as readonly string[]).includes(input.to)) {
    throw new DomainError('desk_status_not_allowed', `The 123 desk cannot move a report from ${input.report.status} to ${input.to}`)
  }
  return changeReportStatus(services, input)
}

/** An agent's internal note; a closed report takes none from the desk. */
export async function addDeskNote(services: Services, input: { report: Report; text: string; actor: string }): Promise<void> {
  if (isClosedForDesk(input.report)) throw new DomainError('report_final', `Report ${input.report.ticket} is closed`)
  await addReportNote(services, input)
}
