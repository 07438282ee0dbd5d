import { fillCount } from '../../src/i18n/index.ts'
import { DataTable, FilterSelect, PagerNav, type Pager } from './parts.tsx'
import { AdminLayout, Flash, type AdminFrame } from './layout.tsx'

export interface OfficerRowView {
  employeeNo: string
  name: string
  roleTitle: string
  employer: string
  unitName: string
  status: 'active' | 'suspended'
  statusLabel: string
  livePasses: number
  href: string
}

export interface OfficerListView {
  query: string
  status: string
  unit: string
  units: { code: string; label: string }[]
  rows: OfficerRowView[]
  pager: Pager
  notice: string | null
  canImport: boolean
}

export function OfficerListPage({ frame, view }: { frame: AdminFrame; view: OfficerListView }) {
  const { t } = frame
  const o = t.admin.officers
  return (
    <AdminLayout {...frame} title={o.title} current="officers">
      <h1>{o.title}</h1>
      <Flash notice={view.notice} />
      <p class="toolbar">
        <a class="button" href="/admin/officers/new">
          {o.add}
        </a>
        {view.canImport && (
          <a class="button secondary" href="/admin/officers/import">
            {o.import}
          </a>
        )}
      </p>
      <form method="get" action="/admin/officers" class="filters">
        <label for="q">{o.searchLabel}</label>
        <input id="q" name="q" value={view.query} maxlength={80} />
        <FilterSelect
          name="status"
          label={o.status}
          options={[
            { value: 'active', label: o.statusActive },
            { value: 'suspended', label: o.statusSuspended },
          ]}
          value={view.status}
          allLabel={o.statusAll}
        />
        <FilterSelect name="unit" label={o.unit} options={view.units.map((unit) => ({ value: unit.code, label: unit.label }))} value={view.unit} allLabel={o.unitAll} />
        <button type="submit" class="button">
          {t.admin.search}
        </button>
      </form>
      {view.rows.length === 0 ? (
        <p class="card">{t.admin.none}</p>
      ) : (
        <DataTable label={o.title} headers={[o.employeeNo, o.name, o.roleTitle, o.employer, o.unit, o.status, o.livePasses]}>
            {view.rows.map((row) => (
              <tr data-employee-no={row.employeeNo} data-status={row.status}>
                <td>
                  <a href={row.href}>{row.employeeNo}</a>
                </td>
                <td>{row.name}</td>
                <td>{row.roleTitle}</td>
                <td>{row.employer}</td>
                <td>{row.unitName}</td>
                <td>
                  <span class={`status status-${row.status}`}>{row.statusLabel}</span>
                </td>
                <td class="number">
                  {row.livePasses}
                  {row.status === 'suspended' && row.livePasses > 0 && <span class="hint"> ({o.passesSuspended})</span>}
                </td>
              </tr>
            ))}
        </DataTable>
      )}
      <PagerNav frame={frame} pager={view.pager} />
    </AdminLayout>
  )
}

export type OfficerField = 'employeeNo' | 'name' | 'roleTitle' | 'employer' | 'unitCode'

export interface OfficerFormView {
  action: string
  /** The employee number cannot change once an officer exists. */
  isNew: boolean
  values: Record<OfficerField, string>
  units: { code: string; label: string }[]
  error: { field: OfficerField; message: string } | null
}

function OfficerFields({ frame, form }: { frame: AdminFrame; form: OfficerFormView }) {
  const o = frame.t.admin.officers
  const invalid = (field: OfficerField) => (form.error?.field === field ? { 'aria-invalid': 'true', 'aria-describedby': 'officer-error' } : {})
  return (
    <form method="post" action={form.action} class="card stack">
      <input type="hidden" name="_csrf" value={frame.csrfToken} />
      {form.error && (
        <p id="officer-error" class="error" role="alert">
          {form.error.message}
        </p>
      )}
      {form.isNew && (
        <>
          <label for="employeeNo">{o.employeeNo}</label>
          <input id="employeeNo" name="employeeNo" value={form.values.employeeNo} maxlength={24} required {...invalid('employeeNo')} />
        </>
      )}
      <label for="name">{o.name}</label>
      <input id="name" name="name" value={form.values.name} maxlength={80} required {...invalid('name')} />
      <label for="roleTitle">{o.roleTitle}</label>
      <input id="roleTitle" name="roleTitle" value={form.values.roleTitle} maxlength={80} {...invalid('roleTitle')} />
      <label for="employer">{o.employer}</label>
      <input id="employer" name="employer" value={form.values.employer} maxlength={80} {...invalid('employer')} />
      <label for="unitCode">{o.unit}</label>
      <select id="unitCode" name="unitCode" {...invalid('unitCode')}>
        {form.units.map((unit) => (
          <option value={unit.code} selected={unit.code === form.values.unitCode}>
            {unit.label}
          </option>
        ))}
      </select>
      <button type="submit" class="button">
        {frame.t.admin.save}
      </button>
    </form>
  )
}

export function NewOfficerPage({ frame, form }: { frame: AdminFrame; form: OfficerFormView }) {
  return (
    <AdminLayout {...frame} title={frame.t.admin.officers.add} current="officers">
      <h1>{frame.t.admin.officers.add}</h1>
      <OfficerFields frame={frame} form={form} />
    </AdminLayout>
  )
}

export interface OfficerCredentialView {
  id: string
  kind: 'badge' | 'visit_pass'
  kindLabel: string
  purposeLabel: string
  customer: string
  windowText: string
  shortCode: string
  /** `suspended` while the officer is: such a pass fails at every scan. */
  status: 'active' | 'upcoming' | 'suspended'
  statusLabel: string
}

export interface OfficerHistoryView {
  at: string
  actor: string
  actionLabel: string
}

export interface OfficerDetailView {
  employeeNo: string
  name: string
  status: 'active' | 'suspended'
  statusLabel: string
  statusReason: string | null
  photoUrl: string | null
  livePasses: number
  /** Badges and visit passes neither ended nor revoked. */
  credentials: OfficerCredentialView[]
  history: OfficerHistoryView[]
  /** The officer's rows in the audit log, for those who may read it. */
  historyHref: string | null
  form: OfficerFormView
  notice: string | null
  error: string | null
}

export function OfficerDetailPage({ frame, view }: { frame: AdminFrame; view: OfficerDetailView }) {
  const { t } = frame
  const o = t.admin.officers
  const base = `/admin/officers/${encodeURIComponent(view.employeeNo)}`
  return (
    <AdminLayout {...frame} title={view.name} current="officers">
      <h1>
        {view.name} <span class="hint">({view.employeeNo})</span>
      </h1>
      <Flash notice={view.notice} error={view.error} />
      <div class="columns">
        <div>
          <section aria-labelledby="officer-status">
            <h2 id="officer-status">{o.statusTitle}</h2>
            <p data-status={view.status}>
              <span class={`status status-${view.status}`}>{view.statusLabel}</span>
              {view.statusReason && ` — ${view.statusReason}`}
            </p>
            {view.status === 'active' ? (
              <form method="post" action={`${base}/suspend`} class="card stack danger-zone">
                <input type="hidden" name="_csrf" value={frame.csrfToken} />
                <p class="hint">{o.suspendHint}</p>
                <label for="reason">{t.admin.reason}</label>
                <input id="reason" name="reason" maxlength={200} required />
                <button type="submit" class="button danger">
                  {o.suspend}
                </button>
              </form>
            ) : (
              <ReactivateForm frame={frame} action={`${base}/reactivate`} oldPasses={view.credentials.length} />
            )}
          </section>
          <section aria-labelledby="officer-photo">
            <h2 id="officer-photo">{o.photo}</h2>
            {view.photoUrl && <img class="photo" src={view.photoUrl} alt={`${o.photo}: ${view.name}`} width="112" height="112" />}
            <form method="post" action={`${base}/photo`} enctype="multipart/form-data" class="card stack">
              <input type="hidden" name="_csrf" value={frame.csrfToken} />
              <label for="photo">{o.photoUpload}</label>
              <input id="photo" name="photo" type="file" accept="image/jpeg,image/png,image/webp" required />
              <button type="submit" class="button secondary">
                {t.admin.save}
              </button>
            </form>
          </section>
        </div>
        <div>
          <section aria-labelledby="officer-data">
            <h2 id="officer-data">{o.dataTitle}</h2>
            <OfficerFields frame={frame} form={view.form} />
          </section>
        </div>
      </div>
      <section aria-labelledby="officer-credentials">
        <h2 id="officer-credentials">{o.credentialsTitle}</h2>
        <p class="hint">{view.status === 'suspended' ? o.credentialsSuspendedHint : o.credentialsHint}</p>
        {view.credentials.length === 0 ? (
          <p class="card" data-credentials="none">
            {o.credentialsNone}
          </p>
        ) : (
          <DataTable label={o.credentialsTitle} headers={[o.credentialKind, o.credentialPurpose, o.credentialCustomer, o.credentialWindow, o.credentialCode, o.status]}>
            {view.credentials.map((credential) => (
              <tr data-credential={credential.id} data-kind={credential.kind} data-pass-status={credential.status}>
                <td>{credential.kindLabel}</td>
                <td>{credential.purposeLabel}</td>
                <td>{credential.customer}</td>
                <td>{credential.windowText}</td>
                <td>
                  <code>{credential.shortCode}</code>
                </td>
                <td>
                  <span class={credential.status === 'upcoming' ? 'status' : `status status-${credential.status}`}>{credential.statusLabel}</span>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>
      <section aria-labelledby="officer-history">
        <h2 id="officer-history">{o.historyTitle}</h2>
        {view.history.length === 0 ? (
          <p class="card">{o.historyNone}</p>
        ) : (
          <DataTable label={o.historyTitle} headers={[t.admin.audit.at, t.admin.audit.action, t.admin.audit.actor]}>
            {view.history.map((row) => (
              <tr>
                <td>{row.at}</td>
                <td>{row.actionLabel}</td>
                <td>{row.actor}</td>
              </tr>
            ))}
          </DataTable>
        )}
        {view.historyHref && (
          <p>
            <a href={view.historyHref}>{o.historyAll}</a>
          </p>
        )}
      </section>
    </AdminLayout>
  )
}

/** Reactivation asks what becomes of the old passes; cancelling them is checked (the safe side). */
function ReactivateForm({ frame, action, oldPasses }: { frame: AdminFrame; action: string; oldPasses: number }) {
  const o = frame.t.admin.officers
  return (
    <form method="post" action={action} class="card stack">
      <input type="hidden" name="_csrf" value={frame.csrfToken} />
      <fieldset class="choices">
        <legend>{fillCount(o.oldPassesLegend, oldPasses)}</legend>
        <label>
          <input type="radio" name="passes" value="cancel" checked aria-describedby="passes-cancel-hint" />
          {o.oldPassesCancel}
        </label>
        <p id="passes-cancel-hint" class="hint">
          {o.oldPassesCancelHint}
        </p>
        <label>
          <input type="radio" name="passes" value="restore" aria-describedby="passes-restore-hint" />
          {o.oldPassesRestore}
        </label>
        <p id="passes-restore-hint" class="hint">
          {o.oldPassesRestoreHint}
        </p>
      </fieldset>
      <button type="submit" class="button">
        {o.reactivate}
      </button>
    </form>
  )
}

export interface ImportRowView {
  line: number
  employeeNo: string
  name: string
  unitCode: string
  problems: string[]
}

export interface ImportView {
  /** The CSV text carried to the confirm step; null before an upload. */
  csv: string | null
  rows: ImportRowView[]
  canConfirm: boolean
  confirmLabel: string
  error: string | null
}

export function ImportPage({ frame, view }: { frame: AdminFrame; view: ImportView }) {
  const o = frame.t.admin.officers
  return (
    <AdminLayout {...frame} title={o.importTitle} current="officers">
      <h1>{o.importTitle}</h1>
      <p>{o.importHelp}</p>
      <Flash error={view.error} />
      <form method="post" action="/admin/officers/import" enctype="multipart/form-data" class="card stack">
        <input type="hidden" name="_csrf" value={frame.csrfToken} />
        <label for="file">{o.importFile}</label>
        <input id="file" name="file" type="file" accept=".csv,text/csv" required />
        <button type="submit" class="button secondary">
          {o.preview}
        </button>
      </form>
      {view.rows.length > 0 && (
        <DataTable label={o.preview} headers={[o.importRow, o.employeeNo, o.name, o.unit, o.status]}>
            {view.rows.map((row) => (
              <tr data-line={row.line} data-ok={String(row.problems.length === 0)}>
                <td class="number">{row.line}</td>
                <td>{row.employeeNo}</td>
                <td>{row.name}</td>
                <td>{row.unitCode}</td>
                <td>{row.problems.length === 0 ? o.importRowOk : <span class="error">{row.problems.join(' ')}</span>}</td>
              </tr>
            ))}
        </DataTable>
      )}
      {view.canConfirm && view.csv !== null && (
        <form method="post" action="/admin/officers/import/confirm" class="card">
          <input type="hidden" name="_csrf" value={frame.csrfToken} />
          <input type="hidden" name="csv" value={view.csv} />
          <button type="submit" class="button">
            {view.confirmLabel}
          </button>
        </form>
      )}
    </AdminLayout>
  )
}
