import type { ChartTable, DailyChartView, RankingChartView } from '../../src/routes/admin/charts.ts'
import { DataTable } from './parts.tsx'

/** Bars per day, stacked; the numbers follow as a table (screen readers, print, colour blindness). */
export function DailyChart({ chart, noData }: { chart: DailyChartView; noData: string }) {
  if (chart.empty) return <p class="card hint">{noData}</p>
  const { plot } = chart
  return (
    <figure class="chart" id={chart.id}>
      <svg class="chart-svg" viewBox={`0 0 ${chart.width} ${chart.height}`} role="img" aria-labelledby={`${chart.id}-title ${chart.id}-desc`}>
        <title id={`${chart.id}-title`}>{chart.title}</title>
        <desc id={`${chart.id}-desc`}>{chart.desc}</desc>
        {chart.yTicks.map((tick) => (
          <g>
            <line class="chart-grid" x1={plot.left} x2={plot.right} y1={tick.y} y2={tick.y} />
            <text class="chart-axis" x={plot.left - 6} y={tick.y + 4} text-anchor="end">
              {tick.label}
            </text>
          </g>
        ))}
        {chart.bars.map((bar) =>
          bar.segments.map((segment) => (
            <rect class={segment.className} x={bar.x} y={segment.y} width={bar.width} height={segment.height}>
              <title>{segment.title}</title>
            </rect>
          )),
        )}
        {chart.xLabels.map((label) => (
          <text class="chart-axis" x={label.x} y={plot.bottom + 18} text-anchor="middle">
            {label.label}
          </text>
        ))}
      </svg>
      <figcaption>
        <ul class="chart-legend">
          {chart.legend.map((entry) => (
            <li>
              <svg class="chart-swatch" viewBox="0 0 10 10" aria-hidden="true">
                <rect class={entry.className} width="10" height="10" />
              </svg>
              {entry.label}: <strong>{entry.total}</strong>
            </li>
          ))}
        </ul>
      </figcaption>
      <ChartNumbers table={chart.table} />
    </figure>
  )
}

/** Horizontal bars, largest first, with the same numbers as a table. */
export function RankingChart({ chart, noData }: { chart: RankingChartView; noData: string }) {
  if (chart.empty) return <p class="card hint">{noData}</p>
  return (
    <figure class="chart" id={chart.id}>
      <svg class="chart-svg" viewBox={`0 0 ${chart.width} ${chart.height}`} role="img" aria-labelledby={`${chart.id}-title ${chart.id}-desc`}>
        <title id={`${chart.id}-title`}>{chart.title}</title>
        <desc id={`${chart.id}-desc`}>{chart.desc}</desc>
        {chart.rows.map((row) => (
          <g>
            <text class="chart-label" x={chart.labelWidth - 8} y={row.y + chart.rowHeight / 2 + 4} text-anchor="end">
              {row.label}
            </text>
            <rect class={row.className} x={chart.labelWidth} y={row.y + 3} width={row.barWidth} height={chart.rowHeight - 8}>
              <title>{`${row.label}: ${row.value}`}</title>
            </rect>
            <text class="chart-label" x={chart.labelWidth + row.barWidth + 6} y={row.y + chart.rowHeight / 2 + 4}>
              {row.value}
            </text>
          </g>
        ))}
      </svg>
      <ChartNumbers table={chart.table} />
    </figure>
  )
}

function ChartNumbers({ table }: { table: ChartTable }) {
  return (
    <DataTable caption={table.caption} class="chart-data" headers={table.headers}>
      {table.rows.map((row) => (
        <tr>
          <th scope="row">{row.head}</th>
          {row.cells.map((cell) => (
            <td class="number">{cell}</td>
          ))}
        </tr>
      ))}
    </DataTable>
  )
}
