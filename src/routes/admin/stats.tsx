import { Hono, type Context } from 'hono'
import { REPORT_CATEGORIES } from '../../../db/schema.ts'
import type { AppEnv } from '../../http/env.ts'
import { fill, fillCount, type Plural } from '../../i18n/index.ts'
import { DAY_MS, wibDay, wibDayStart } from '../../i18n/time.ts'
import { officerIdsInScope } from '../../officers/scope.ts'
import { NO_REPORT_FILTERS, parseReportFilters, reportScopeFor } from '../../reports/filters.ts'
import { countReportsByDayAndCategory, measureFirstAction, rankReportAreas, rankReportUnits, type RankedCount } from '../../reports/stats.ts'
import { countScansByDayAndVerdict } from '../../verification/scan-stats.ts'
import { VERDICTS } from '../../verification/verify.ts'
import { StatsPage, type StatsView } from '../../../views/admin/stats.tsx'
import { buildDailyChart, buildRankingChart, daysBetween, shortDay } from './charts.ts'
import { adminAuth, adminFrame } from './context.ts'

const DEFAULT_DAYS = 30
const MAX_DAYS = 366
const TOP = 10

/** /admin/stats: verifications and reports per day, top places and units, time to first action. */
export function adminStatsRoutes() {
  const app = new Hono<AppEnv>()
  app.get('/', async (c) => c.html(<StatsPage frame={adminFrame(c)} view={await statsView(c)} />))
  return app
}

/** The days asked for, or the last 30 (WIB) by default; never more than a year. */
export function statsRange(query: Record<string, string | undefined>, now: number): { from: string; to: string } {
  const asked = parseReportFilters({ from: query.from, to: query.to })
  const to = asked.to ?? wibDay(now)
  const earliest = wibDay(wibDayStart(to) - (MAX_DAYS - 1) * DAY_MS)
  const from = asked.from ?? wibDay(wibDayStart(to) - (DEFAULT_DAYS - 1) * DAY_MS)
  return { from: from < earliest ? earliest : from, to }
}

async function statsView(c: Context<AppEnv>): Promise<StatsView> {
  const { db, clock } = c.get('services')
  const t = c.get('t')
  const s = t.adminInsights.stats
  const auth = adminAuth(c)
  const range = statsRange(c.req.query(), clock.now())
  const filters = { ...NO_REPORT_FILTERS, from: range.from, to: range.to }
  const scope = await reportScopeFor(db, auth)
  const days = daysBetween(range.from, range.to)
  const texts = (desc: Plural) => ({ desc, day: s.day, total: s.total, noData: s.noData })

  const scanCounts = tally((await countScansByDayAndVerdict(db, { from: wibDayStart(range.from), to: wibDayStart(range.to) + DAY_MS }, await officerIdsInScope(db, auth))).map((row) => [row.day, row.verdict, row.count]))
  const reportCounts = tally((await countReportsByDayAndCategory(db, filters, scope)).map((row) => [row.day, row.category ?? 'none', row.count]))
  const areas = await rankReportAreas(db, filters, scope, TOP)
  const units = await rankReportUnits(db, filters, scope, TOP)
  const firstAction = await measureFirstAction(db, filters, scope)
  const ranking = (id: string, title: string, desc: Plural, labelHeader: string, rows: RankedCount[]) =>
    buildRankingChart({
      id,
      title,
      desc: fillCount(desc, rows.length, { top: rows[0] ? `${rows[0].label} (${rows[0].count})` : '—' }),
      labelHeader,
      valueHeader: s.count,
      rows: rows.map((row) => ({ label: row.label, value: row.count })),
    })

  return {
    from: range.from,
    to: range.to,
    rangeText: fill(s.range, { from: range.from, to: range.to }),
    scopeNote: auth.user.role === 'admin' ? null : s.verificationsScope,
    verifications: buildDailyChart({
      id: 'chart-verifications',
      title: s.verifications,
      texts: texts(s.verificationsDesc),
      days,
      series: VERDICTS.map((verdict) => ({ key: verdict, label: t.report.verdicts[verdict], className: `chart-v-${verdict}` })),
      count: (day, verdict) => scanCounts.get(`${day}|${verdict}`) ?? 0,
      dayLabel: shortDay,
    }),
    reports: buildDailyChart({
      id: 'chart-reports',
      title: s.reportsPerDay,
      texts: texts(s.reportsPerDayDesc),
      days,
      series: [
        ...REPORT_CATEGORIES.map((category, index) => ({ key: category, label: t.report.categories[category], className: `chart-s${index}` })),
        { key: 'none', label: s.noCategory, className: 'chart-none' },
      ],
      count: (day, category) => reportCounts.get(`${day}|${category}`) ?? 0,
      dayLabel: shortDay,
    }),
    areas: ranking('chart-areas', s.topAreas, s.topAreasDesc, s.area, areas),
    units: ranking('chart-units', s.topUnits, s.topUnitsDesc, s.unit, units),
    firstAction: {
      median: firstAction.medianMs === null ? '—' : formatDuration(c, firstAction.medianMs),
      acted: firstAction.acted,
      waiting: firstAction.waiting,
    },
  }
}

function tally(rows: [day: string, key: string, count: number][]): Map<string, number> {
  return new Map(rows.map(([day, key, count]) => [`${day}|${key}`, count]))
}

function formatDuration(c: Context<AppEnv>, ms: number): string {
  const s = c.get('t').adminInsights.stats
  const minutes = Math.round(ms / 60_000)
  if (minutes < 60) return fill(s.minutes, { m: String(minutes) })
  if (minutes < 24 * 60) return fill(s.hours, { h: String(Math.floor(minutes / 60)), m: String(minutes % 60) })
  return fill(s.days, { d: String(Math.floor(minutes / (24 * 60))), h: String(Math.floor((minutes % (24 * 60)) / 60)) })
}
