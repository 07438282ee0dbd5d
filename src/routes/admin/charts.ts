import { fillCount, type Plural } from '../../i18n/index.ts'
import { DAY_MS } from '../../i18n/time.ts'

/**
 * Geometry for the server-rendered SVG charts of the admin console: the views draw what these
 * functions measure out, and each chart carries its numbers as a table too, for screen readers,
 * for print and for anyone who cannot tell the colours apart.
 */

export interface ChartTable {
  caption: string
  headers: string[]
  rows: { head: string; cells: string[] }[]
}

export interface DailyChartView {
  id: string
  title: string
  desc: string
  width: number
  height: number
  plot: { left: number; top: number; right: number; bottom: number }
  bars: { x: number; width: number; segments: { y: number; height: number; className: string; title: string }[] }[]
  yTicks: { y: number; label: string }[]
  xLabels: { x: number; label: string }[]
  legend: { key: string; label: string; className: string; total: number }[]
  table: ChartTable
  empty: boolean
}

export interface RankingChartView {
  id: string
  title: string
  desc: string
  width: number
  height: number
  labelWidth: number
  rows: { y: number; barWidth: number; label: string; value: number; className: string }[]
  rowHeight: number
  table: ChartTable
  empty: boolean
}

export interface ChartSeries {
  key: string
  label: string
  className: string
}

export interface ChartTexts {
  /** "{count} … {from} … {to} … {top} … {max}" placeholders are filled in; {count} is the total. */
  desc: Plural
  day: string
  total: string
  noData: string
}

const DAILY = { width: 720, height: 260, left: 44, right: 8, top: 12, bottom: 36 }
const RANKING = { width: 720, rowHeight: 26, labelWidth: 240, valueWidth: 56 }
const MAX_X_LABELS = 10
const MAX_BAR_WIDTH = 48

/** Bars per day, stacked by series, with the day's total as its height. */
export function buildDailyChart(input: {
  id: string
  title: string
  texts: ChartTexts
  days: string[]
  series: ChartSeries[]
  count: (day: string, series: string) => number
  dayLabel: (day: string) => string
}): DailyChartView {
  const { days, series } = input
  const totals = days.map((day) => series.reduce((sum, one) => sum + input.count(day, one.key), 0))
  const grandTotal = totals.reduce((sum, value) => sum + value, 0)
  const step = niceStep(Math.max(1, ...totals) / 4)
  const max = Math.ceil(Math.max(1, ...totals) / step) * step
  const plot = { left: DAILY.left, top: DAILY.top, right: DAILY.width - DAILY.right, bottom: DAILY.height - DAILY.bottom }
  const slot = (plot.right - plot.left) / Math.max(1, days.length)
  const scale = (value: number) => ((plot.bottom - plot.top) * value) / max
  const bars = days.map((day, index) => {
    let top = plot.bottom
    const segments = series
      .map((one) => ({ one, value: input.count(day, one.key) }))
      .filter(({ value }) => value > 0)
      .map(({ one, value }) => {
        const height = scale(value)
        top -= height
        return { y: round(top), height: round(height), className: one.className, title: `${input.dayLabel(day)} · ${one.label}: ${value}` }
      })
    const width = Math.min(MAX_BAR_WIDTH, Math.max(1, slot * 0.8))
    return { x: round(plot.left + index * slot + (slot - width) / 2), width: round(width), segments }
  })
  const every = Math.max(1, Math.ceil(days.length / MAX_X_LABELS))
  const legend = series
    .map((one) => ({ key: one.key, label: one.label, className: one.className, total: days.reduce((sum, day) => sum + input.count(day, one.key), 0) }))
    .filter((entry) => entry.total > 0)
  const top = [...legend].sort((a, b) => b.total - a.total)[0]
  return {
    id: input.id,
    title: input.title,
    desc: fillCount(input.texts.desc, grandTotal, {
      from: days[0] ? input.dayLabel(days[0]) : '',
      to: days.length > 0 ? input.dayLabel(days[days.length - 1]!) : '',
      top: top ? `${top.label} (${top.total})` : '—',
      max: String(Math.max(0, ...totals)),
    }),
    width: DAILY.width,
    height: DAILY.height,
    plot,
    bars,
    yTicks: Array.from({ length: Math.round(max / step) + 1 }, (_, index) => ({ y: round(plot.bottom - scale(index * step)), label: String(index * step) })),
    xLabels: days.flatMap((day, index) => (index % every === 0 ? [{ x: round(plot.left + (index + 0.5) * slot), label: input.dayLabel(day) }] : [])),
    legend,
    table: {
      caption: input.title,
      headers: [input.texts.day, ...legend.map((entry) => entry.label), input.texts.total],
      rows: days
        .map((day, index) => ({ day, total: totals[index] ?? 0 }))
        .filter((row) => row.total > 0)
        .map((row) => ({
          head: input.dayLabel(row.day),
          cells: [...legend.map((entry) => String(input.count(row.day, entry.key))), String(row.total)],
        })),
    },
    empty: grandTotal === 0,
  }
}

/** Horizontal bars, largest first: top areas, top units. */
export function buildRankingChart(input: { id: string; title: string; desc: string; labelHeader: string; valueHeader: string; rows: { label: string; value: number }[] }): RankingChartView {
  const max = Math.max(1, ...input.rows.map((row) => row.value))
  const barSpace = RANKING.width - RANKING.labelWidth - RANKING.valueWidth
  return {
    id: input.id,
    title: input.title,
    desc: input.desc,
    width: RANKING.width,
    height: Math.max(1, input.rows.length) * RANKING.rowHeight + 4,
    labelWidth: RANKING.labelWidth,
    rowHeight: RANKING.rowHeight,
    rows: input.rows.map((row, index) => ({
      y: index * RANKING.rowHeight + 2,
      barWidth: round(Math.max(2, (barSpace * row.value) / max)),
      label: row.label.length > 32 ? `${row.label.slice(0, 31)}…` : row.label,
      value: row.value,
      className: 'chart-s0',
    })),
    table: { caption: input.title, headers: [input.labelHeader, input.valueHeader], rows: input.rows.map((row) => ({ head: row.label, cells: [String(row.value)] })) },
    empty: input.rows.length === 0,
  }
}

/** A whole 1, 2 or 5 × 10ⁿ at or above the value: the axis reads in round counts. */
function niceStep(value: number): number {
  if (value <= 1) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power
  return 10 * power
}

function round(value: number): number {
  return Math.round(value * 10) / 10
}

/** Every yyyy-mm-dd from `from` to `to` inclusive (at most a year of them). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = []
  for (let at = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); at <= end && days.length < 366; at += DAY_MS) {
    days.push(new Date(at).toISOString().slice(0, 10))
  }
  return days
}

/** "23/11" for axis labels and table rows. */
export function shortDay(day: string): string {
  return `${day.slice(8, 10)}/${day.slice(5, 7)}`
}
