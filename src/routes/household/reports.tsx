import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { z } from 'zod'
import { driverError } from '../../../db/client.ts'
import { ErrorPage } from '../../../views/error.tsx'
import { DETAILS_SAVED_ID, ReportForm, YOUR_DATA_ID, TicketPage, TicketPanel, type ReportInput } from '../../../views/report.tsx'
import type { AppEnv } from '../../http/env.ts'
import { renderError } from '../../http/errors.tsx'
import { formText, formValues, optionalFormText, validForm, validJson } from '../../http/validate.ts'
import { rateLimitKey } from '../../http/middleware.ts'
import { fillCount } from '../../i18n/index.ts'
import { NO_DETAILS, parseReportDetails, type ReportDetails } from '../../reports/details.ts'
import { presentTicket, type TicketView, type TicketViewOptions } from '../../reports/present.ts'
import { eraseReportDetails, restrictReportProcessing, saveReporterDetails } from '../../reports/reporter-rights.ts'
import { verifyAndFileReport, type FiledReport, type Report } from '../../reports/reports.ts'
import { describeSubject, type ReportSubject } from '../../reports/subject.ts'
import { findReportForReporter, trackingPath, trackingUrl } from '../../reports/tracking.ts'

/** A token (≤ 2 KB) and a note of 1,000 characters, percent- or JSON-escaped, fit with room to spare. */
const MAX_BODY_BYTES = 16 * 1024
/** More answers than the catalog has, repeated: room for a sloppy client, none for a flood. */
const MAX_CATEGORIES_SENT = 20

const ApiReportRequest = z.object({
  token: z.string().nullish(),
  code: z.string().nullish(),
  category: z.string().nullish(),
  /** Several answers at once; `category` alone still works, and both together are merged. */
  categories: z.array(z.string()).max(MAX_CATEGORIES_SENT).nullish(),
  note: z.string().nullish(),
  phone: z.string().nullish(),
  location: z.string().nullish(),
  latitude: z.union([z.number(), z.string()]).nullish(),
  longitude: z.union([z.number(), z.string()]).nullish(),
})

const OneTapReportForm = z.object({ token: optionalFormText, code: optionalFormText })

/** The reporter's rights: erasure asks once more (`confirm`), restriction takes effect on the tap. */
const RightsForm = z.object({ k: formText, confirm: optionalFormText })

const DetailsForm = z.object({
  k: formText,
  category: optionalFormText,
  note: optionalFormText,
  phone: optionalFormText,
  location: optionalFormText,
  latitude: optionalFormText,
  longitude: optionalFormText,
})

/** Scam reports: the one-tap form, the JSON API, the ticket page and its details form. */
export function reportRoutes() {
  const app = new Hono<AppEnv>()
  const limitBody = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => renderError(c as Context<AppEnv>, 413) })

  app.post('/reports', limitBody, validForm(OneTapReportForm), async (c) => {
    const form = c.req.valid('form')
    const subject = subjectOf(form.token, form.code)
    const retryAfter = await consumeReportLimits(c, subject)
    if (retryAfter) return refuseReport(c, subject, 429, fillCount(c.get('t').report.tooMany, Math.ceil(retryAfter / 60)), retryAfter)
    const filed = await fileReport(c, subject, NO_DETAILS, 'web')
    if (!filed) return refuseReport(c, subject, 500, c.get('t').report.failed)
    if (isHtmx(c)) return c.html(<TicketPanel t={c.get('t')} view={await ticketView(c, filed.report, filed.trackingKey)} />)
    // Post/redirect/get: a reload of the ticket page never files a second report.
    return c.redirect(trackingPath(filed.report.ticket, filed.trackingKey), 303)
  })

  const validReportJson = validJson(ApiReportRequest, {
    malformed: (c) => c.json({ error: 'invalid_json', message: c.get('t').report.requestProblems.invalid_json }, 400),
    invalid: (c) => c.json({ error: 'invalid_fields', message: c.get('t').report.requestProblems.invalid_fields }, 400),
  })

  app.post('/api/v1/reports', limitBody, validReportJson, async (c) => {
    const t = c.get('t')
    const { token, code, ...raw } = c.req.valid('json')
    if (token && code) return c.json({ error: 'token_and_code', message: t.report.requestProblems.token_and_code }, 400)
    const { details, problems } = parseReportDetails(raw)
    const problem = Object.values(problems)[0]
    if (problem) return c.json({ error: problem, message: t.report.problems[problem] }, 400)
    const subject = subjectOf(token, code)
    const retryAfter = await consumeReportLimits(c, subject)
    if (retryAfter) {
      c.header('Retry-After', String(retryAfter))
      return c.json({ error: 'rate_limited', message: fillCount(t.report.tooMany, Math.ceil(retryAfter / 60)) }, 429)
    }
    const filed = await fileReport(c, subject, details, 'api')
    if (!filed) return c.json({ error: 'unavailable', message: t.report.failed, requestId: c.get('requestId') }, 503)
    return c.json({ ticket: filed.report.ticket, trackingUrl: trackingUrl(c.get('services').config, filed.report.ticket, filed.trackingKey) }, 201)
  })

  app.get('/r/:ticket', async (c) => {
    const key = c.req.query('k') ?? ''
    const report = await findForReporter(c, key)
    if (report === 'blocked') return renderError(c, 429, { retryAfter: 600 })
    if (!report) return renderError(c, 404)
    const done = c.req.query('done')
    return renderTicketPage(c, report, key, { saved: c.req.query('saved') === '1', rightsDone: done === 'erased' || done === 'restricted' ? done : null })
  })

  app.post('/r/:ticket/details', limitBody, validForm(DetailsForm), async (c) => {
    const { k: key, ...fields } = c.req.valid('form')
    // The checkboxes of "Apa yang terjadi?" repeat one name; validForm keeps only its last value.
    const categories = formValues(await c.req.parseBody({ all: true }), 'category')
    const found = await findForChange(c, key)
    if ('refused' in found) return found.refused
    const { report } = found
    const { details, problems } = parseReportDetails({ ...fields, category: null, categories })
    if (Object.keys(problems).length > 0) return respondWithTicket(c, report, key, { rejected: { details, problems } }, 400)
    const saved = await saveReporterDetails(c.get('services'), report, details)
    if (saved.kind === 'erased') return respondWithTicket(c, report, key, { rightsError: c.get('t').reporterRights.problems.erased }, 409)
    if (isHtmx(c)) return respondWithTicket(c, saved.report, key, { saved: true })
    // The fragment brings the confirmation, next to the button just tapped, into view.
    return c.redirect(`${trackingPath(report.ticket, key)}&saved=1#${DETAILS_SAVED_ID}`, 303)
  })

  app.post('/r/:ticket/erase', limitBody, validForm(RightsForm), async (c) => {
    const { k: key, confirm } = c.req.valid('form')
    const found = await findForChange(c, key)
    if ('refused' in found) return found.refused
    const { report } = found
    // Without JavaScript the confirmation is a page of its own; nothing is erased until it is answered.
    if (confirm !== 'yes') return renderTicketPage(c, report, key, { confirmErase: true })
    await eraseReportDetails(c.get('services'), report)
    return c.redirect(`${trackingPath(report.ticket, key)}&done=erased#${YOUR_DATA_ID}`, 303)
  })

  app.post('/r/:ticket/restrict', limitBody, validForm(RightsForm), async (c) => {
    const found = await findForChange(c, c.req.valid('form').k)
    if ('refused' in found) return found.refused
    const { report } = found
    await restrictReportProcessing(c.get('services'), report)
    return c.redirect(`${trackingPath(report.ticket, c.req.valid('form').k)}&done=restricted#${YOUR_DATA_ID}`, 303)
  })

  return app
}

/** Files the report (its verdict checked by us, never taken from the form). Null when it could not be saved. */
async function fileReport(c: Context<AppEnv>, subject: ReportSubject | null, details: ReportDetails, channel: 'web' | 'api'): Promise<FiledReport | null> {
  const via = subject?.kind === 'code' ? 'code' : channel === 'api' ? 'api' : 'page'
  try {
    return await verifyAndFileReport(c.get('services'), c.get('verifier'), { subject, details, clientAddress: c.get('clientAddress'), via, channel })
  } catch (error) {
    console.error(`[${c.get('requestId')}] report could not be saved:`, driverError(error))
    return null
  }
}

/**
 * Seconds to wait when this client has filed too many reports lately, or too many about this
 * token or code, or when this token or code has drawn too many from anywhere. The per-address
 * limit is generous (a carrier NAT address is many households); the strict one is per address
 * and target, so one sender's reports never refuse another household's report of another visitor.
 */
async function consumeReportLimits(c: Context<AppEnv>, subject: ReportSubject | null): Promise<number | null> {
  const rateLimits = c.get('rateLimits')
  if (!rateLimits.enabled) return null
  const now = c.get('services').clock.now()
  const client = rateLimitKey(c)
  const perClient = await rateLimits.reportsPerClient.consume(client, now)
  if (perClient || !subject) return perClient
  const target = describeSubject(subject).hash
  return (await rateLimits.reportsPerClientAndTarget.consume(`${client}\n${target}`, now)) ?? (await rateLimits.reportsPerTarget.consume(target, now))
}

/**
 * The report of this ticket for the holder of its key. The right key is always answered; wrong
 * keys are counted per client and per ticket, and past either limit answered 'blocked' instead
 * of "not found". That tells an over-limit guesser nothing he could use: a key has 128 random bits.
 */
async function findForReporter(c: Context<AppEnv>, key: string): Promise<Report | null | 'blocked'> {
  const rateLimits = c.get('rateLimits')
  const ticket = c.req.param('ticket') ?? ''
  const report = await findReportForReporter(c.get('services'), ticket, key)
  if (report || !rateLimits.enabled) return report
  const now = c.get('services').clock.now()
  const overClient = await rateLimits.badTrackingKeysPerClient.consume(rateLimitKey(c), now)
  const overTicket = await rateLimits.badTrackingKeysPerTicket.consume(ticket.toUpperCase(), now)
  return overClient || overTicket ? 'blocked' : null
}

/**
 * The report a form of the tracking page changes: only for the holder of its key (wrong keys
 * limited as on the page), and each ticket's changes limited too. Otherwise the error page to send.
 */
async function findForChange(c: Context<AppEnv>, key: string): Promise<{ report: Report } | { refused: ReturnType<typeof renderError> }> {
  const report = await findForReporter(c, key)
  if (report === 'blocked') return { refused: renderError(c, 429, { retryAfter: 600 }) }
  if (!report) return { refused: renderError(c, 404) }
  const rateLimits = c.get('rateLimits')
  if (rateLimits.enabled && (await rateLimits.reportUpdatesPerTicket.consume(report.ticket, c.get('services').clock.now()))) {
    return { refused: renderError(c, 429, { retryAfter: 600 }) }
  }
  return { report }
}

/** The form could not file the report: say why, with the way to call 123, as a page or as the swapped form. */
function refuseReport(c: Context<AppEnv>, subject: ReportSubject | null, status: 429 | 500, text: string, retryAfter?: number) {
  const t = c.get('t')
  if (retryAfter) c.header('Retry-After', String(retryAfter))
  if (isHtmx(c)) return c.html(<ReportForm t={t} input={subject && formInput(subject)} error={text} />, status)
  return c.html(<ErrorPage t={t} langSwitchHref={`/?lang=${otherLang(c)}`} title={t.report.notSavedTitle} text={text} />, status)
}

async function respondWithTicket(c: Context<AppEnv>, report: Report, key: string, options: TicketViewOptions, status: 200 | 400 | 409 = 200) {
  if (isHtmx(c)) return c.html(<TicketPanel t={c.get('t')} view={await ticketView(c, report, key, options)} />, status)
  return renderTicketPage(c, report, key, options, status)
}

async function renderTicketPage(c: Context<AppEnv>, report: Report, key: string, options: TicketViewOptions, status: 200 | 400 | 409 = 200) {
  const view = await ticketView(c, report, key, options)
  // The generic language switch would drop the tracking key from the URL.
  return c.html(<TicketPage t={c.get('t')} langSwitchHref={`${view.trackingPath}&lang=${otherLang(c)}`} view={view} />, status)
}

function ticketView(c: Context<AppEnv>, report: Report, key: string, options: TicketViewOptions = {}): Promise<TicketView> {
  return presentTicket(c.get('services'), report, key, c.get('t'), c.get('lang'), options)
}

function subjectOf(token: string | null | undefined, code: string | null | undefined): ReportSubject | null {
  if (token) return { kind: 'token', value: token }
  if (code) return { kind: 'code', value: code }
  return null
}

function formInput(subject: ReportSubject): ReportInput {
  return { field: subject.kind, value: subject.value }
}

function isHtmx(c: Context<AppEnv>): boolean {
  return c.req.header('hx-request') === 'true'
}

function otherLang(c: Context<AppEnv>): 'id' | 'en' {
  return c.get('lang') === 'id' ? 'en' : 'id'
}
