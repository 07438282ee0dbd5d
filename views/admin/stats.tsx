import type { DailyChartView, RankingChartView } from '../../src/routes/admin/charts.ts'
import { DailyChart, RankingChart } from './charts.tsx'
import { AdminLayout, type AdminFrame } from './layout.tsx'

export interface StatsView {
  from: string
  to: string
  rangeText: string
  scopeNote: string | null
  verifications: DailyChartView
  reports: DailyChartView
  areas: RankingChartView
  units: RankingChartView
  firstAction: { median: string; acted: number; waiting: number }
}

export function StatsPage({ frame, view }: { frame: AdminFrame; view: StatsView }) {
  const s = frame.t.adminInsights.stats
  return (
    <AdminLayout {...frame} title={s.title} current="stats">
      <h1>{s.title}</h1>
      <form method="get" action="/admin/stats" class="filters no-print">
        <label for="s-from">{s.from}</label>
        <input id="s-from" name="from" type="date" value={view.from} />
        <label for="s-to">{s.to}</label>
        <input id="s-to" name="to" type="date" value={view.to} />
        <button type="submit" class="button">
          {s.apply}
        </button>
      </form>
      <p>
        <strong>{view.rangeText}</strong>
      </p>
      <p class="hint no-print">{s.print}</p>
      <section class="stats-section" aria-labelledby="first-action-title">
        <h2 id="first-action-title">{s.firstAction}</h2>
        <p class="hint">{s.firstActionHelp}</p>
        <dl class="figures">
          <div>
            <dt>{s.median}</dt>
            <dd data-figure="median">{view.firstAction.median}</dd>
          </div>
          <div>
            <dt>{s.acted}</dt>
            <dd data-figure="acted">{view.firstAction.acted}</dd>
          </div>
          <div>
            <dt>{s.waiting}</dt>
            <dd data-figure="waiting">{view.firstAction.waiting}</dd>
          </div>
        </dl>
      </section>
      <section class="stats-section" aria-labelledby="verifications-title">
        <h2 id="verifications-title">{s.verifications}</h2>
        {view.scopeNote && <p class="hint">{view.scopeNote}</p>}
        <DailyChart chart={view.verifications} noData={s.noData} />
      </section>
      <section class="stats-section" aria-labelledby="reports-title">
        <h2 id="reports-title">{s.reportsPerDay}</h2>
        <DailyChart chart={view.reports} noData={s.noData} />
      </section>
      <section class="stats-section" aria-labelledby="areas-title">
        <h2 id="areas-title">{s.topAreas}</h2>
        <RankingChart chart={view.areas} noData={s.noData} />
      </section>
      <section class="stats-section" aria-labelledby="units-title">
        <h2 id="units-title">{s.topUnits}</h2>
        <RankingChart chart={view.units} noData={s.noData} />
      </section>
    </AdminLayout>
  )
}
