import { Hono, type Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { z } from 'zod'
import { changeUserRole, createUser, listUsers, normalizeUsername, resetUserPassword, setUserDisabled, ROLES } from '../../auth/users.ts'
import { DomainError } from '../../errors.ts'
import type { AppEnv } from '../../http/env.ts'
import { renderError } from '../../http/errors.tsx'
import { formText, validForm } from '../../http/validate.ts'
import { UsersPage, type UsersView } from '../../../views/admin/users.tsx'
import { adminAuth, adminFrame } from './context.ts'

const NewUserForm = z.object({ username: formText, role: formText, officer: formText, password: formText })
const UserChangeForm = z.object({ role: formText, password: formText })

/** /admin/users (admins only): add, disable, reset password, change role. */
export function adminUserRoutes() {
  const app = new Hono<AppEnv>()

  app.get('/', (c) => renderUsers(c, { notice: c.req.query('notice') === '1' ? c.get('t').admin.users.updated : c.req.query('notice') === 'added' ? c.get('t').admin.users.added : null }))

  app.post('/', validForm(NewUserForm), async (c) => {
    const { db, clock } = c.get('services')
    const form = c.req.valid('form')
    const values = { username: form.username.slice(0, 64), role: form.role, officer: form.officer.trim().slice(0, 24) }
    try {
      await createUser(db, clock, { ...values, officerEmployeeNo: values.officer || null, password: form.password, actor: adminAuth(c).user.username })
    } catch (error) {
      return renderUsers(c, { error: errorMessage(c, error), values }, 422)
    }
    return c.redirect('/admin/users?notice=added', 303)
  })

  // An admin cannot lock themselves out or drop their own rights by mistake; refused before the form is read.
  const notOwnRights = createMiddleware<AppEnv>(async (c, next) => {
    if (changedUsername(c) === adminAuth(c).user.username && c.req.param('change') !== 'password') return renderUsers(c, { error: c.get('t').admin.users.self }, 409)
    await next()
  })

  app.post('/:username/:change{disable|enable|role|password}', notOwnRights, validForm(UserChangeForm), async (c) => {
    const { db, clock } = c.get('services')
    const auth = adminAuth(c)
    const username = changedUsername(c)
    const change = c.req.param('change')
    const form = c.req.valid('form')
    try {
      if (change === 'disable' || change === 'enable') await setUserDisabled(db, clock, username, change === 'disable', auth.user.username)
      else if (change === 'role') await changeUserRole(db, clock, username, form.role, auth.user.username)
      else await resetUserPassword(db, clock, username, form.password, auth.user.username)
    } catch (error) {
      if (error instanceof DomainError && error.code === 'unknown_user') return renderError(c, 404)
      return renderUsers(c, { error: errorMessage(c, error) }, 422)
    }
    return c.redirect('/admin/users?notice=1', 303)
  })

  return app
}

/** Compared as stored: /admin/users/ADMIN/disable names the same account as /admin/users/admin/disable. */
function changedUsername(c: Context<AppEnv>): string {
  return normalizeUsername(c.req.param('username') ?? '')
}

async function renderUsers(c: Context<AppEnv>, options: { notice?: string | null; error?: string | null; values?: UsersView['values'] }, status: 200 | 409 | 422 = 200) {
  const t = c.get('t')
  const u = t.admin.users
  const self = adminAuth(c).user.username
  const view: UsersView = {
    users: (await listUsers(c.get('services').db)).map(({ user, officerEmployeeNo, officerName }) => ({
      username: user.username,
      role: user.role,
      roleLabel: u.roles[user.role],
      officer: officerEmployeeNo ? `${officerName} (${officerEmployeeNo})` : '—',
      disabled: user.disabledAt !== null,
      statusLabel: user.disabledAt === null ? u.active : u.disabled,
      isSelf: user.username === self,
    })),
    roles: ROLES.map((role) => ({ value: role, label: u.roles[role] })),
    values: options.values ?? { username: '', role: 'officer', officer: '' },
    notice: options.notice ?? null,
    error: options.error ?? null,
  }
  return c.html(<UsersPage frame={adminFrame(c)} view={view} />, status)
}

function errorMessage(c: Context<AppEnv>, error: unknown): string {
  if (!(error instanceof DomainError)) throw error
  return c.get('t').admin.errors[error.code] ?? error.message
}
