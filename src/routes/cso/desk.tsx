import { randomBytes } from 'node:crypto'
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { driverError } from '../../../db/client.ts'
import { AlreadyFiledPage, DeskReportPage, DeskSearchPage, FiledReportPage, PhoneReportPage, VisitPasswordPage, type DeskFrame } from '../../../views/cso/desk.tsx'
import type { AuthContext } from '../../auth/sessions.ts'
import { lookUp, parseDeskQuery, type DeskAgent } from '../../desk/lookup.ts'
import {
  presentDeskAnswer,
  presentDeskReport,
  presentFiledReport,
  presentLimited,
  presentPhoneReportForm,
  presentVisitPasswordStatus,
  type DeskPanel,
  type VisitPasswordView,
} from '../../desk/present.ts'
import { addDeskNote, changeReportStatusAtDesk } from '../../desk/triage.ts'
import { DomainError } from '../../errors.ts'
import { removeVisitPassword, setVisitPassword } from '../../households/visit-passwords.ts'
import { requireCsrfToken, requireRole } from '../../http/access.ts'
import type { AppEnv } from '../../http/env.ts'
import { renderError } from '../../http/errors.tsx'
import { langSwitchHref } from '../../http/middleware.ts'
import { formText, formValues, NoteForm, optionalFormText, StatusForm, validForm } from '../../http/validate.ts'
import { fill } from '../../i18n/index.ts'
import { listReportCategories } from '../../reports/categories.ts'
import { parseReportDetails } from '../../reports/details.ts'
import { verifyAndFileReport, type Report } from '../../reports/reports.ts'
import { recordReportDetailsViewed } from '../../privacy/reads.ts'
import type { ReportSubject } from '../../reports/subject.ts'
import { findReportByTicket, triageTimeline } from '../../reports/triage.ts'
import { trackingUrl } from '../../reports/tracking.ts'
import { normalizeCustomerId } from '../../verification/customer-check.ts'
import { VerificationUnavailableError } from '../../verification/verify.ts'

const SearchForm = z.object({ q: formText })
const PhoneReportForm = z.object({
  nonce: formText,
  subject: formText,
  note: optionalFormText,
  phone: optionalFormText,
  location: optionalFormText,
})
const VisitPasswordForm = z.object({
  action: z.enum(['check', 'set', 'remove']).catch('check'),
  customerId: formText,
  word: formText,
  confirmed: optionalFormText,
})

/** 128 random bits, base64url: the report form's one-time nonce. */
const NONCE = /^[A-Za-z0-9_-]{22}$/

/**
 * The 123 desk under /cso (DESIGN §11), for agents (role cso) and admins: the one search box, a
 * report's page with the desk's share of the workflow, the report by phone and visit passwords.
 */
export function deskRoutes() {
  const app = new Hono<AppEnv>()
  app.use('*', requireRole('cso', 'admin'))
  app.use('*', requireCsrfToken)

  app.get('/', (c) => renderSearch(c, { kind: 'empty' }))

  app.post('/lookup', validForm(SearchForm), async (c) => {
    const services = c.get('services')
    const t = c.get('t')
    let outcome
    try {
      outcome = await lookUp(services, c.get('verifier'), deskAgentOf(c), c.req.valid('form').q)
    } catch (error) {
      if (!(error instanceof VerificationUnavailableError)) throw error
      return renderSearch(c, { kind: 'unavailable' }, 503)
    }
    if (!outcome.ok) {
      c.header('Retry-After', String(outcome.retryAfterSeconds))
      return renderSearch(c, presentLimited(t, outcome.retryAfterSeconds), 429)
    }
    const { answer, query } = outcome
    // A ticket opens the report itself; its search is already in the audit log.
    if (answer.kind === 'report') return c.redirect(`/cso/reports/${answer.report.ticket}`, 303)
    const context = { now: services.clock.now(), publicUrl: services.config.publicUrl }
    return renderSearch(c, { kind: 'answer', answer: presentDeskAnswer(answer, query, t, c.get('lang'), context) })
  })

  app.get('/reports/new', (c) => {
    const subject = (c.req.query('code') ?? c.req.query('token') ?? '').slice(0, 4096)
    return renderPhoneReportForm(c, { subject, details: null })
  })

  app.post('/reports', validForm(PhoneReportForm), async (c) => {
    const t = c.get('t')
    const { nonce, subject: typed, ...fields } = c.req.valid('form')
    if (!NONCE.test(nonce)) return renderError(c, 400)
    const categories = formValues(await c.req.parseBody({ all: true }), 'category')
    const { details, problems } = parseReportDetails({ ...fields, categories })
    const subject = subjectOf(typed)
    if (subject === 'invalid' || Object.keys(problems).length > 0) {
      return renderPhoneReportForm(c, { subject: typed, details, problems, subjectInvalid: subject === 'invalid' }, 422)
    }
    const services = c.get('services')
    const agent = agentAuth(c)
    // Counted before the report is filed, so two quick submits of one form cannot both file.
    if (await c.get('rateLimits').deskReportForms.consume(`${agent.user.username}\n${nonce}`, services.clock.now())) {
      return c.html(<AlreadyFiledPage frame={deskFrame(c)} />, 409)
    }
    let filed
    try {
      filed = await verifyAndFileReport(services, c.get('verifier'), { subject, details, clientAddress: null, via: 'desk', channel: 'phone', filedBy: agent.user.username })
    } catch (error) {
      console.error(`[${c.get('requestId')}] phone report could not be saved:`, driverError(error))
      return renderPhoneReportForm(c, { subject: typed, details, error: t.desk.phoneReport.failed }, 503)
    }
    const { ticket } = filed.report
    // The key is on this response only: never in a URL, never in a cache.
    c.header('Cache-Control', 'no-store')
    const view = presentFiledReport({ ticket, trackingKey: filed.trackingKey, trackingUrl: trackingUrl(services.config, ticket, filed.trackingKey) }, t)
    return c.html(<FiledReportPage frame={deskFrame(c)} view={view} />, 201)
  })

  app.get('/reports/:ticket', async (c) => {
    const report = await reportInPath(c)
    if (!report) return renderError(c, 404)
    const r = c.get('t').desk.report
    const notice = { status: r.statusChanged, note: r.noteAdded }[c.req.query('notice') ?? ''] ?? null
    return renderReport(c, report, notice, null)
  })

  app.post('/reports/:ticket/status', validForm(StatusForm), async (c) => {
    const report = await reportInPath(c)
    if (!report) return renderError(c, 404)
    const { to, revision } = c.req.valid('form')
    try {
      await changeReportStatusAtDesk(c.get('services'), { report, to, expectedRevision: revision, actor: agentAuth(c).user.username })
    } catch (error) {
      const current = (await findReportByTicket(c.get('services'), report.ticket)) ?? report
      return renderReport(c, current, null, reportError(c, error), error instanceof DomainError && error.code === 'report_changed' ? 409 : 422)
    }
    return c.redirect(`/cso/reports/${report.ticket}?notice=status`, 303)
  })

  app.post('/reports/:ticket/notes', validForm(NoteForm), async (c) => {
    const report = await reportInPath(c)
    if (!report) return renderError(c, 404)
    try {
      await addDeskNote(c.get('services'), { report, text: c.req.valid('form').note, actor: agentAuth(c).user.username })
    } catch (error) {
      return renderReport(c, report, null, reportError(c, error), 422)
    }
    return c.redirect(`/cso/reports/${report.ticket}?notice=note`, 303)
  })

  app.get('/visit-password', (c) => {
    const done = c.req.query('done')
    const last4 = c.req.query('last4') ?? ''
    const v = c.get('t').desk.visitPassword
    const notice = (done === 'set' || done === 'change' || done === 'remove') && /^\d{4}$/.test(last4) ? fill(v.done[done], { last4 }) : null
    const status = notice ? presentVisitPasswordStatus(c.get('t'), last4, done !== 'remove') : null
    return renderVisitPassword(c, { customerId: '', status, notice, error: null })
  })

  app.post('/visit-password', validForm(VisitPasswordForm), async (c) => {
    const services = c.get('services')
    const t = c.get('t')
    const v = t.desk.visitPassword
    const form = c.req.valid('form')
    const customerId = form.customerId.slice(0, 20)
    const refuse = (code: string, status: 422 | 429 = 422) => renderVisitPassword(c, { customerId, status: null, notice: null, error: v.errors[code] ?? code }, status)
    if (!normalizeCustomerId(customerId)) return refuse('invalid_customer_id')
    if (form.action === 'check') {
      // "Has this customer a word?" is a search by ID pelanggan: limited and audited as one.
      let outcome
      try {
        outcome = await lookUp(services, c.get('verifier'), deskAgentOf(c), customerId)
      } catch (error) {
        if (!(error instanceof VerificationUnavailableError)) throw error
        return renderVisitPassword(c, { customerId, status: null, notice: null, error: t.desk.unavailableText }, 503)
      }
      if (!outcome.ok) {
        c.header('Retry-After', String(outcome.retryAfterSeconds))
        return renderVisitPassword(c, { customerId, status: null, notice: null, error: limitedText(c, outcome.retryAfterSeconds) }, 429)
      }
      const answer = outcome.answer
      const has = answer.kind === 'customer' && answer.hasVisitPassword
      return renderVisitPassword(c, { customerId, status: presentVisitPasswordStatus(t, customerId.replace(/\D/g, '').slice(-4), has), notice: null, error: null })
    }
    // The SOP check is the agent's to make; the box says it was made. Without it nothing changes.
    if (form.confirmed !== 'yes') return refuse('not_confirmed')
    const actor = agentAuth(c).user.username
    try {
      if (form.action === 'set') {
        const { customerLast4, changed } = await setVisitPassword(services, { customerId, word: form.word, actor })
        return c.redirect(`/cso/visit-password?done=${changed ? 'change' : 'set'}&last4=${customerLast4}`, 303)
      }
      const { customerLast4 } = await removeVisitPassword(services, { customerId, actor })
      return c.redirect(`/cso/visit-password?done=remove&last4=${customerLast4}`, 303)
    } catch (error) {
      if (!(error instanceof DomainError)) throw error
      return refuse(error.code)
    }
  })

  return app
}

/** The signed-in agent (requireRole has run). */
function agentAuth(c: Context<AppEnv>): AuthContext {
  const auth = c.get('auth')
  if (!auth) throw new Error('desk route reached without a session')
  return auth
}

/** Who searches, and the limits every search of theirs counts against (none when limits are off). */
function deskAgentOf(c: Context<AppEnv>): DeskAgent {
  const limits = c.get('rateLimits')
  return {
    actor: agentAuth(c).user.username,
    limits: limits.enabled
      ? { lookups: [limits.deskLookupsPerAgent], customerLookups: [limits.deskCustomerLookupsPerAgent, limits.deskCustomerLookupsPerAgentDaily] }
      : null,
  }
}

function deskFrame(c: Context<AppEnv>): DeskFrame {
  const auth = agentAuth(c)
  // After a POST the generic switch would lead to the household's home page: the desk's own instead.
  const switchHref = c.req.method === 'GET' ? langSwitchHref(c) : `/cso?lang=${c.get('lang') === 'id' ? 'en' : 'id'}`
  return { t: c.get('t'), langSwitchHref: switchHref, username: auth.user.username, csrfToken: auth.csrfToken }
}

function renderSearch(c: Context<AppEnv>, panel: DeskPanel, status: 200 | 429 | 503 = 200) {
  // A search answer may name a customer's visit: never kept by the browser's cache.
  c.header('Cache-Control', 'no-store')
  return c.html(<DeskSearchPage frame={deskFrame(c)} panel={panel} />, status)
}

function limitedText(c: Context<AppEnv>, retryAfterSeconds: number): string {
  const panel = presentLimited(c.get('t'), retryAfterSeconds)
  return panel.kind === 'limited' ? panel.text : ''
}

async function reportInPath(c: Context<AppEnv>): Promise<Report | null> {
  return findReportByTicket(c.get('services'), c.req.param('ticket') ?? '')
}

async function renderReport(c: Context<AppEnv>, report: Report, notice: string | null, error: string | null, status: 200 | 409 | 422 = 200) {
  const services = c.get('services')
  await recordReportDetailsViewed(services, { report, actor: agentAuth(c).user.username, page: 'desk' })
  const view = presentDeskReport(
    { report, categories: await listReportCategories(services.db, report), timeline: await triageTimeline(services, report), notice, error },
    c.get('t'),
    c.get('lang'),
  )
  return c.html(<DeskReportPage frame={deskFrame(c)} view={view} />, status)
}

function reportError(c: Context<AppEnv>, error: unknown): string {
  if (!(error instanceof DomainError)) throw error
  return c.get('t').desk.report.errors[error.code] ?? error.message
}

function renderPhoneReportForm(c: Context<AppEnv>, input: Omit<Parameters<typeof presentPhoneReportForm>[0], 'nonce'>, status: 200 | 422 | 503 = 200) {
  // A fresh nonce on every form shown: a form answered with its errors is a new form.
  const view = presentPhoneReportForm({ ...input, nonce: randomBytes(16).toString('base64url') }, c.get('t'))
  return c.html(<PhoneReportPage frame={deskFrame(c)} view={view} />, status)
}

function renderVisitPassword(c: Context<AppEnv>, view: VisitPasswordView, status: 200 | 422 | 429 | 503 = 200) {
  return c.html(<VisitPasswordPage frame={deskFrame(c)} view={view} />, status)
}

/** What the agent typed in the code field: nothing, a code or token (or a pasted /v/ or /c/ link), or something that is neither. */
function subjectOf(typed: string): ReportSubject | null | 'invalid' {
  if (typed.trim() === '') return null
  const query = parseDeskQuery(typed)
  if (query?.kind === 'token') return { kind: 'token', value: query.token }
  if (query?.kind === 'code') return { kind: 'code', value: query.code }
  return 'invalid'
}
