import { and, asc, eq } from 'drizzle-orm'
import { reportEvents } from '../../db/schema.ts'
import { listDeliveries } from '../channel/outbox.ts'
import type { Services } from '../services.ts'
import { REPORT_CREATED } from './payload.ts'
import type { Report, ReportEventKind, ReportStatus } from './reports.ts'

/** The `actor` of report events written by PLN 123's back-channel (src/channel/inbound.ts), and the author of its notes. */
export const CHANNEL123_ACTOR = 'channel123'

export interface TimelineEntry {
  kind: ReportEventKind | 'sent_to_123' | 'awaiting_123' | 'not_sent_123'
  status: ReportStatus | null
  at: number | null
  /** The change came from PLN 123 itself; the household never sees who else made a change. */
  fromChannel123: boolean
}

/** What the reporter sees of the report's history, oldest first, ending with where the 123 channel stands. */
export async function listReporterTimeline(services: Services, report: Report): Promise<TimelineEntry[]> {
  const events = await services.db
    .select({ kind: reportEvents.kind, status: reportEvents.status, at: reportEvents.at, actor: reportEvents.actor })
    .from(reportEvents)
    .where(and(eq(reportEvents.reportId, report.id), eq(reportEvents.visibleToReporter, true)))
    .orderBy(asc(reportEvents.at), asc(reportEvents.id))
  const entries: TimelineEntry[] = events.map((event) => ({ kind: event.kind, status: event.status, at: event.at, fromChannel123: event.actor === CHANNEL123_ACTOR }))
  const first = (await listDeliveries(services.db, report.ticket)).find((delivery) => delivery.eventType === REPORT_CREATED)
  if (first?.state === 'delivered') entries.push({ kind: 'sent_to_123', status: null, at: first.deliveredAt, fromChannel123: false })
  else if (first?.state === 'dead') entries.push({ kind: 'not_sent_123', status: null, at: first.deadAt, fromChannel123: false })
  else entries.push({ kind: 'awaiting_123', status: null, at: null, fromChannel123: false })
  return entries.sort((a, b) => (a.at ?? Infinity) - (b.at ?? Infinity))
}
