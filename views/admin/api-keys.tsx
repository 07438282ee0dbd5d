import { DataTable, type Option } from './parts.tsx'
import { AdminLayout, Flash, type AdminFrame } from './layout.tsx'

export interface ApiKeyRowView {
  id: string
  name: string
  scopeLabel: string
  created: string
  createdBy: string
  lastUsed: string
  revoked: boolean
  statusLabel: string
}

export interface ApiKeysView {
  keys: ApiKeyRowView[]
  scopes: Option[]
  values: { name: string; scope: string }
  /** The key just created: on this one response only, never again. */
  created: { id: string; key: string; label: string } | null
  notice: string | null
  error: string | null
}

export function ApiKeysPage({ frame, view }: { frame: AdminFrame; view: ApiKeysView }) {
  const k = frame.t.admin.apiKeys
  return (
    <AdminLayout {...frame} title={k.title} current="api-keys">
      <h1>{k.title}</h1>
      <Flash notice={view.notice} error={view.error} />
      {view.created && (
        <section class="card stack" data-new-api-key={view.created.id} aria-labelledby="new-key-title">
          <h2 id="new-key-title">{k.createdTitle}</h2>
          <p class="notice" role="status">
            {k.shownOnce}
          </p>
          <label for="new-key">{view.created.label}</label>
          <input id="new-key" value={view.created.key} readonly autocomplete="off" spellcheck={false} data-api-key />
        </section>
      )}
      <p>{k.intro}</p>
      {view.keys.length === 0 ? (
        <p>{k.empty}</p>
      ) : (
        <DataTable label={k.title} headers={[k.id, k.name, k.scope, k.createdAt, k.createdBy, k.lastUsed, k.status, { hidden: frame.t.admin.confirm }]}>
          {view.keys.map((key) => (
            <tr data-api-key-id={key.id} data-revoked={String(key.revoked)}>
              <td>
                <code>{key.id}</code>
              </td>
              <td>{key.name}</td>
              <td>{key.scopeLabel}</td>
              <td>{key.created}</td>
              <td>{key.createdBy}</td>
              <td>{key.lastUsed}</td>
              <td>{key.statusLabel}</td>
              <td class="actions">
                <a href={`/admin/desk/lookups?agent=${encodeURIComponent(`apikey:${key.id}`)}`}>{k.lookups}</a>
                {!key.revoked && (
                  <a class="danger-link" href={`/admin/api-keys/${key.id}/revoke`}>
                    {k.revoke}
                  </a>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <h2>{k.create}</h2>
      <form method="post" action="/admin/api-keys" class="card stack narrow">
        <input type="hidden" name="_csrf" value={frame.csrfToken} />
        <label for="name">{k.nameLabel}</label>
        <input id="name" name="name" value={view.values.name} maxlength={80} autocomplete="off" required />
        <label for="scope">{k.scope}</label>
        <select id="scope" name="scope">
          {view.scopes.map((scope) => (
            <option value={scope.value} selected={scope.value === view.values.scope}>
              {scope.label}
            </option>
          ))}
        </select>
        <button type="submit" class="button">
          {k.create}
        </button>
      </form>
    </AdminLayout>
  )
}

export interface ApiKeyRevokeView {
  id: string
  title: string
  warning: string
}

/** The second step before a key stops working. */
export function ApiKeyRevokePage({ frame, view }: { frame: AdminFrame; view: ApiKeyRevokeView }) {
  const k = frame.t.admin.apiKeys
  return (
    <AdminLayout {...frame} title={view.title} current="api-keys">
      <h1>{view.title}</h1>
      <form method="post" action={`/admin/api-keys/${view.id}/revoke`} class="card stack danger-zone">
        <input type="hidden" name="_csrf" value={frame.csrfToken} />
        <p>{view.warning}</p>
        <button type="submit" class="button danger">
          {k.revokeConfirm}
        </button>
        <a href="/admin/api-keys">{frame.t.admin.cancel}</a>
      </form>
    </AdminLayout>
  )
}
