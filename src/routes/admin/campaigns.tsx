import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { DomainError } from '../../errors.ts'
import type { AppEnv } from '../../http/env.ts'
import { renderError } from '../../http/errors.tsx'
import { formText, validForm } from '../../http/validate.ts'
import { fill, fillCount } from '../../i18n/index.ts'
import { formatAdminTime, wibDay } from '../../i18n/time.ts'
import type { Campaign } from '../../reports/campaign-clusters.ts'
import type { CampaignReason } from '../../reports/campaign-keys.ts'
import { CAMPAIGN_WINDOW_DAYS, type CampaignReport } from '../../reports/campaign-window.ts'
import { findCampaignOfReport, listCampaigns, mergeCampaigns, splitReportFromCampaign } from '../../reports/campaigns.ts'
import { reportScopeFor } from '../../reports/filters.ts'
import { normalizeTicket } from '../../reports/tracking.ts'
import { changeCampaignStatus, isAllowedTransition, TARGET_STATUSES } from '../../reports/triage.ts'
import { CampaignListPage, CampaignPage, type CampaignDetailView } from '../../../views/admin/campaigns.tsx'
import { buildDailyChart, daysBetween, shortDay } from './charts.ts'
import { adminAuth, adminFrame } from './context.ts'

const MergeForm = z.object({ other: formText })
const SplitForm = z.object({ report: formText })
const StatusForm = z.object({
  to: formText,
  // How many reports the user saw; anything but a whole number can never match (-1).
  size: formText.transform((value) => (/^[0-9]{1,6}$/.test(value) ? Number(value) : -1)),
})
import { pager } from './paging.ts'

const PAGE_SIZE = 50

/** /admin/campaigns: reports grouped into scam campaigns; merge and split by hand. */
export function adminCampaignRoutes() {
  const app = new Hono<AppEnv>()

  app.get('/', async (c) => {
    const { db, clock } = c.get('services')
    const t = c.get('t').adminInsights.campaigns
    const lang = c.get('lang')
    const page = Math.max(1, Math.min(10_000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1))
    const campaigns = await listCampaigns(db, { now: clock.now(), scope: await reportScopeFor(db, adminAuth(c)) })
    const view = {
      lead: fillCount(t.lead, CAMPAIGN_WINDOW_DAYS),
      rows: campaigns.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map((campaign) => {
        const visible = campaign.reports.filter((report) => report.visible)
        return {
          anchor: campaign.anchor,
          name: campaignName(c, campaign),
          href: campaignHref(campaign.anchor),
          size: visible.length,
          firstSeen: formatAdminTime(campaign.firstAt, lang),
          lastSeen: formatAdminTime(campaign.lastAt, lang),
          waiting: visible.filter((report) => report.status === 'new').length,
          reasons: campaign.reasons.map((reason) => describeReason(c, reason)),
        }
      }),
      pager: pager(c, { page, pageSize: PAGE_SIZE, total: campaigns.length }),
      notice: c.req.query('notice') === 'dissolved' ? t.dissolved : null,
    }
    return c.html(<CampaignListPage frame={adminFrame(c)} view={view} />)
  })

  app.get('/:ticket', async (c) => {
    const ticket = normalizeTicket(c.req.param('ticket'))
    const campaign = ticket ? await campaignFor(c, ticket) : null
    if (!campaign) return renderError(c, 404)
    // Any report's ticket finds its campaign; the address is the first report's.
    if (campaign.anchor !== c.req.param('ticket')) return c.redirect(campaignHref(campaign.anchor), 303)
    const t = c.get('t').adminInsights.campaigns
    const notice = c.req.query('notice') === 'status' ? statusNotice(c) : ({ merged: t.merged, split: t.splitDone }[c.req.query('notice') ?? ''] ?? null)
    return renderCampaign(c, campaign, notice, null)
  })

  app.post('/:ticket/status', validForm(StatusForm), async (c) => {
    const ticket = normalizeTicket(c.req.param('ticket'))
    const form = c.req.valid('form')
    const services = c.get('services')
    try {
      if (!ticket) throw new DomainError('campaign_not_found', 'There is no such campaign')
      const scope = await reportScopeFor(services.db, adminAuth(c))
      const done = await changeCampaignStatus(services, { ticket, scope, to: form.to, expectedSize: form.size, actor: adminAuth(c).user.username })
      const query = new URLSearchParams({ notice: 'status', to: done.to, changed: String(done.changed), skipped: String(done.skipped) })
      return c.redirect(`${campaignHref(done.anchor)}?${query}`, 303)
    } catch (error) {
      return renderRefusal(c, ticket, error)
    }
  })

  app.post('/:ticket/merge', validForm(MergeForm), async (c) => {
    const ticket = normalizeTicket(c.req.param('ticket'))
    const other = normalizeTicket(c.req.valid('form').other)
    const { db, clock } = c.get('services')
    try {
      if (!ticket) throw new DomainError('campaign_not_found', 'There is no such campaign')
      if (!other) throw new DomainError('campaign_report_not_found', 'No recent report has that ticket')
      const merged = await mergeCampaigns(db, clock, { ticket, otherTicket: other, scope: await reportScopeFor(db, adminAuth(c)), actor: adminAuth(c).user.username })
      return c.redirect(`${campaignHref(merged.anchor)}?notice=merged`, 303)
    } catch (error) {
      return renderRefusal(c, ticket, error)
    }
  })

  app.post('/:ticket/split', validForm(SplitForm), async (c) => {
    const ticket = normalizeTicket(c.req.param('ticket'))
    const report = normalizeTicket(c.req.valid('form').report)
    const { db, clock } = c.get('services')
    try {
      if (!ticket) throw new DomainError('campaign_not_found', 'There is no such campaign')
      if (!report) throw new DomainError('campaign_report_not_found', 'That report is not in this campaign')
      const remaining = await splitReportFromCampaign(db, clock, { ticket, reportTicket: report, scope: await reportScopeFor(db, adminAuth(c)), actor: adminAuth(c).user.username })
      return c.redirect(remaining ? `${campaignHref(remaining.anchor)}?notice=split` : '/admin/campaigns?notice=dissolved', 303)
    } catch (error) {
      return renderRefusal(c, ticket, error)
    }
  })

  return app
}

function campaignHref(anchor: string): string {
  return `/admin/campaigns/${anchor}`
}

async function campaignFor(c: Context<AppEnv>, ticket: string): Promise<Campaign | null> {
  const { db, clock } = c.get('services')
  return findCampaignOfReport(db, { now: clock.now(), scope: await reportScopeFor(db, adminAuth(c)), ticket })
}

/** A refused merge or split: the campaign page again with the reason, or a 404 when it is gone. */
async function renderRefusal(c: Context<AppEnv>, ticket: string | null, error: unknown) {
  if (!(error instanceof DomainError)) throw error
  const campaign = ticket ? await campaignFor(c, ticket) : null
  if (!campaign) return renderError(c, 404)
  const t = c.get('t')
  const message = t.adminInsights.campaigns.errors[error.code] ?? t.adminReports.errors[error.code] ?? error.message
  return renderCampaign(c, campaign, null, message, 422)
}

function renderCampaign(c: Context<AppEnv>, campaign: Campaign, notice: string | null, error: string | null, status: 200 | 422 = 200) {
  return c.html(<CampaignPage frame={adminFrame(c)} view={campaignView(c, campaign, notice, error)} />, status)
}

function campaignView(c: Context<AppEnv>, campaign: Campaign, notice: string | null, error: string | null): CampaignDetailView {
  const t = c.get('t')
  const ct = t.adminInsights.campaigns
  const lang = c.get('lang')
  const visible = campaign.reports.filter((report) => report.visible)
  const hidden = campaign.reports.length - visible.length
  const perDay = new Map<string, number>()
  for (const report of visible) perDay.set(wibDay(report.createdAt), (perDay.get(wibDay(report.createdAt)) ?? 0) + 1)
  const days = daysBetween(wibDay(campaign.firstAt), wibDay(campaign.lastAt))
  const base = campaignHref(campaign.anchor)
  return {
    anchor: campaign.anchor,
    title: campaignName(c, campaign),
    anchorText: fill(ct.detailTitle, { anchor: campaign.anchor }),
    reasons: campaign.reasons.map((reason) => describeReason(c, reason)),
    reports: visible.map((report) => ({
      ticket: report.ticket,
      href: `/admin/reports/${report.ticket}`,
      created: formatAdminTime(report.createdAt, lang),
      status: report.status,
      statusLabel: t.report.statuses[report.status],
      verdictLabel: t.report.verdicts[(report.verdict ?? 'none') as keyof typeof t.report.verdicts] ?? report.verdict ?? '',
      categoryLabel: report.category ? t.report.categories[report.category] : '—',
      location: report.location ?? '—',
      officer: report.officerEmployeeNo ?? '—',
      officerClaimed: report.claimed,
      splitLabel: fill(ct.splitLabel, { ticket: report.ticket }),
    })),
    hiddenNote: hidden > 0 ? fillCount(ct.hiddenReports, hidden) : null,
    chart: buildDailyChart({
      id: 'campaign-daily',
      title: ct.daily,
      texts: { desc: ct.dailyDesc, day: t.adminInsights.stats.day, total: t.adminInsights.stats.total, noData: t.adminInsights.stats.noData },
      days,
      series: [{ key: 'reports', label: ct.reports, className: 'chart-s0' }],
      count: (day) => perDay.get(day) ?? 0,
      dayLabel: shortDay,
    }),
    bulk: bulkStatusView(c, visible, `${base}/status`),
    mergeAction: `${base}/merge`,
    splitAction: `${base}/split`,
    notice,
    error,
  }
}

/** "3 reports changed to Forwarded. 1 report skipped: …", from the redirect after a change of many. */
function statusNotice(c: Context<AppEnv>): string | null {
  const t = c.get('t')
  const to = TARGET_STATUSES.find((status) => status === c.req.query('to'))
  const count = (name: string) => {
    const value = c.req.query(name) ?? ''
    return /^[0-9]{1,6}$/.test(value) ? Number(value) : null
  }
  const changed = count('changed')
  const skipped = count('skipped')
  if (!to || changed === null || skipped === null) return null
  const bulk = t.adminReports.bulk
  const text = fillCount(bulk.changed, changed, { status: t.report.statuses[to] })
  return skipped > 0 ? `${text} ${fillCount(bulk.skipped, skipped)}` : text
}

/** The form that moves every shown report at once; each choice says how many reports it would change. */
function bulkStatusView(c: Context<AppEnv>, visible: CampaignReport[], action: string): CampaignDetailView['bulk'] {
  const t = c.get('t')
  const bulk = t.adminReports.bulk
  const options = TARGET_STATUSES.map((status) => ({ status, movable: visible.filter((report) => isAllowedTransition(report.status, status)).length }))
    .filter((option) => option.movable > 0)
    .map(({ status, movable }) => ({ value: status, label: fillCount(bulk.option, movable, { status: t.report.statuses[status] }) }))
  return {
    action,
    size: visible.length,
    label: fillCount(bulk.label, visible.length),
    button: fillCount(bulk.button, visible.length),
    options,
  }
}

/**
 * A campaign's readable name: the officer its reports name (name if known, else the employee
 * number), the area, and the day it began: "Petugas palsu 'Budi Santoso' · Menteng · 1 Des 2026".
 */
function campaignName(c: Context<AppEnv>, campaign: Campaign): string {
  const rr = c.get('t').reportRouting
  const { officer, area, firstAt } = campaign.naming
  const [year = '', month = '', day = ''] = wibDay(firstAt).split('-')
  const date = `${Number(day)} ${rr.months[Number(month) - 1] ?? month} ${year}`
  const who = officer ? fill(officer.fake ? rr.campaignOfficer.claimed : rr.campaignOfficer.genuine, { name: officer.name ?? officer.employeeNo }) : null
  return [who, area, date].filter((part) => part !== null).join(' · ')
}

function describeReason(c: Context<AppEnv>, reason: CampaignReason): string {
  const ct = c.get('t').adminInsights.campaigns
  const text = fill(ct.reasonKinds[reason.kind], { value: reason.value, count: String(reason.count) })
  return reason.kind === 'manual' ? text : `${text} — ${fillCount(ct.reasonCount, reason.count)}`
}
