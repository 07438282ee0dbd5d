import { Hono, type Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { DeliveryRecord } from '../../channel/outbox.ts'
import { DomainError } from '../../errors.ts'
import type { AppEnv } from '../../http/env.ts'
import { renderError } from '../../http/errors.tsx'
import { NoteForm, StatusForm, validForm } from '../../http/validate.ts'
import { fill, type Messages } from '../../i18n/index.ts'
import { formatAdminTime } from '../../i18n/time.ts'
import { listReportCategories } from '../../reports/categories.ts'
import { reportDetailsShown, withheldDetailsText } from '../../reports/details-shown.ts'
import { recordReportDetailsViewed } from '../../privacy/reads.ts'
import { findRelatedReports } from '../../reports/related.ts'
import type { Report, ReportStatus } from '../../reports/reports.ts'
import { parseUnverifiedClaims } from '../../reports/subject.ts'
import { CHANNEL123_ACTOR } from '../../reports/timeline.ts'
import { reportedOfficerOf, routedUnitOf } from '../../reports/routing.ts'
import type { ReportedOfficerView } from '../../../views/admin/reported-officer.tsx'
import { addReportNote, canTriageReport, changeReportStatus, findReportByTicket, listReportQueue, reportDeliveries, STATUS_TRANSITIONS, triageTimeline } from '../../reports/triage.ts'
import { ReportDetailPage, ReportQueuePage, type ReportDetailView, type ReportQueueView } from '../../../views/admin/reports.tsx'
import { REPORT_CATEGORIES, REPORT_STATUSES } from '../../../db/schema.ts'
import { listUnits } from '../../officers/officers.ts'
import { findUnitLineage, unitCodesInScope } from '../../officers/scope.ts'
import { parseReportFilters, reportFilterParams, reportFilterSql, reportScopeFor, REPORT_VERDICT_FILTERS, type ReportVerdictFilter } from '../../reports/filters.ts'
import { pager } from './paging.ts'
import { adminAuth, adminFrame } from './context.ts'


/** A report the user may not triage is answered 404 before its form is read. */
const visible = createMiddleware<AppEnv>(async (c, next) => {
  if (!(await visibleReport(c))) return renderError(c, 404)
  await next()
})

const PAGE_SIZE = 50

/**
 * /admin/reports: the queue (filters, sorting, pages) and /admin/reports/:ticket: the facts, the
 * household's details, delivery to 123, status and notes.
 */
export function adminReportRoutes() {
  const app = new Hono<AppEnv>()

  app.get('/', async (c) => {
    const { db } = c.get('services')
    const t = c.get('t')
    const r = t.adminReports
    const lang = c.get('lang')
    const query = c.req.query()
    const filters = parseReportFilters(query)
    const sort = query.sort === 'oldest' || query.sort === 'status' ? query.sort : 'newest'
    const page = Math.max(1, Math.min(100_000, Number.parseInt(query.page ?? '1', 10) || 1))
    const { rows, total } = await listReportQueue(db, {
      where: reportFilterSql(filters, await reportScopeFor(db, adminAuth(c))),
      sort,
      limit: PAGE_SIZE,
      offset: (page - 1) * PAGE_SIZE,
    })
    const scopeUnits = await unitCodesInScope(db, adminAuth(c))
    const units = await listUnits(db)
    const view: ReportQueueView = {
      filters: { status: filters.status ?? '', verdict: filters.verdict ?? '', category: filters.category ?? '', unit: filters.unit ?? '', from: filters.from ?? '', to: filters.to ?? '', q: filters.q ?? '', sort },
      statuses: REPORT_STATUSES.map((status) => ({ value: status, label: t.report.statuses[status] })),
      verdicts: REPORT_VERDICT_FILTERS.map((verdict) => ({ value: verdict, label: t.report.verdicts[verdict] })),
      categories: REPORT_CATEGORIES.map((category) => ({ value: category, label: t.report.categories[category] })),
      units: units
        .filter((unit) => scopeUnits === null || scopeUnits.has(unit.code))
        .map((unit) => ({ value: unit.code, label: `${unit.name} (${unit.code})` })),
      sorts: (['newest', 'oldest', 'status'] as const).map((value) => ({ value, label: r.sorts[value] })),
      rows: rows.map(({ report, unitCode, related }) => ({
        ...queueDetails(report, t),
        ticket: report.ticket,
        href: `/admin/reports/${report.ticket}`,
        created: formatAdminTime(report.createdAt, lang),
        status: report.status,
        statusLabel: t.report.statuses[report.status],
        verdictLabel: t.report.verdicts[(report.verdict ?? 'none') as ReportVerdictFilter] ?? report.verdict ?? '',
        categoryLabel: report.category ? t.report.categories[report.category] : '—',
        unit: unitCode ?? '—',
        related,
      })),
      pager: pager(c, { page, pageSize: PAGE_SIZE, total }),
      exportFields: [...reportFilterParams(filters)].map(([name, value]) => ({ name, value })),
    }
    return c.html(<ReportQueuePage frame={adminFrame(c)} view={view} />)
  })

  app.get('/:ticket', async (c) => {
    const report = await visibleReport(c)
    if (!report) return renderError(c, 404)
    return renderDetail(c, report, noticeFromQuery(c), null)
  })

  app.post('/:ticket/status', visible, validForm(StatusForm), async (c) => {
    const report = await visibleReport(c)
    if (!report) return renderError(c, 404)
    const body = c.req.valid('form')
    try {
      await changeReportStatus(c.get('services'), {
        report,
        to: body.to,
        expectedRevision: body.revision,
        actor: adminAuth(c).user.username,
      })
    } catch (error) {
      return renderDetail(c, (await findReportByTicket(c.get('services'), report.ticket)) ?? report, null, errorMessage(c, error), 409)
    }
    return c.redirect(`/admin/reports/${report.ticket}?notice=status`, 303)
  })

  app.post('/:ticket/notes', visible, validForm(NoteForm), async (c) => {
    const report = await visibleReport(c)
    if (!report) return renderError(c, 404)
    try {
      await addReportNote(c.get('services'), { report, text: c.req.valid('form').note, actor: adminAuth(c).user.username })
    } catch (error) {
      return renderDetail(c, report, null, errorMessage(c, error), 422)
    }
    return c.redirect(`/admin/reports/${report.ticket}?notice=note`, 303)
  })

  return app
}

/** The report in the URL when the user may triage it; null (a 404) otherwise. */
async function visibleReport(c: Context<AppEnv>): Promise<Report | null> {
  const services = c.get('services')
  const report = await findReportByTicket(services, c.req.param('ticket') ?? '')
  return report && (await canTriageReport(services, adminAuth(c), report)) ? report : null
}

async function renderDetail(c: Context<AppEnv>, report: Report, notice: string | null, error: string | null, status: 200 | 409 | 422 = 200) {
  await recordReportDetailsViewed(c.get('services'), { report, actor: adminAuth(c).user.username, page: 'console' })
  return c.html(<ReportDetailPage frame={adminFrame(c)} view={await detailView(c, report, notice, error)} />, status)
}

async function detailView(c: Context<AppEnv>, report: Report, notice: string | null, error: string | null): Promise<ReportDetailView> {
  const services = c.get('services')
  const t = c.get('t')
  const r = t.adminReports
  const lang = c.get('lang')
  const statusLabel = (status: ReportStatus) => t.report.statuses[status]
  const reporter: ReportDetailView['reporter'] = []
  const categories = await listReportCategories(services.db, report)
  if (categories.length > 0) reporter.push({ label: r.reporterFields.category, value: categories.map((category) => t.report.categories[category]).join(', ') })
  // Restricted or erased by the reporter (UU PDP): one line says so, in place of the details.
  const shown = reportDetailsShown(report)
  const withheld = withheldDetailsText(shown.state, t.reporterRights.staff)
  if (withheld) reporter.push({ label: t.reporterRights.staff.label, value: withheld })
  if (shown.note) reporter.push({ label: r.reporterFields.note, value: shown.note })
  if (shown.phone) reporter.push({ label: r.reporterFields.phone, value: shown.phone, href: telHref(shown.phone) })
  if (shown.location) reporter.push({ label: r.reporterFields.location, value: shown.location })
  if (shown.latitude !== null && shown.longitude !== null) {
    const coordinates = `${shown.latitude}, ${shown.longitude}`
    reporter.push({ label: r.reporterFields.coordinates, value: fill(r.onMap, { coordinates }), href: mapHref(shown.latitude, shown.longitude), external: true })
  }
  const related = await findRelatedReports(services.db, report)
  const auth = adminAuth(c)
  const relatedShown: Report[] = []
  for (const ticket of related.tickets) {
    const other = await findReportByTicket(services, ticket)
    if (other !== null && (await canTriageReport(services, auth, other))) relatedShown.push(other)
  }
  const deliveries = await reportDeliveries(services, report)
  const timeline = await triageTimeline(services, report)
  return {
    ticket: report.ticket,
    created: formatAdminTime(report.createdAt, lang),
    status: report.status,
    statusLabel: statusLabel(report.status),
    revision: report.revision,
    verdictLabel: t.report.verdicts[(report.verdict ?? 'none') as keyof typeof t.report.verdicts] ?? report.verdict ?? '',
    subject: report.subjectKind ? `${report.subjectKind}${report.shortCode ? ` ${report.shortCode}` : ''} · sha256 ${report.subjectHash?.slice(0, 16)}…` : '—',
    reportedOfficer: await reportedOfficerView(c, report),
    claims: Object.entries(parseUnverifiedClaims(report) ?? {}).map(([name, value]) => ({ name, value: String(value) })),
    reporter,
    related: {
      count: related.count,
      reports: relatedShown.map((other) => ({ ticket: other.ticket, href: `/admin/reports/${other.ticket}`, created: formatAdminTime(other.createdAt, lang), statusLabel: statusLabel(other.status) })),
      moreText: related.count > relatedShown.length ? fill(r.relatedMore, { count: String(related.count - relatedShown.length) }) : null,
    },
    deliveries: deliveries.map((delivery) => ({
      event: r.deliveryEvents[delivery.eventType] ?? delivery.eventType,
      state: delivery.state,
      stateText: deliveryStateText(r, delivery),
      attempts: delivery.attempts,
      lastError: delivery.lastError ?? '',
    })),
    timeline: timeline.map((entry) => ({
      at: formatAdminTime(entry.at, lang),
      text: fill(r.timelineText[entry.kind], { status: entry.status ? statusLabel(entry.status) : '', text: entry.text ?? '' }),
      author: entry.author === CHANNEL123_ACTOR ? t.channel123.actorName : (entry.author ?? ''),
      visible: entry.visibleToReporter,
    })),
    nextStatuses: STATUS_TRANSITIONS[report.status].map((status) => ({ value: status, label: statusLabel(status) })),
    notice,
    error,
  }
}

/** The queue's place and note columns; a restricted or erased report says so in the note's place. */
function queueDetails(report: Report, t: Messages): { location: string; note: string } {
  const shown = reportDetailsShown(report)
  return { location: shown.location ?? '', note: (withheldDetailsText(shown.state, t.reporterRights.staff) ?? shown.note ?? '').slice(0, 140) }
}

/** A phone number the household typed, as a link that dials it; null when it is not a plain number. */
function telHref(phone: string): string | null {
  return /^\+?[0-9]{6,15}$/.test(phone) ? `tel:${phone}` : null
}

/** OpenStreetMap centred on the point, with a marker, at street level (zoom 17). */
function mapHref(latitude: number, longitude: number): string {
  return `https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}#map=17/${latitude}/${longitude}`
}

/** A delivery's state as the team reads it: sent, waiting (and which resend), or failed for good. */
function deliveryStateText(r: Messages['adminReports'], delivery: DeliveryRecord): string {
  if (delivery.state === 'delivered') return r.deliveryStates.delivered
  if (delivery.state === 'dead') return r.deliveryStates.dead
  return delivery.attempts === 0 ? r.deliveryStates.waiting : fill(r.deliveryStates.retrying, { attempt: String(delivery.attempts) })
}

/** Whom the report names (genuine, even when not valid, or only claimed) and the unit it was routed to. */
async function reportedOfficerView(c: Context<AppEnv>, report: Report): Promise<ReportedOfficerView> {
  const { db } = c.get('services')
  const t = c.get('t')
  const rr = t.reportRouting
  const unitText = async (code: string | null) => {
    const unit = await findUnitLineage(db, code)
    return unit ? `${unit.name} (${unit.code})` : code
  }
  const named = await reportedOfficerOf(db, report)
  const officer = named?.officer ?? null
  const verdict = t.report.verdicts[(report.verdict ?? 'none') as keyof typeof t.report.verdicts] ?? report.verdict ?? ''
  const hint = !named ? null : named.kind === 'genuine' ? fill(rr.genuineHint, { verdict }) : named.kind === 'claimed' ? (officer ? rr.claimedKnown : fill(rr.claimedUnknown, { employeeNo: named.employeeNo })) : null
  return {
    officer: named && {
      kind: named.kind,
      title: rr.officerTitle[named.kind],
      label: officer ? `${officer.name} (${officer.employeeNo})` : named.employeeNo,
      href: officer ? `/admin/officers/${encodeURIComponent(officer.employeeNo)}` : null,
      unitLabel: rr.unit,
      unit: officer ? ((await unitText(officer.unitCode)) ?? rr.noUnit) : null,
      statusLabel: rr.status,
      status: officer?.status ?? null,
      statusText: officer ? rr.officerStatuses[officer.status] + (officer.status === 'suspended' && officer.statusReason ? ` — ${officer.statusReason}` : '') : null,
      hint,
    },
    routedLabel: rr.routedTo,
    // Rows filed before routing have none stored: say where they would go today.
    routed: (await unitText(report.routedUnitCode ?? (await routedUnitOf(db, report)))) ?? rr.routedNone,
  }
}

function errorMessage(c: Context<AppEnv>, error: unknown): string {
  if (!(error instanceof DomainError)) throw error
  return c.get('t').adminReports.errors[error.code] ?? error.message
}

function noticeFromQuery(c: Context<AppEnv>): string | null {
  const r = c.get('t').adminReports
  return { status: r.statusChanged, note: r.noteAdded }[c.req.query('notice') ?? ''] ?? null
}
