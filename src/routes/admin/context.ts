import type { Context } from 'hono'
import type { AuthContext } from '../../auth/sessions.ts'
import type { AppEnv } from '../../http/env.ts'
import { langSwitchHref } from '../../http/middleware.ts'
import type { AdminFrame, AdminSection } from '../../../views/admin/layout.tsx'

const ADMIN_SECTIONS: AdminSection[] = ['reports', 'campaigns', 'officers', 'keys', 'users', 'audit', 'stats', 'desk-lookups', 'api-keys']
const SUPERVISOR_SECTIONS: AdminSection[] = ['reports', 'campaigns', 'officers', 'stats', 'desk-lookups']

/** The signed-in user on an admin route (requireRole has run). */
export function adminAuth(c: Context<AppEnv>): AuthContext {
  const auth = c.get('auth')
  if (!auth) throw new Error('admin route reached without a session')
  return auth
}

export function adminFrame(c: Context<AppEnv>): AdminFrame {
  const auth = adminAuth(c)
  return {
    t: c.get('t'),
    langSwitchHref: langSwitchHref(c),
    username: auth.user.username,
    csrfToken: auth.csrfToken,
    sections: auth.user.role === 'admin' ? ADMIN_SECTIONS : SUPERVISOR_SECTIONS,
  }
}
