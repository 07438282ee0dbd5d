import type { AuditRowView } from '../../src/audit/present.ts'
import { Icon } from '../parts.tsx'
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
  checkpoints: CheckpointPanelView
}

/** The latest signed checkpoint and, per configured witness, when it last took one. */
export interface CheckpointPanelView {
  latest: { treeSize: string; rootHash: string; signedAt: string; keyId: string } | null
  witnesses: { id: string; name: string; lastTaken: string | null; lastSize: string | null; stale: boolean }[]
}

export function AuditPage({ frame, view }: { frame: AdminFrame; view: AuditView }) {
  const a = frame.t.admin.audit
  return (
    <AdminLayout {...frame} title={a.title} current="audit">
      <h1>{a.title}</h1>
      {view.chain && <Flash notice={view.chain.ok ? view.chain.message : null} error={view.chain.ok ? null : view.chain.message} />}
      <CheckpointPanel frame={frame} view={view.checkpoints} />
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

function CheckpointPanel({ frame, view }: { frame: AdminFrame; view: CheckpointPanelView }) {
  const c = frame.t.admin.audit.checkpoint
  const warning = (text: string, kind: string) => (
    <p class="answer amber" role="alert" data-witness-warning={kind}>
      <Icon name="warning" />
      <span>{text}</span>
    </p>
  )
  return (
    <section class="audit-checkpoint" aria-labelledby="audit-checkpoint-title" data-tree-size={view.latest?.treeSize}>
      <h2 id="audit-checkpoint-title">{c.title}</h2>
      <p class="hint">{c.intro}</p>
      {view.latest ? (
        <dl>
          <dt>{c.treeSize}</dt>
          <dd>{view.latest.treeSize}</dd>
          <dt>{c.rootHash}</dt>
          <dd>
            <code>{view.latest.rootHash}</code>
          </dd>
          <dt>{c.signedAt}</dt>
          <dd>{view.latest.signedAt}</dd>
          <dt>{c.keyId}</dt>
          <dd>
            <code>{view.latest.keyId}</code>
          </dd>
        </dl>
      ) : (
        <p>{c.none}</p>
      )}
      {view.witnesses.length === 0 && warning(c.noWitness, 'none')}
      {view.witnesses.some((witness) => witness.stale) && warning(c.stale, 'stale')}
      {view.witnesses.length > 0 && (
        <DataTable label={c.witnesses} headers={[c.witness, c.lastTaken, c.lastSize, c.state]}>
          {view.witnesses.map((witness) => (
            <tr data-witness={witness.id} data-stale={String(witness.stale)}>
              <td>{witness.name}</td>
              <td>{witness.lastTaken ?? c.never}</td>
              <td>{witness.lastSize ?? '—'}</td>
              <td>
                {witness.stale ? (
                  <span class="witness-stale">
                    <Icon name="warning" size={18} /> {c.staleShort}
                  </span>
                ) : (
                  c.current
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  )
}
