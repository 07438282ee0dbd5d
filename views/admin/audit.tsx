import type { AuditRowView } from '../../src/audit/present.ts'
import { DataTable, PagerNav, type Option, type Pager } from './parts.tsx'
import { AdminLayout, Flash, type AdminFrame } from './layout.tsx'

export type { AuditRowView }

export interface AuditView {
  rows: AuditRowView[]
  /** The known actions, for the action filter's suggestions. */
  actions: Option[]
  filters: { action: string; actor: string; subject: string }
  pager: Pager
  chain: { ok: boolean; message: string } | null
}

export function AuditPage({ frame, view }: { frame: AdminFrame; view: AuditView }) {
  const a = frame.t.admin.audit
  return (
    <AdminLayout {...frame} title={a.title} current="audit">
      <h1>{a.title}</h1>
      {view.chain && <Flash notice={view.chain.ok ? view.chain.message : null} error={view.chain.ok ? null : view.chain.message} />}
      <p class="toolbar">
        <a class="button secondary" href="/admin/audit?verify=1">
          {a.verify}
        </a>
      </p>
      <form method="get" action="/admin/audit" class="filters">
        <label for="action">{a.action}</label>
        <input id="action" name="action" value={view.filters.action} maxlength={60} list="audit-actions" />
        <datalist id="audit-actions">
          {view.actions.map((action) => (
            <option value={action.value}>{action.label}</option>
          ))}
        </datalist>
        <label for="actor">{a.actor}</label>
        <input id="actor" name="actor" value={view.filters.actor} maxlength={60} />
        <label for="subject">{a.subject}</label>
        <input id="subject" name="subject" value={view.filters.subject} maxlength={80} />
        <button type="submit" class="button">
          {frame.t.admin.filter}
        </button>
      </form>
      <DataTable label={a.title} headers={['#', a.at, a.actor, a.action, a.subject, a.details]}>
        {view.rows.map((row) => (
          <tr data-audit-id={row.id}>
            <td class="number">{row.id}</td>
            <td>{row.at}</td>
            <td>{row.actor}</td>
            <td data-action={row.action}>
              <span class="audit-action">{row.actionLabel}</span>
              {row.actionLabel !== row.action && (
                <>
                  {' '}
                  <code class="hint" title={a.actionCode}>{row.action}</code>
                </>
              )}
            </td>
            <td>{row.subject}</td>
            <td class="details">
              {row.details && (
                <details>
                  <summary>{a.raw}</summary>
                  <pre>{row.details}</pre>
                </details>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      <PagerNav frame={frame} pager={view.pager} />
    </AdminLayout>
  )
}
