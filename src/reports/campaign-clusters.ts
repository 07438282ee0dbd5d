import type { Queries } from '../../db/client.ts'
import { campaignLinks } from '../../db/schema.ts'
import { describeKey, groupingKeys, normalizeArea, type CampaignReason } from './campaign-keys.ts'
import { readWindow, toCampaignReport, type CampaignReport } from './campaign-window.ts'
import { DisjointSets } from './disjoint-sets.ts'
import type { ReportScope } from './filters.ts'

export interface Campaign {
  /** The ticket of its first report the user may see: the campaign's name and address. */
  anchor: string
  reports: CampaignReport[]
  reasons: CampaignReason[]
  firstAt: number
  lastAt: number
}

/** Union-find over the window: reports sharing any key, or linked by hand, end up in one set. */
export async function clusterReports(db: Queries, options: { now: number; scope: ReportScope }): Promise<Campaign[]> {
  const rows = (await readWindow(db, options.now, options.scope)).reverse()
  const indexOfId = new Map(rows.map((row, index) => [row.id, index]))
  const sets = new DisjointSets(rows.length)
  const firstWithKey = new Map<string, number>()
  // Places repeat across reports: normalise each spelling once.
  const areas = new Map<string, string | null>()
  const areaOf = (location: string) => {
    let area = areas.get(location)
    if (area === undefined) areas.set(location, (area = normalizeArea(location)))
    return area
  }
  const keysOf = rows.map((row) => groupingKeys(row, areaOf))
  keysOf.forEach((keys, index) => {
    for (const key of keys) {
      const first = firstWithKey.get(key)
      if (first === undefined) firstWithKey.set(key, index)
      else sets.union(first, index)
    }
  })
  // Manual decisions are few (people make them one at a time): read them all.
  const links = await db.select({ a: campaignLinks.reportId, b: campaignLinks.otherReportId }).from(campaignLinks)
  const linked: number[] = []
  for (const link of links) {
    const a = indexOfId.get(link.a)
    const b = indexOfId.get(link.b)
    if (a === undefined || b === undefined) continue
    sets.union(a, b)
    linked.push(a)
  }
  const mergesByRoot = new Map<number, number>()
  for (const index of linked) mergesByRoot.set(sets.find(index), (mergesByRoot.get(sets.find(index)) ?? 0) + 1)

  const members = new Map<number, number[]>()
  rows.forEach((_, index) => {
    const root = sets.find(index)
    const list = members.get(root)
    if (list) list.push(index)
    else members.set(root, [index])
  })
  const campaigns: Campaign[] = []
  for (const [root, indexes] of members) {
    if (indexes.length < 2) continue
    const shared = new Map<string, number>()
    const seenByUser = new Set<string>()
    for (const index of indexes) {
      for (const key of keysOf[index] ?? []) {
        shared.set(key, (shared.get(key) ?? 0) + 1)
        if (rows[index]!.visible) seenByUser.add(key)
      }
    }
    const merges = mergesByRoot.get(root) ?? 0
    // A reason is named only when one of the user's own reports has it: a supervisor learns why
    // their report is in the campaign, not what reports of other units say.
    const reasons = [...shared]
      .filter(([key, count]) => count >= 2 && seenByUser.has(key))
      .map(([key, count]) => describeKey(key, count))
      .sort((a, b) => b.count - a.count)
    if (merges > 0) reasons.push({ kind: 'manual', value: '', count: merges })
    const campaignReports = indexes.map((index) => toCampaignReport(rows[index]!))
    const firstVisible = campaignReports.find((report) => report.visible) ?? campaignReports[0]!
    campaigns.push({
      // Named after the user's first report of it, so a supervisor never sees another unit's ticket.
      anchor: firstVisible.ticket,
      reports: campaignReports,
      reasons,
      firstAt: campaignReports[0]!.createdAt,
      lastAt: campaignReports[campaignReports.length - 1]!.createdAt,
    })
  }
  return campaigns
}

