import { sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { credentials, scans } from '../../db/schema.ts'
import { DAY_MS, wibDay } from '../i18n/time.ts'


export interface DailyVerdictCount {
  /** yyyy-mm-dd in WIB. */
  day: string
  verdict: string
  count: number
}

/**
 * Verifications per WIB day and verdict in [from, to), `from` being the start of a WIB day.
 * With `officerIds`, only scans of passes and badges of those officers: a scan of a forged or
 * broken code belongs to no one's unit.
 */
export async function countScansByDayAndVerdict(db: Db, range: { from: number; to: number }, officerIds: Set<number> | null): Promise<DailyVerdictCount[]> {
  const scope =
    officerIds === null
      ? sql`1 = 1`
      : officerIds.size === 0
        ? sql`0 = 1`
        : sql`${scans.credentialId} in (select ${credentials.id} from ${credentials} where ${credentials.officerId} in (${sql.join([...officerIds].map((id) => sql`${id}`), sql`, `)}))`
  // One small query per day on the covering index scans_time_verdict: the table itself is never
  // read, and grouping a day's few thousand rows is cheaper than sorting a month's by day.
  const counts: DailyVerdictCount[] = []
  for (let dayStart = range.from; dayStart < range.to; dayStart += DAY_MS) {
    const dayEnd = Math.min(range.to, dayStart + DAY_MS)
    const day = wibDay(dayStart)
    const rows = await db.rows<{ verdict: string; count: number }>(sql`
      select ${scans.verdict} as verdict, count(*) as count from ${scans}
      where ${scans.scannedAt} >= ${dayStart} and ${scans.scannedAt} < ${dayEnd} and ${scope}
      group by ${scans.verdict}
    `)
    for (const row of rows) counts.push({ day, verdict: row.verdict, count: row.count })
  }
  return counts
}
