/** One figure compared with its goal; the bench reports misses but does not fail on them. */
export interface TargetCheck {
  name: string
  value: number | boolean
  goal: string
  shown: string
  pass: boolean
}

export function atLeast(name: string, value: number, limit: number, format: (n: number) => string): TargetCheck {
  return { name, value, goal: `≥ ${format(limit)}`, shown: format(value), pass: value >= limit }
}

export function below(name: string, value: number, limit: number, format: (n: number) => string): TargetCheck {
  return { name, value, goal: `< ${format(limit)}`, shown: format(value), pass: value < limit }
}

export function atMost(name: string, value: number, limit: number, format: (n: number) => string): TargetCheck {
  return { name, value, goal: `≤ ${format(limit)}`, shown: format(value), pass: value <= limit }
}

export function holds(name: string, value: boolean): TargetCheck {
  return { name, value, goal: 'yes', shown: value ? 'yes' : 'no', pass: value }
}

export const fmt = {
  int: (n: number) => Math.round(n).toLocaleString('en-US'),
  // autocannon reports latency in whole milliseconds; do not print precision it does not have.
  ms: (n: number) => (Number.isInteger(n) ? `${n} ms` : `${n.toFixed(2)} ms`),
  cores: (n: number | null) => (n === null ? 'n/a' : n.toFixed(2)),
  percent: (n: number) => `${(n * 100).toFixed(1)} %`,
  bytes: (n: number) => `${Math.round(n).toLocaleString('en-US')} B`,
}

/** A plain-text table: the first column left-aligned, the rest right-aligned (they are numbers). */
export function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)))
  const line = (cells: string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ')
  console.log(`\n${title}`)
  console.log(line(header))
  console.log(widths.map((width) => '-'.repeat(width)).join('  '))
  for (const row of rows) console.log(line(row))
}

export function printTargets(targets: TargetCheck[]): void {
  printTable(
    'Targets',
    ['target', 'measured', 'goal', 'result'],
    targets.map((target) => [target.name, target.shown, target.goal, target.pass ? 'PASS' : 'MISS']),
  )
}

/** One figure of a section that runs on both engines, for the PostgreSQL ÷ SQLite table. */
export interface ComparedFigure {
  figure: string
  /** null when the engine's run could not measure it (e.g. no /proc). */
  value: number | null
  format: (n: number) => string
}

export interface SectionResult {
  figures: Record<string, unknown>
  targets: TargetCheck[]
  /** The figures compared across engines (sections that run on both). */
  compared?: ComparedFigure[]
}

export const fmtUs = (n: number) => `${Math.round(n).toLocaleString('en-US')} µs`
