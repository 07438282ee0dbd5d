import { eq, or } from 'drizzle-orm'
import type { Db, Queries } from '../../db/client.ts'
import { campaignExclusions, campaignLinks } from '../../db/schema.ts'
import { audited } from '../audit/audit.ts'
import type { Clock } from '../config.ts'
import { DomainError } from '../errors.ts'
import { clusterReports, type Campaign } from './campaign-clusters.ts'
import { windowReport, type CampaignReport } from './campaign-window.ts'
import type { ReportScope } from './filters.ts'

// Campaigns: what callers use. The pieces: campaign-window.ts reads the recent reports (SQL),
// campaign-keys.ts says which keys reports share, campaign-clusters.ts groups them with
// disjoint-sets.ts; the people's merges and splits below are stored and applied on top.

/** Every campaign (two or more reports) with at least one report the user may see, newest activity first. */
export async function listCampaigns(db: Db, options: { now: number; scope: ReportScope }): Promise<Campaign[]> {
  return (await clusterReports(db, options))
    .filter((campaign) => campaign.reports.some((report) => report.visible))
    .sort((a, b) => b.lastAt - a.lastAt)
}

/** The campaign a report belongs to, if the user may see it; null otherwise. */
export async function findCampaignOfReport(db: Queries, options: { now: number; scope: ReportScope; ticket: string }): Promise<Campaign | null> {
  const campaign = (await clusterReports(db, options)).find((candidate) => candidate.reports.some((report) => report.ticket === options.ticket))
  return campaign && campaign.reports.some((report) => report.visible) ? campaign : null
}

/**
 * Merges the campaign of `ticket` with the campaign (or lone report) of `otherTicket`, by a
 * persisted link between the two, audited in the same transaction. Returns the merged campaign.
 */
export function mergeCampaigns(db: Db, clock: Clock, input: { ticket: string; otherTicket: string; scope: ReportScope; actor: string }): Promise<Campaign> {
  return audited(db, clock, async (tx) => {
    // Reads go through `tx` too: they see this transaction's writes.
    const now = clock.now()
    const campaign = await findCampaignOfReport(tx, { now, scope: input.scope, ticket: input.ticket })
    if (!campaign) throw new DomainError('campaign_not_found', 'There is no such campaign')
    const other = await windowReport(tx, { now, scope: input.scope, ticket: input.otherTicket })
    if (!other || !other.visible) throw new DomainError('campaign_report_not_found', 'No recent report has that ticket')
    if (campaign.reports.some((report) => report.id === other.id)) throw new DomainError('campaign_same', 'That report is already in this campaign')
    const anchor = campaign.reports[0]!
    await tx.insert(campaignLinks).values({ reportId: anchor.id, otherReportId: other.id, actor: input.actor, at: now })
    const merged = (await findCampaignOfReport(tx, { now, scope: input.scope, ticket: anchor.ticket }))!
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
export function splitReportFromCampaign(db: Db, clock: Clock, input: { ticket: string; reportTicket: string; scope: ReportScope; actor: string }): Promise<Campaign | null> {
  return audited(db, clock, async (tx) => {
    const now = clock.now()
    const campaign = await findCampaignOfReport(tx, { now, scope: input.scope, ticket: input.ticket })
    if (!campaign) throw new DomainError('campaign_not_found', 'There is no such campaign')
    const report = campaign.reports.find((candidate) => candidate.ticket === input.reportTicket)
    if (!report || !report.visible) throw new DomainError('campaign_report_not_found', 'That report is not in this campaign')
    const rest = campaign.reports.filter((candidate) => candidate.id !== report.id)

    await tx.insert(campaignExclusions).values({ reportId: report.id, actor: input.actor, at: now }).onConflictDoNothing()
    await tx.delete(campaignLinks).where(or(eq(campaignLinks.reportId, report.id), eq(campaignLinks.otherReportId, report.id)))
    // The report may have been the only bridge between parts of the campaign: join them again.
    const pieces = new Map<string, CampaignReport>()
    const clusters = await clusterReports(tx, { now, scope: input.scope })
    for (const member of rest) {
      const piece = clusters.find((cluster) => cluster.reports.some((candidate) => candidate.id === member.id))
      const key = piece?.anchor ?? member.ticket
      if (!pieces.has(key)) pieces.set(key, member)
    }
    const heads = [...pieces.values()]
    for (let i = 1; i < heads.length; i++) {
      await tx.insert(campaignLinks).values({ reportId: heads[0]!.id, otherReportId: heads[i]!.id, actor: input.actor, at: now })
    }
    const remaining = rest.length >= 2 ? await findCampaignOfReport(tx, { now, scope: input.scope, ticket: rest[0]!.ticket }) : null
    return {
      result: remaining,
      audit: { actor: input.actor, action: 'campaign.split', subject: `campaign:${campaign.anchor}`, details: { report: report.ticket, remaining: rest.length } },
    }
  })
}

