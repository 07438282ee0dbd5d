import { DataTable } from './parts.tsx'
import { AdminLayout, Flash, type AdminFrame } from './layout.tsx'

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
            <td>
              {user.username}
              {user.role === 'cso' && (
                <>
                  {' '}
                  <a class="hint" href={`/admin/desk/lookups?agent=${encodeURIComponent(user.username)}`}>
                    {frame.t.admin.deskLookups.usersLink}
                    <span class="visually-hidden">: {user.username}</span>
                  </a>
                </>
              )}
            </td>
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
