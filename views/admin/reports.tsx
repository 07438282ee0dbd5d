import { DataTable, FilterSelect, PagerNav, StatusChangeForm, type Option, type Pager } from './parts.tsx'
import { AdminLayout, Flash, type AdminFrame } from './layout.tsx'
import { ReportedOfficer, type ReportedOfficerView } from './reported-officer.tsx'

export interface ReportRowView {
  ticket: string
  href: string
  created: string
  status: string
  statusLabel: string
  verdictLabel: string
  categoryLabel: string
  unit: string
  location: string
  note: string
  /** Reports of the same code or token from the same network around then. */
  related: number
}

export interface ReportQueueView {
  filters: Record<'status' | 'verdict' | 'category' | 'unit' | 'from' | 'to' | 'q' | 'sort', string>
  statuses: Option[]
  verdicts: Option[]
  categories: Option[]
  units: Option[]
  sorts: Option[]
  rows: ReportRowView[]
  pager: Pager
  /** The queue's filters, posted with the export so the file holds what the queue shows. */
  exportFields: { name: string; value: string }[]
}

export function ReportQueuePage({ frame, view }: { frame: AdminFrame; view: ReportQueueView }) {
  const r = frame.t.adminReports
  return (
    <AdminLayout {...frame} title={r.queueTitle} current="reports">
      <h1>{r.queueTitle}</h1>
      <form method="get" action="/admin/reports" class="filters fields">
        <div class="field">
          <FilterSelect name="status" label={r.status} options={view.statuses} value={view.filters.status} allLabel={r.all} />
        </div>
        <div class="field">
          <FilterSelect name="verdict" label={r.verdict} options={view.verdicts} value={view.filters.verdict} allLabel={r.all} />
        </div>
        <div class="field">
          <FilterSelect name="category" label={r.category} options={view.categories} value={view.filters.category} allLabel={r.all} />
        </div>
        <div class="field">
          <FilterSelect name="unit" label={r.unit} options={view.units} value={view.filters.unit} allLabel={r.all} />
        </div>
        <div class="field">
          <label for="f-from">{r.from}</label>
          <input id="f-from" name="from" type="date" value={view.filters.from} />
        </div>
        <div class="field">
          <label for="f-to">{r.to}</label>
          <input id="f-to" name="to" type="date" value={view.filters.to} />
        </div>
        <div class="field">
          <label for="f-q">{r.search}</label>
          <input id="f-q" name="q" value={view.filters.q} maxlength={80} />
        </div>
        <div class="field">
          <FilterSelect name="sort" label={r.sort} options={view.sorts} value={view.filters.sort} />
        </div>
        <button type="submit" class="button">
          {frame.t.admin.filter}
        </button>
      </form>
      <form method="post" action="/admin/reports.csv" class="toolbar">
        <input type="hidden" name="_csrf" value={frame.csrfToken} />
        {view.exportFields.map((field) => (
          <input type="hidden" name={field.name} value={field.value} />
        ))}
        <button type="submit" class="button secondary">
          {r.exportCsv}
        </button>
      </form>
      {view.rows.length === 0 ? (
        <p class="card">{frame.t.admin.none}</p>
      ) : (
        <DataTable label={r.queueTitle} headers={[r.ticket, r.created, r.status, r.verdict, r.category, r.unit, r.location, r.note, r.related]}>
            {view.rows.map((row) => (
              <tr data-ticket={row.ticket} data-status={row.status} data-related={String(row.related)}>
                <td class="nowrap">
                  <a href={row.href}>{row.ticket}</a>
                </td>
                <td class="nowrap">{row.created}</td>
                <td>{row.statusLabel}</td>
                <td>{row.verdictLabel}</td>
                <td>{row.categoryLabel}</td>
                <td class="nowrap">{row.unit}</td>
                <td>{row.location}</td>
                <td class="details">{row.note}</td>
                <td class="number">{row.related}</td>
              </tr>
            ))}
        </DataTable>
      )}
      <PagerNav frame={frame} pager={view.pager} />
    </AdminLayout>
  )
}

export interface ReportDetailView {
  ticket: string
  created: string
  status: string
  statusLabel: string
  revision: number
  verdictLabel: string
  subject: string
  reportedOfficer: ReportedOfficerView
  claims: { name: string; value: string }[]
  /** What the household added; a phone number dials (`tel:`), coordinates open a map (`external`). */
  reporter: { label: string; value: string; href?: string | null; external?: boolean }[]
  /** Other households' reports of the same thing: links for the team, never their details here. */
  related: { count: number; reports: { ticket: string; href: string; created: string; statusLabel: string }[]; moreText: string | null }
  /** `state` is the outbox's code (for data-delivery-state), `stateText` its words. */
  deliveries: { event: string; state: string; stateText: string; attempts: number; lastError: string }[]
  timeline: { at: string; text: string; author: string; visible: boolean }[]
  nextStatuses: Option[]
  notice: string | null
  error: string | null
}

export function ReportDetailPage({ frame, view }: { frame: AdminFrame; view: ReportDetailView }) {
  const r = frame.t.adminReports
  const base = `/admin/reports/${view.ticket}`
  return (
    <AdminLayout {...frame} title={view.ticket} current="reports">
      <h1>
        {r.report} {view.ticket}
      </h1>
      <Flash notice={view.notice} error={view.error} />
      <div class="columns">
        <section>
          <h2>{r.facts}</h2>
          <dl>
            <dt>{r.status}</dt>
            <dd data-status={view.status}>
              <strong>{view.statusLabel}</strong>
            </dd>
            <dt>{r.created}</dt>
            <dd>{view.created}</dd>
            <dt>{r.verdict}</dt>
            <dd>{view.verdictLabel}</dd>
            <dt>{r.subject}</dt>
            <dd>
              <code>{view.subject}</code>
            </dd>
            <ReportedOfficer view={view.reportedOfficer} />
          </dl>
          {view.claims.length > 0 && (
            <section class="card unverified" aria-labelledby="claims-title">
              <h3 id="claims-title">{r.unverifiedClaims}</h3>
              <p class="hint">{r.unverifiedHint}</p>
              <dl>
                {view.claims.map((claim) => (
                  <>
                    <dt>{claim.name}</dt>
                    <dd>
                      <code>{claim.value}</code>
                    </dd>
                  </>
                ))}
              </dl>
            </section>
          )}
          <h2>{r.fromReporter}</h2>
          {view.reporter.length === 0 ? (
            <p class="hint">{r.noDetails}</p>
          ) : (
            <dl>
              {view.reporter.map((item) => (
                <>
                  <dt>{item.label}</dt>
                  <dd class="user-text">
                    {item.href ? (
                      <a href={item.href} rel={item.external ? 'noopener noreferrer' : undefined}>
                        {item.value}
                      </a>
                    ) : (
                      item.value
                    )}
                  </dd>
                </>
              ))}
            </dl>
          )}
          <h2>{r.relatedTitle}</h2>
          <p class="hint">{r.relatedHint}</p>
          {view.related.count === 0 ? (
            <p data-related="0">{r.relatedNone}</p>
          ) : (
            <ul data-related={String(view.related.count)}>
              {view.related.reports.map((other) => (
                <li>
                  <a href={other.href}>{other.ticket}</a> <span class="hint">· {other.created} · {other.statusLabel}</span>
                </li>
              ))}
              {view.related.moreText && <li>{view.related.moreText}</li>}
            </ul>
          )}
          <h2>{r.delivery}</h2>
          <DataTable label={r.delivery} headers={[r.deliveryEvent, r.deliveryState, r.deliveryAttempts, r.deliveryError]}>
              {view.deliveries.map((delivery) => (
                <tr data-delivery-state={delivery.state}>
                  <td>{delivery.event}</td>
                  <td>{delivery.stateText}</td>
                  <td class="number">{delivery.attempts}</td>
                  <td>{delivery.lastError}</td>
                </tr>
              ))}
          </DataTable>
        </section>
        <section>
          <h2>{r.changeStatus}</h2>
          {view.nextStatuses.length === 0 ? (
            <p class="hint">{r.finalStatus}</p>
          ) : (
            <StatusChangeForm action={`${base}/status`} csrfToken={frame.csrfToken} revision={view.revision} options={view.nextStatuses} labels={{ newStatus: r.newStatus, hint: r.newStatusHint, save: frame.t.admin.save }} />
          )}
          <h2>{r.timeline}</h2>
          <ol class="timeline">
            {view.timeline.map((entry) => (
              <li class={entry.visible ? 'public' : 'internal'}>
                <span class="hint">{entry.at}</span> {entry.text}
                {entry.author && <span class="hint"> — {entry.author}</span>}
                {!entry.visible && <span class="hint"> ({r.internal})</span>}
              </li>
            ))}
          </ol>
          <form method="post" action={`${base}/notes`} class="card stack">
            <input type="hidden" name="_csrf" value={frame.csrfToken} />
            <label for="note">{r.addNote}</label>
            <textarea id="note" name="note" rows={4} maxlength={2000} required></textarea>
            <button type="submit" class="button secondary">
              {r.addNote}
            </button>
          </form>
        </section>
      </div>
    </AdminLayout>
  )
}
