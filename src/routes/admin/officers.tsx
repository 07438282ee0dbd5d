import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import { listAuditRows } from '../../audit/audit.ts'
import { describeAuditRow } from '../../audit/present.ts'
import { invalidateOfficerSessions } from '../../auth/sessions.ts'
import { formatShortCode } from '../../credentials/short-code.ts'
import { DomainError } from '../../errors.ts'
import type { AppEnv } from '../../http/env.ts'
import { renderError } from '../../http/errors.tsx'
import { formFile, formText, optionalFormText, validForm } from '../../http/validate.ts'
import { fillCount } from '../../i18n/index.ts'
import { formatAdminTime, formatWindow } from '../../i18n/time.ts'
import {
  addOfficer,
  findOfficer,
  listOfficers,
  listUnits,
  setOfficerPhoto,
  suspendOfficer,
  updateOfficer,
  type Officer,
} from '../../officers/officers.ts'
import { inspectPhoto, MAX_PHOTO_BYTES, type PhotoProblem } from '../../officers/photos.ts'
import { officerPhotoUrl } from '../../officers/present.ts'
import { canActForOfficer, describeUnit, officerIdsInScope, unitCodesInScope } from '../../officers/scope.ts'
import { isOldPassesChoice, listOutstandingCredentials, reactivateOfficerWithPasses } from '../../passes/passes.ts'
import { passStatus } from '../../passes/present.ts'
import { PURPOSES, type PurposeCode } from '../../passes/purposes.ts'
import { NewOfficerPage, OfficerDetailPage, OfficerListPage, type OfficerField, type OfficerFormView } from '../../../views/admin/officers.tsx'
import { adminAuth, adminFrame } from './context.ts'
import { pager } from './paging.ts'

const PAGE_SIZE = 50
const FIELD_OF_ERROR: Record<string, OfficerField> = {
  invalid_employee_no: 'employeeNo',
  duplicate_officer: 'employeeNo',
  invalid_name: 'name',
  invalid_role_title: 'roleTitle',
  invalid_employer: 'employer',
  unknown_unit: 'unitCode',
}

const officerText = formText.transform((value) => value.slice(0, 200))
const OfficerForm = z.object({ employeeNo: officerText, name: officerText, roleTitle: officerText, employer: officerText, unitCode: officerText })
const SuspendForm = z.object({ reason: formText.transform((value) => value.trim().slice(0, 200)) })
const PhotoForm = z.object({ photo: formFile })
const ReactivateForm = z.object({ passes: optionalFormText })
/** Rows of the officer's own history shown on their page; the audit log has the rest. */
const HISTORY_ROWS = 20

/**
 * The officer in the URL, looked up once for the handler (`c.req.valid('param').officer`); one
 * outside the user's scope is answered 404 before the form is read.
 */
const officerVisible: MiddlewareHandler<AppEnv, string, { out: { param: { officer: Officer } } }> = async (c, next) => {
  const officer = await officerInScope(c)
  if (!officer) return renderError(c, 404)
  c.req.addValidatedData('param', { officer })
  await next()
}

/** /admin/officers: list and search, add, edit, photo, suspend and reactivate (the CSV import: officer-import.tsx). */
export function adminOfficerRoutes() {
  const app = new Hono<AppEnv>()

  app.get('/', async (c) => {
    const { db, clock } = c.get('services')
    const t = c.get('t')
    const o = t.admin.officers
    const query = c.req.query('q') ?? ''
    const statusParam = c.req.query('status')
    const status = statusParam === 'active' || statusParam === 'suspended' ? statusParam : null
    const unit = c.req.query('unit') ?? ''
    const page = Math.max(1, Math.min(10_000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1))
    const { rows, total } = await listOfficers(db, {
      scope: await officerIdsInScope(db, adminAuth(c)),
      query,
      status,
      unitCode: unit || null,
      now: clock.now(),
      limit: PAGE_SIZE,
      offset: (page - 1) * PAGE_SIZE,
    })
    const view = {
      query,
      status: status ?? '',
      unit,
      units: await unitOptions(c),
      rows: rows.map(({ officer, unitName, livePasses }) => ({
        employeeNo: officer.employeeNo,
        name: officer.name,
        roleTitle: officer.roleTitle,
        employer: officer.employer,
        unitName: unitName ?? '—',
        status: officer.status,
        statusLabel: officer.status === 'active' ? o.statusActive : o.statusSuspended,
        livePasses,
        href: `/admin/officers/${encodeURIComponent(officer.employeeNo)}`,
      })),
      pager: pager(c, { page, pageSize: PAGE_SIZE, total }),
      notice: noticeFromQuery(c),
      canImport: adminAuth(c).user.role === 'admin',
    }
    return c.html(<OfficerListPage frame={adminFrame(c)} view={view} />)
  })

  app.get('/new', async (c) => c.html(<NewOfficerPage frame={adminFrame(c)} form={await officerForm(c, null, null)} />))

  app.post('/new', validForm(OfficerForm), async (c) => {
    const { db, clock } = c.get('services')
    const values = c.req.valid('form')
    const auth = adminAuth(c)
    // A supervisor may add officers only to their own unit or below.
    if (!(await unitInScope(c, values.unitCode))) return renderError(c, 403)
    try {
      const officer = await addOfficer(db, clock, { ...values, actor: auth.user.username })
      return c.redirect(`/admin/officers/${encodeURIComponent(officer.employeeNo)}?notice=added`, 303)
    } catch (error) {
      return c.html(<NewOfficerPage frame={adminFrame(c)} form={await officerForm(c, values, error)} />, 422)
    }
  })

  app.get('/:employeeNo', officerVisible, async (c) => {
    const { officer } = c.req.valid('param')
    return c.html(<OfficerDetailPage frame={adminFrame(c)} view={await detailView(c, officer, null, noticeFromQuery(c), null)} />)
  })

  app.post('/:employeeNo', officerVisible, validForm(OfficerForm), async (c) => {
    const { officer } = c.req.valid('param')
    const { db, clock } = c.get('services')
    const values = c.req.valid('form')
    if (!(await unitInScope(c, values.unitCode))) return renderError(c, 403)
    try {
      await updateOfficer(db, clock, officer.employeeNo, values, adminAuth(c).user.username)
      return c.redirect(`/admin/officers/${encodeURIComponent(officer.employeeNo)}?notice=saved`, 303)
    } catch (error) {
      const view = await detailView(c, officer, { ...values, employeeNo: officer.employeeNo }, null, null, error)
      return c.html(<OfficerDetailPage frame={adminFrame(c)} view={view} />, 422)
    }
  })

  app.post('/:employeeNo/suspend', officerVisible, validForm(SuspendForm), async (c) => {
    const { officer } = c.req.valid('param')
    const { db, clock } = c.get('services')
    const { reason } = c.req.valid('form')
    const t = c.get('t')
    if (!reason) return c.html(<OfficerDetailPage frame={adminFrame(c)} view={await detailView(c, officer, null, null, t.admin.officers.reasonRequired)} />, 422)
    try {
      const suspended = await suspendOfficer(db, clock, officer.employeeNo, { reason, actor: adminAuth(c).user.username })
      await invalidateOfficerSessions(db, suspended.id)
    } catch (error) {
      return c.html(<OfficerDetailPage frame={adminFrame(c)} view={await detailView(c, officer, null, null, errorMessage(c, error))} />, 409)
    }
    return c.redirect(`/admin/officers/${encodeURIComponent(officer.employeeNo)}?notice=suspended`, 303)
  })

  // The form offers cancel, checked; a post without a choice cancels too (the safe side).
  app.post('/:employeeNo/reactivate', officerVisible, validForm(ReactivateForm), async (c) => {
    const { officer } = c.req.valid('param')
    const passes = c.req.valid('form').passes ?? 'cancel'
    if (!isOldPassesChoice(passes)) {
      return c.html(<OfficerDetailPage frame={adminFrame(c)} view={await detailView(c, officer, null, null, c.get('t').admin.officers.oldPassesInvalid)} />, 422)
    }
    try {
      await reactivateOfficerWithPasses(c.get('services'), officer.employeeNo, { actor: adminAuth(c).user.username, passes })
    } catch (error) {
      return c.html(<OfficerDetailPage frame={adminFrame(c)} view={await detailView(c, officer, null, null, errorMessage(c, error))} />, 409)
    }
    const notice = passes === 'cancel' ? 'reactivated_cancelled' : 'reactivated_restored'
    return c.redirect(`/admin/officers/${encodeURIComponent(officer.employeeNo)}?notice=${notice}`, 303)
  })

  app.post('/:employeeNo/photo', officerVisible, validForm(PhotoForm), async (c) => {
    const { officer } = c.req.valid('param')
    const file = c.req.valid('form').photo
    if (!file) return photoRefused(c, officer, 'photoInvalid', 422)
    if (file.size > MAX_PHOTO_BYTES) return photoRefused(c, officer, 'photoTooLarge', 413)
    const bytes = Buffer.from(await file.arrayBuffer())
    const photo = inspectPhoto(bytes)
    if (!photo.ok) return photoRefused(c, officer, photo.problem, 422)
    const { db, clock } = c.get('services')
    await setOfficerPhoto(db, clock, officer.id, { contentType: photo.contentType, bytes, actor: adminAuth(c).user.username })
    return c.redirect(`/admin/officers/${encodeURIComponent(officer.employeeNo)}?notice=photo`, 303)
  })

  return app
}

/** The officer in the URL when the user may manage them; null (a 404) otherwise, so ids cannot be probed. */
async function officerInScope(c: Context<AppEnv>): Promise<Officer | null> {
  const { db } = c.get('services')
  const officer = await findOfficer(db, c.req.param('employeeNo') ?? '')
  if (!officer || !(await canActForOfficer(db, adminAuth(c), officer.id))) return null
  return officer
}

async function unitInScope(c: Context<AppEnv>, unitCode: string): Promise<boolean> {
  const auth = adminAuth(c)
  if (auth.user.role === 'admin') return true
  return (await unitOptions(c)).some((unit) => unit.code === unitCode)
}

/** Units the user may assign: all for admins; a supervisor's unit and those below it. */
async function unitOptions(c: Context<AppEnv>): Promise<{ code: string; label: string }[]> {
  const { db } = c.get('services')
  const units = await listUnits(db)
  const auth = adminAuth(c)
  const label = (unit: (typeof units)[number]) => `${unit.name} (${unit.code})`
  const allowed = await unitCodesInScope(db, auth)
  return units.filter((unit) => allowed === null || allowed.has(unit.code)).map((unit) => ({ code: unit.code, label: label(unit) }))
}

async function officerForm(c: Context<AppEnv>, values: Record<OfficerField, string> | null, error: unknown, officer: Officer | null = null): Promise<OfficerFormView> {
  const units = await unitOptions(c)
  const current = values ?? {
    employeeNo: officer?.employeeNo ?? '',
    name: officer?.name ?? '',
    roleTitle: officer?.roleTitle ?? '',
    employer: officer?.employer ?? 'PLN',
    unitCode: officer?.unitCode ?? units[0]?.code ?? '',
  }
  return {
    action: officer ? `/admin/officers/${encodeURIComponent(officer.employeeNo)}` : '/admin/officers/new',
    isNew: officer === null,
    values: current,
    units,
    error: error ? { field: error instanceof DomainError ? (FIELD_OF_ERROR[error.code] ?? 'name') : 'name', message: errorMessage(c, error) } : null,
  }
}

async function detailView(c: Context<AppEnv>, officer: Officer, values: Record<OfficerField, string> | null, notice: string | null, error: string | null, formError: unknown = null) {
  const { db, clock } = c.get('services')
  const t = c.get('t')
  const lang = c.get('lang')
  const o = t.admin.officers
  const now = clock.now()
  const { timeZone } = await describeUnit(db, officer.unitCode)
  const credentials = (await listOutstandingCredentials(db, officer.id, now)).map((credential) => {
    // A suspended officer's passes fail at every scan, whatever their own state says.
    const status = officer.status === 'suspended' ? 'suspended' : passStatus(credential, now) === 'upcoming' ? 'upcoming' : 'active'
    return {
      id: credential.id,
      kind: credential.kind,
      kindLabel: o.credentialKinds[credential.kind],
      purposeLabel: credential.purpose ? (PURPOSES[credential.purpose as PurposeCode]?.label[lang] ?? credential.purpose) : '—',
      customer: credential.customerLast4 ? `•••• ${credential.customerLast4}` : '—',
      windowText: formatWindow(credential.windowStart, credential.windowEnd, lang, timeZone),
      shortCode: formatShortCode(credential.shortCode),
      status,
      statusLabel: o.credentialStatuses[status],
    } as const
  })
  const history = (await listAuditRows(db, { subject: `officer:${officer.employeeNo}` }, { limit: HISTORY_ROWS, offset: 0 })).rows.map((row) => ({
    at: formatAdminTime(row.at, lang),
    actor: row.actor,
    actionLabel: describeAuditRow(row, t),
  }))
  const frame = adminFrame(c)
  return {
    employeeNo: officer.employeeNo,
    name: officer.name,
    status: officer.status,
    statusLabel: officer.status === 'active' ? o.statusActive : o.statusSuspended,
    statusReason: officer.statusReason,
    photoUrl: officerPhotoUrl(officer.photoId),
    livePasses: credentials.filter((credential) => credential.kind === 'visit_pass').length,
    credentials,
    history,
    historyHref: frame.sections.includes('audit') ? `/admin/audit?subject=${encodeURIComponent(`officer:${officer.employeeNo}`)}` : null,
    form: await officerForm(c, values, formError, officer),
    notice,
    error,
  }
}

async function photoRefused(c: Context<AppEnv>, officer: Officer, message: PhotoProblem | 'photoTooLarge', status: 413 | 422) {
  return c.html(<OfficerDetailPage frame={adminFrame(c)} view={await detailView(c, officer, null, null, c.get('t').admin.officers[message])} />, status)
}

function errorMessage(c: Context<AppEnv>, error: unknown): string {
  if (!(error instanceof DomainError)) throw error
  return c.get('t').admin.errors[error.code] ?? error.message
}

function noticeFromQuery(c: Context<AppEnv>): string | null {
  const o = c.get('t').admin.officers
  const imported = c.req.query('imported')
  if (imported && /^\d{1,5}$/.test(imported)) return fillCount(o.imported, Number(imported))
  const notices: Record<string, string> = {
    added: o.added,
    saved: o.saved,
    suspended: o.suspended,
    reactivated: o.reactivated,
    reactivated_cancelled: o.reactivatedCancelled,
    reactivated_restored: o.reactivatedRestored,
    photo: o.photoSaved,
  }
  return notices[c.req.query('notice') ?? ''] ?? null
}
