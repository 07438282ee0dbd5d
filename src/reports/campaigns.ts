import { eq, or, sql } from 'drizzle-orm'
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core'
import type { Db } from '../../db/client.ts'
import { campaignExclusions, campaignLinks, REPORT_STATUSES, reports } from '../../db/schema.ts'
import { audited } from '../audit/audit.ts'
import type { Clock } from '../config.ts'
import { DomainError } from '../errors.ts'
import type { ReportCategory } from './details.ts'
import { NO_REPORT_FILTERS, reportFilterSql, wibDay, type ReportScope } from './filters.ts'
import type { ReportStatus } from './reports.ts'

/**
 * Campaigns are computed, not stored: the reports of a recent window are joined (union-find)
 * whenever they share a key, and the people's merges and splits are applied on top. Bounding
 * the window keeps this a few milliseconds however long the service has run.
 */
export const CAMPAIGN_WINDOW_DAYS = 60
export const CAMPAIGN_WINDOW_MAX_REPORTS = 10_000
const DAY_MS = 24 * 3600 * 1000

/** Why reports were grouped: the same claimed or genuine officer, token, pass, area on one day, or a person's merge. */
export type CampaignReasonKind = 'officer' | 'token' | 'pass' | 'area_day' | 'manual'

export interface CampaignReason {
  kind: CampaignReasonKind
  /** The shared value: an employee number, a hash prefix, a pass id, "area · day"; empty for manual. */
  value: string
  /** How many of the campaign's reports share it (for manual: how many merges). */
  count: number
}

export interface CampaignReport {
  id: number
  ticket: string
  createdAt: number
  status: ReportStatus
  verdict: string | null
  category: ReportCategory | null
  location: string | null
  /** The genuine officer (valid reports) or, failing that, the employee number the token claimed. */
  officerEmployeeNo: string | null
  claimed: boolean
  /** Whether the user may see this report (supervisors see their units' only). */
  visible: boolean
}

export interface Campaign {
  /** The ticket of its first report the user may see: the campaign's name and address. */
  anchor: string
  reports: CampaignReport[]
  reasons: CampaignReason[]
  firstAt: number
  lastAt: number
}

interface WindowRow {
  id: number
  ticket: string
  createdAt: number
  status: ReportStatus
  verdict: string | null
  category: ReportCategory | null
  location: string | null
  subjectHash: string | null
  credentialId: string | null
  officerEmployeeNo: string | null
  claimedSub: string | number | null
  claimedJti: string | number | null
  excluded: number
  visible: number
}

/** Every campaign (two or more reports) with at least one report the user may see, newest activity first. */
export function listCampaigns(db: Db, options: { now: number; scope: ReportScope }): Campaign[] {
  return clusterReports(db, options)
    .filter((campaign) => campaign.reports.some((report) => report.visible))
    .sort((a, b) => b.lastAt - a.lastAt)
}

/** The campaign a report belongs to, if the user may see it; null otherwise. */
export function findCampaignOfReport(db: Db, options: { now: number; scope: ReportScope; ticket: string }): Campaign | null {
  const campaign = clusterReports(db, options).find((candidate) => candidate.reports.some((report) => report.ticket === options.ticket))
  return campaign && campaign.reports.some((report) => report.visible) ? campaign : null
}

/**
 * Merges the campaign of `ticket` with the campaign (or lone report) of `otherTicket`, by a
 * persisted link between the two, audited in the same transaction. Returns the merged campaign.
 */
export function mergeCampaigns(db: Db, clock: Clock, input: { ticket: string; otherTicket: string; scope: ReportScope; actor: string }): Campaign {
  return audited(db, clock, (tx) => {
    // Reads go through `db`: one connection, so they see this transaction and its writes.
    const now = clock.now()
    const campaign = findCampaignOfReport(db, { now, scope: input.scope, ticket: input.ticket })
    if (!campaign) throw new DomainError('campaign_not_found', 'There is no such campaign')
    const other = windowReport(db, { now, scope: input.scope, ticket: input.otherTicket })
    if (!other || !other.visible) throw new DomainError('campaign_report_not_found', 'No recent report has that ticket')
    if (campaign.reports.some((report) => report.id === other.id)) throw new DomainError('campaign_same', 'That report is already in this campaign')
    const anchor = campaign.reports[0]!
    tx.insert(campaignLinks).values({ reportId: anchor.id, otherReportId: other.id, actor: input.actor, at: now }).run()
    const merged = findCampaignOfReport(db, { now, scope: input.scope, ticket: anchor.ticket })!
    return {
      result: merged,
      audit: { actor: input.actor, action: 'campaign.merged', subject: `campaign:${merged.anchor}`, details: { from: campaign.anchor, with: other.ticket, reports: merged.reports.length } },
    }
  })
}

/**
 * Takes one report out of its campaign: it joins no campaign automatically any more, its manual
 * links go, and the rest of the campaign stays together (linked again where the report was
 * the only bridge). Returns what remains of the campaign, or null when fewer than two remain.
 */
export function splitReportFromCampaign(db: Db, clock: Clock, input: { ticket: string; reportTicket: string; scope: ReportScope; actor: string }): Campaign | null {
  return audited(db, clock, (tx) => {
    const now = clock.now()
    const campaign = findCampaignOfReport(db, { now, scope: input.scope, ticket: input.ticket })
    if (!campaign) throw new DomainError('campaign_not_found', 'There is no such campaign')
    const report = campaign.reports.find((candidate) => candidate.ticket === input.reportTicket)
    if (!report || !report.visible) throw new DomainError('campaign_report_not_found', 'That report is not in this campaign')
    const rest = campaign.reports.filter((candidate) => candidate.id !== report.id)

    tx.insert(campaignExclusions).values({ reportId: report.id, actor: input.actor, at: now }).onConflictDoNothing().run()
    tx.delete(campaignLinks)
      .where(or(eq(campaignLinks.reportId, report.id), eq(campaignLinks.otherReportId, report.id)))
      .run()
    // The report may have been the only bridge between parts of the campaign: join them again.
    const pieces = new Map<string, CampaignReport>()
    const clusters = clusterReports(db, { now, scope: input.scope })
    for (const member of rest) {
      const piece = clusters.find((cluster) => cluster.reports.some((candidate) => candidate.id === member.id))
      const key = piece?.anchor ?? member.ticket
      if (!pieces.has(key)) pieces.set(key, member)
    }
    const heads = [...pieces.values()]
    for (let i = 1; i < heads.length; i++) {
      tx.insert(campaignLinks).values({ reportId: heads[0]!.id, otherReportId: heads[i]!.id, actor: input.actor, at: now }).run()
    }
    const remaining = rest.length >= 2 ? findCampaignOfReport(db, { now, scope: input.scope, ticket: rest[0]!.ticket }) : null
    return {
      result: remaining,
      audit: { actor: input.actor, action: 'campaign.split', subject: `campaign:${campaign.anchor}`, details: { report: report.ticket, remaining: rest.length } },
    }
  })
}

/** "Kel. Cikini", "KELURAHAN  cikini" and "Cikini" are one area; null when too short to mean a place. */
export function normalizeArea(location: string | null): string | null {
  if (!location) return null
  let text = location
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
  for (let previous = ''; previous !== text; ) {
    previous = text
    text = text.replace(/^(kel|kelurahan|ds|desa|dsn|dusun|kp|kampung|kec|kecamatan)\s+/, '')
  }
  return text.length >= 3 ? text : null
}

/**
 * The keys a report may share with others, as `<kind>\u0001<value>` strings (cheap to build and
 * compare for ten thousand reports; decoded only for the few that become a campaign's reasons).
 * A split report has none.
 */
function groupingKeys(row: WindowRow, areaOf: (location: string) => string | null): string[] {
  if (row.excluded) return []
  const keys: string[] = []
  const officer = normalizeEmployeeNo(row.officerEmployeeNo ?? row.claimedSub)
  if (officer) keys.push(`officer${KEY_SEPARATOR}${officer}`)
  if (row.subjectHash) keys.push(`token${KEY_SEPARATOR}${row.subjectHash}`)
  const pass = row.credentialId ?? (row.claimedJti === null ? null : String(row.claimedJti).slice(0, 64))
  if (pass) keys.push(`pass${KEY_SEPARATOR}${pass}`)
  const area = row.location ? areaOf(row.location) : null
  // The Jakarta day as a day number; turned into a date only for display.
  if (area) keys.push(`area_day${KEY_SEPARATOR}${area}${KEY_SEPARATOR}${Math.floor((row.createdAt + WIB_OFFSET_MS) / DAY_MS)}`)
  return keys
}

const KEY_SEPARATOR = '\u0001'
const WIB_OFFSET_MS = 7 * 3600 * 1000

function describeKey(key: string, count: number): CampaignReason {
  const [kind = '', value = '', dayNumber] = key.split(KEY_SEPARATOR)
  if (kind === 'token') return { kind, value: `sha256 ${value.slice(0, 12)}…`, count }
  if (kind === 'area_day') return { kind, value: `${value} · ${wibDay(Number(dayNumber) * DAY_MS)}`, count }
  return { kind: kind as 'officer' | 'pass', value, count }
}

function normalizeEmployeeNo(value: string | number | null): string | null {
  if (value === null) return null
  const text = String(value).trim().toUpperCase().replace(/\s+/g, '')
  return text.length >= 3 ? text.slice(0, 64) : null
}

type WindowTuple = [
  id: number,
  ticket: string,
  createdAt: number,
  status: ReportStatus,
  verdict: string | null,
  category: ReportCategory | null,
  location: string | null,
  subjectHash: string | null,
  credentialId: string | null,
  officerEmployeeNo: string | null,
  claimedSub: string | number | null,
  claimedJti: string | number | null,
  excluded: number,
  visible: number,
]

/**
 * The recent reports, newest first. Read as arrays (better-sqlite3 `raw`): building ten thousand
 * row objects in the driver costs more than the query itself.
 */
function readWindow(db: Db, now: number, scope: ReportScope, where = sql`1 = 1`): WindowRow[] {
  const query = dialect.sqlToQuery(sql`
    select ${reports.id}, ${reports.ticket}, ${reports.createdAt}, ${reports.status}, ${reports.verdict}, ${reports.category}, ${reports.location},
      ${reports.subjectHash}, ${reports.credentialId}, ${reports.officerEmployeeNo},
      ${reports.unverifiedClaims} ->> '$.sub', ${reports.unverifiedClaims} ->> '$.jti',
      exists (select 1 from ${campaignExclusions} where ${campaignExclusions.reportId} = ${reports.id}),
      case when ${reportFilterSql(NO_REPORT_FILTERS, scope)} then 1 else 0 end
    from ${reports}
    where ${reports.createdAt} >= ${now - CAMPAIGN_WINDOW_DAYS * DAY_MS} and ${where}
    order by ${reports.createdAt} desc, ${reports.id} desc
    limit ${CAMPAIGN_WINDOW_MAX_REPORTS}
  `)
  const tuples = db.$client.prepare(query.sql).raw(true).all(...(query.params as unknown[])) as WindowTuple[]
  return tuples.map(([id, ticket, createdAt, status, verdict, category, location, subjectHash, credentialId, officerEmployeeNo, claimedSub, claimedJti, excluded, visible]) => ({
    id,
    ticket,
    createdAt,
    status,
    verdict,
    category,
    location,
    subjectHash,
    credentialId,
    officerEmployeeNo,
    claimedSub,
    claimedJti,
    excluded,
    visible,
  }))
}

const dialect = new SQLiteSyncDialect()

function windowReport(db: Db, options: { now: number; scope: ReportScope; ticket: string }): CampaignReport | null {
  const row = readWindow(db, options.now, options.scope, sql`${reports.ticket} = ${options.ticket}`)[0]
  return row ? toCampaignReport(row) : null
}

function toCampaignReport(row: WindowRow): CampaignReport {
  const claimed = row.officerEmployeeNo === null && row.claimedSub !== null
  return {
    id: row.id,
    ticket: row.ticket,
    createdAt: row.createdAt,
    status: REPORT_STATUSES.includes(row.status) ? row.status : 'new',
    verdict: row.verdict,
    category: row.category,
    location: row.location,
    officerEmployeeNo: row.officerEmployeeNo ?? (row.claimedSub === null ? null : String(row.claimedSub)),
    claimed,
    visible: row.visible === 1,
  }
}

/** Union-find over the window: reports sharing any key, or linked by hand, end up in one set. */
function clusterReports(db: Db, options: { now: number; scope: ReportScope }): Campaign[] {
  const rows = readWindow(db, options.now, options.scope).reverse()
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
  const links = db.select({ a: campaignLinks.reportId, b: campaignLinks.otherReportId }).from(campaignLinks).all()
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

class DisjointSets {
  readonly #parent: Int32Array
  readonly #rank: Uint8Array

  constructor(size: number) {
    this.#parent = Int32Array.from({ length: size }, (_, index) => index)
    this.#rank = new Uint8Array(size)
  }

  find(index: number): number {
    let root = index
    while (this.#parent[root] !== root) root = this.#parent[root]!
    // Path compression: later finds are near constant time.
    for (let node = index; this.#parent[node] !== root; ) {
      const next = this.#parent[node]!
      this.#parent[node] = root
      node = next
    }
    return root
  }

  union(a: number, b: number): void {
    const rootA = this.find(a)
    const rootB = this.find(b)
    if (rootA === rootB) return
    const rankA = this.#rank[rootA]!
    const rankB = this.#rank[rootB]!
    if (rankA < rankB) this.#parent[rootA] = rootB
    else if (rankA > rankB) this.#parent[rootB] = rootA
    else {
      this.#parent[rootB] = rootA
      this.#rank[rootA] = rankA + 1
    }
  }
}
