import { DataTable } from './parts.tsx'
import { AdminLayout, Flash, type AdminFrame } from './layout.tsx'

export interface KeyRowView {
  kid: string
  state: string
  stateLabel: string
  created: string
  changed: string
  liveCredentials: number
  canRetire: boolean
  canCompromise: boolean
}

export function KeysPage({ frame, keys, notice, error }: { frame: AdminFrame; keys: KeyRowView[]; notice: string | null; error: string | null }) {
  const k = frame.t.admin.keys
  return (
    <AdminLayout {...frame} title={k.title} current="keys">
      <h1>{k.title}</h1>
      <Flash notice={notice} error={error} />
      <form method="post" action="/admin/keys/rotate" class="toolbar">
        <input type="hidden" name="_csrf" value={frame.csrfToken} />
        <button type="submit" class="button">
          {k.rotate}
        </button>
      </form>
      <DataTable label={k.title} headers={[k.kid, k.state, k.created, k.changed, k.live, { hidden: frame.t.admin.confirm }]}>
        {keys.map((key) => (
          <tr data-kid={key.kid} data-state={key.state}>
            <td>
              <code>{key.kid}</code>
            </td>
            <td>{key.stateLabel}</td>
            <td>{key.created}</td>
            <td>{key.changed}</td>
            <td class="number">{key.liveCredentials}</td>
            <td class="actions">
              {key.canRetire && <a href={`/admin/keys/${key.kid}/retire`}>{k.retire}</a>}
              {key.canCompromise && (
                <a class="danger-link" href={`/admin/keys/${key.kid}/compromise`}>
                  {k.compromise}
                </a>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
    </AdminLayout>
  )
}

export interface KeyConfirmView {
  kid: string
  action: 'retire' | 'compromise'
  title: string
  warning: string
  /** For retiring a key that still vouches for live credentials: the label of the field where their number is typed. */
  forceLabel: string | null
  error: string | null
}

/** A second step before an irreversible key change: the admin types the key id. */
export function KeyConfirmPage({ frame, view }: { frame: AdminFrame; view: KeyConfirmView }) {
  const k = frame.t.admin.keys
  return (
    <AdminLayout {...frame} title={view.title} current="keys">
      <h1>{view.title}</h1>
      <Flash error={view.error} />
      <form method="post" action={`/admin/keys/${view.kid}/${view.action}`} class="card stack danger-zone">
        <input type="hidden" name="_csrf" value={frame.csrfToken} />
        <p>{view.warning}</p>
        <label for="confirmKid">{k.typeKid}</label>
        <input id="confirmKid" name="confirmKid" autocomplete="off" spellcheck={false} required />
        {view.forceLabel && (
          <>
            <label for="confirmLive">{view.forceLabel}</label>
            <input id="confirmLive" name="confirmLive" inputmode="numeric" autocomplete="off" maxlength={9} required />
          </>
        )}
        <button type="submit" class="button danger">
          {view.action === 'retire' ? k.retire : k.compromise}
        </button>
        <a href="/admin/keys">{frame.t.admin.cancel}</a>
      </form>
    </AdminLayout>
  )
}
