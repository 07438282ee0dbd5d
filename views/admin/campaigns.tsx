import type { DailyChartView } from '../../src/routes/admin/charts.ts'
import { DailyChart } from './charts.tsx'
import { DataTable, PagerNav, type Option, type Pager } from './parts.tsx'
import { AdminLayout, Flash, type AdminFrame } from './layout.tsx'
import type { ReportRowView } from './reports.tsx'

export interface CampaignRowView {
  anchor: string
  /** Readable: the officer or area, and the day ("Menteng · 1 Des 2026"). */
  name: string
  href: string
  size: number
  firstSeen: string
  lastSeen: string
  waiting: number
  reasons: string[]
}

export interface CampaignListView {
  lead: string
  rows: CampaignRowView[]
  pager: Pager
  notice: string | null
}

export function CampaignListPage({ frame, view }: { frame: AdminFrame; view: CampaignListView }) {
  const c = frame.t.adminInsights.campaigns
  return (
    <AdminLayout {...frame} title={c.title} current="campaigns">
      <h1>{c.title}</h1>
      <p class="hint">{view.lead}</p>
      <Flash notice={view.notice} />
      {view.rows.length === 0 ? (
        <p class="card">{c.none}</p>
      ) : (
        <DataTable label={c.title} headers={[c.campaign, c.reports, c.waiting, c.firstSeen, c.lastSeen, c.reasons]}>
            {view.rows.map((row) => (
              <tr data-campaign={row.anchor}>
                <td>
                  <a href={row.href}>{row.name}</a>
                  <br />
                  <span class="hint">{row.anchor}</span>
                </td>
                <td class="number">{row.size}</td>
                <td class="number">{row.waiting}</td>
                <td>{row.firstSeen}</td>
                <td>{row.lastSeen}</td>
                <td>
                  <ul class="plain">
                    {row.reasons.map((reason) => (
                      <li>{reason}</li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
        </DataTable>
      )}
      <PagerNav frame={frame} pager={view.pager} />
    </AdminLayout>
  )
}

/** A report in a campaign: the queue's row without unit, note and relations, with the officer it named. */
export interface CampaignReportView extends Pick<ReportRowView, 'ticket' | 'href' | 'created' | 'status' | 'statusLabel' | 'verdictLabel' | 'categoryLabel' | 'location'> {
  officer: string
  officerClaimed: boolean
  splitLabel: string
}

export interface CampaignDetailView {
  anchor: string
  /** The campaign's readable name. */
  title: string
  /** "Kampanye LPR-…": the address by which it is found again. */
  anchorText: string
  reasons: string[]
  reports: CampaignReportView[]
  hiddenNote: string | null
  chart: DailyChartView
  /** One form for every report shown: `size` is posted back, so a campaign that changed meanwhile is not changed blindly. */
  bulk: { action: string; size: number; label: string; button: string; options: Option[] }
  mergeAction: string
  splitAction: string
  notice: string | null
  error: string | null
}

export function CampaignPage({ frame, view }: { frame: AdminFrame; view: CampaignDetailView }) {
  const c = frame.t.adminInsights.campaigns
  const r = frame.t.adminReports
  return (
    <AdminLayout {...frame} title={view.title} current="campaigns">
      <h1 data-campaign={view.anchor}>{view.title}</h1>
      <p class="hint">{view.anchorText}</p>
      <Flash notice={view.notice} error={view.error} />
      <section aria-labelledby="reasons-title">
        <h2 id="reasons-title">{c.reasons}</h2>
        <ul>
          {view.reasons.map((reason) => (
            <li>{reason}</li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="reports-title">
        <h2 id="reports-title">{c.reports}</h2>
        {view.hiddenNote && <p class="hint">{view.hiddenNote}</p>}
        <p class="hint">{c.splitHint}</p>
        <DataTable label={c.reports} headers={[r.ticket, r.created, r.status, r.verdict, r.category, r.location, c.officer, { hidden: c.split }]}>
            {view.reports.map((report) => (
              <tr data-ticket={report.ticket}>
                <td class="nowrap">
                  <a href={report.href}>{report.ticket}</a>
                </td>
                <td class="nowrap">{report.created}</td>
                <td data-status={report.status}>{report.statusLabel}</td>
                <td>{report.verdictLabel}</td>
                <td>{report.categoryLabel}</td>
                <td class="user-text">{report.location}</td>
                <td>
                  {report.officer}
                  {report.officerClaimed && <span class="hint"> ({c.claimed})</span>}
                </td>
                <td>
                  <form method="post" action={view.splitAction} class="inline-form">
                    <input type="hidden" name="_csrf" value={frame.csrfToken} />
                    <input type="hidden" name="report" value={report.ticket} />
                    <button type="submit" class="link-button" aria-label={report.splitLabel}>
                      {c.split}
                    </button>
                  </form>
                </td>
              </tr>
            ))}
        </DataTable>
      </section>
      <section aria-labelledby="bulk-title" class="no-print">
        <h2 id="bulk-title">{r.bulk.title}</h2>
        {view.bulk.options.length === 0 ? (
          <p class="hint">{r.bulk.allFinal}</p>
        ) : (
          <form method="post" action={view.bulk.action} class="card stack">
            <input type="hidden" name="_csrf" value={frame.csrfToken} />
            <input type="hidden" name="size" value={String(view.bulk.size)} />
            <label for="bulk-to">{view.bulk.label}</label>
            <p id="bulk-hint" class="hint">
              {r.bulk.hint}
            </p>
            <select id="bulk-to" name="to" aria-describedby="bulk-hint">
              {view.bulk.options.map((option) => (
                <option value={option.value}>{option.label}</option>
              ))}
            </select>
            <button type="submit" class="button">
              {view.bulk.button}
            </button>
          </form>
        )}
      </section>
      <section aria-labelledby="daily-title">
        <h2 id="daily-title">{c.daily}</h2>
        <DailyChart chart={view.chart} noData={frame.t.adminInsights.stats.noData} />
      </section>
      <section aria-labelledby="merge-title" class="no-print">
        <h2 id="merge-title">{c.merge}</h2>
        <form method="post" action={view.mergeAction} class="card stack">
          <input type="hidden" name="_csrf" value={frame.csrfToken} />
          <label for="other">{c.mergeLabel}</label>
          <input id="other" name="other" required maxlength={20} autocomplete="off" />
          <button type="submit" class="button secondary">
            {c.mergeButton}
          </button>
        </form>
      </section>
    </AdminLayout>
  )
}
