import type { Queries } from '../../db/client.ts'
import { campaignLinks } from '../../db/schema.ts'
import { describeKey, groupingKeys, normalizeArea, type CampaignReason } from './campaign-keys.ts'
import { readWindow, toCampaignReport, type CampaignReport } from './campaign-window.ts'
import { DisjointSets } from './disjoint-sets.ts'
import type { ReportScope } from './filters.ts'
import { loadPlaceIndex } from '../officers/areas.ts'
import { findOfficer } from '../officers/officers.ts'
import { isGenuineButNotValid } from './routing.ts'

export interface Campaign {
  /** The ticket of its first report the user may see: the campaign's name and address. */
  anchor: string
  reports: CampaignReport[]
  reasons: CampaignReason[]
  firstAt: number
  lastAt: number
  /** What the campaign's readable name is made of (the route words it), from the user's own reports only. */
  naming: CampaignNaming
}

export interface CampaignNaming {
  /** The officer its reports name, when they share one: `fake` when no report of them had a genuine pass. */
  officer: { employeeNo: string; name: string | null; fake: boolean } | null
  /** The area most of its reports come from: a kecamatan of the area table, else the typed place. */
  area: string | null
  /** When its first report (of the user's) came in. */
  firstAt: number
}

/** Union-find over the window: reports sharing any key, or linked by hand, end up in one set. */
export async function clusterReports(db: Queries, options: { now: number; scope: ReportScope }): Promise<Campaign[]> {
  const rows = (await readWindow(db, options.now, options.scope)).reverse()
  const indexOfId = new Map(rows.map((row, index) => [row.id, index]))
  const sets = new DisjointSets(rows.length)
  const firstWithKey = new Map<string, number>()
  // "Cikini", "Jl. Cikini Raya 12, Menteng" and "Gondangdia" are one area: the kecamatan the area
  // table puts them in; a place it does not know falls back to its normalised spelling.
  // Places repeat across reports: match each spelling once.
  const places = rows.length > 0 ? await loadPlaceIndex(db) : null
  const areas = new Map<string, string | null>()
  const areaOf = (location: string) => {
    let area = areas.get(location)
    if (area === undefined) areas.set(location, (area = places?.match(location)?.kecamatan ?? normalizeArea(location)))
    return area
  }
  const keysOf = rows.map((row) => groupingKeys(row, areaOf))
  // Campaigns of one claimed officer are many under a hoax: look each number up once.
  const officers = new Map<string, Promise<string | null>>()
  const officerNamed = (employeeNo: string) => {
    let name = officers.get(employeeNo)
    if (name === undefined) officers.set(employeeNo, (name = findOfficer(db, employeeNo).then((officer) => officer?.name ?? null)))
    return name
  }
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
      naming: { officer: null, area: null, firstAt: firstVisible.createdAt },
    })
    const campaign = campaigns[campaigns.length - 1]!
    campaign.naming = await nameCampaign(campaign, areaOf, officerNamed)
  }
  return campaigns
}

/** The officer and area a campaign is known by, read only from the reports the user may see. */
async function nameCampaign(campaign: Campaign, areaOf: (location: string) => string | null, officerNamed: (employeeNo: string) => Promise<string | null>): Promise<CampaignNaming> {
  const visible = campaign.reports.filter((report) => report.visible)
  const officerReason = campaign.reasons.find((reason) => reason.kind === 'officer')
  let officer: CampaignNaming['officer'] = null
  if (officerReason) {
    const named = visible.filter((report) => report.officerEmployeeNo !== null && report.officerEmployeeNo.trim().toUpperCase().replace(/\s+/g, '') === officerReason.value)
    const name = await officerNamed(named[0]?.officerEmployeeNo?.trim() ?? officerReason.value)
    const fake = named.length > 0 && named.every((report) => report.claimed && !isGenuineButNotValid(report.verdict))
    officer = { employeeNo: officerReason.value, name, fake }
  }
  const counts = new Map<string, number>()
  for (const report of visible) {
    const area = report.location ? areaOf(report.location) : null
    if (area) counts.set(area, (counts.get(area) ?? 0) + 1)
  }
  const area = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null
  return { officer, area, firstAt: campaign.naming.firstAt }
}

