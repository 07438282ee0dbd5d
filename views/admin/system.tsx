import { DataTable } from './parts.tsx'
import { AdminLayout, Flash, type AdminFrame } from './layout.tsx'
import { PagerNav, type Pager } from './officers.tsx'

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

export interface UserRowView {
  username: string
  role: string
  roleLabel: string
  officer: string
  disabled: boolean
  statusLabel: string
  isSelf: boolean
}

export interface UsersView {
  users: UserRowView[]
  roles: { value: string; label: string }[]
  values: { username: string; role: string; officer: string }
  notice: string | null
  error: string | null
}

export function UsersPage({ frame, view }: { frame: AdminFrame; view: UsersView }) {
  const u = frame.t.admin.users
  return (
    <AdminLayout {...frame} title={u.title} current="users">
      <h1>{u.title}</h1>
      <Flash notice={view.notice} error={view.error} />
      <DataTable label={u.title} headers={[u.username, u.role, u.officer, u.status, u.changeRole, u.resetPassword, { hidden: u.status }]}>
          {view.users.map((user) => (
            <tr data-username={user.username} data-disabled={String(user.disabled)}>
              <td>{user.username}</td>
              <td>{user.roleLabel}</td>
              <td>{user.officer}</td>
              <td>{user.statusLabel}</td>
              <td>
                {!user.isSelf && (
                  <form method="post" action={`/admin/users/${user.username}/role`} class="inline-form">
                    <input type="hidden" name="_csrf" value={frame.csrfToken} />
                    <label class="visually-hidden" for={`role-${user.username}`}>
                      {u.changeRole}: {user.username}
                    </label>
                    <select id={`role-${user.username}`} name="role">
                      {view.roles.map((role) => (
                        <option value={role.value} selected={role.value === user.role}>
                          {role.label}
                        </option>
                      ))}
                    </select>
                    <button type="submit" class="button secondary small">
                      {frame.t.admin.save}
                    </button>
                  </form>
                )}
              </td>
              <td>
                <form method="post" action={`/admin/users/${user.username}/password`} class="inline-form">
                  <input type="hidden" name="_csrf" value={frame.csrfToken} />
                  <label class="visually-hidden" for={`password-${user.username}`}>
                    {u.resetPassword}: {user.username}
                  </label>
                  <input id={`password-${user.username}`} name="password" type="password" autocomplete="new-password" minlength={12} maxlength={256} required />
                  <button type="submit" class="button secondary small">
                    {u.resetPassword}
                  </button>
                </form>
              </td>
              <td>
                {!user.isSelf && (
                  <form method="post" action={`/admin/users/${user.username}/${user.disabled ? 'enable' : 'disable'}`} class="inline-form">
                    <input type="hidden" name="_csrf" value={frame.csrfToken} />
                    <button type="submit" class={`button small ${user.disabled ? 'secondary' : 'danger'}`}>
                      {user.disabled ? u.enable : u.disable}
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
      </DataTable>
      <h2>{u.add}</h2>
      <form method="post" action="/admin/users" class="card stack narrow">
        <input type="hidden" name="_csrf" value={frame.csrfToken} />
        <label for="username">{u.username}</label>
        <input id="username" name="username" value={view.values.username} maxlength={32} autocomplete="off" required />
        <label for="role">{u.role}</label>
        <select id="role" name="role">
          {view.roles.map((role) => (
            <option value={role.value} selected={role.value === view.values.role}>
              {role.label}
            </option>
          ))}
        </select>
        <label for="officer">{u.officer}</label>
        <input id="officer" name="officer" value={view.values.officer} maxlength={24} />
        <label for="password">{u.password}</label>
        <input id="password" name="password" type="password" autocomplete="new-password" minlength={12} maxlength={256} required />
        <button type="submit" class="button">
          {u.add}
        </button>
      </form>
    </AdminLayout>
  )
}

export interface AuditRowView {
  id: number
  at: string
  actor: string
  action: string
  subject: string
  details: string
}

export interface AuditView {
  rows: AuditRowView[]
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
        <input id="action" name="action" value={view.filters.action} maxlength={60} />
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
              <td>
                <code>{row.action}</code>
              </td>
              <td>{row.subject}</td>
              <td class="details">{row.details}</td>
            </tr>
          ))}
      </DataTable>
      <PagerNav frame={frame} pager={view.pager} />
    </AdminLayout>
  )
}
