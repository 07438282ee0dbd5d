import { Hono, type Context } from 'hono'
import { KeyError, type KeySummary } from '../credentials/keys.ts'
import type { AppEnv } from '../http/env.ts'
import { renderError } from '../http/errors.tsx'
import { fill } from '../i18n/index.ts'
import { KeyConfirmPage, KeysPage } from '../../views/admin/system.tsx'
import { adminAuth, adminFrame } from './context.ts'
import { formatAdminTime } from './time.ts'

/** /admin/keys: list, rotate, and — after typing the key id — retire or mark compromised. */
export function adminKeyRoutes() {
  const app = new Hono<AppEnv>()

  app.get('/', (c) => renderKeys(c, noticeFromQuery(c), null))

  app.post('/rotate', async (c) => {
    await c.get('services').keys.rotate(adminAuth(c).user.username)
    return c.redirect('/admin/keys?notice=rotated', 303)
  })

  for (const action of ['retire', 'compromise'] as const) {
    app.get(`/:kid/${action}`, (c) => {
      const key = findKey(c)
      if (!key) return renderError(c, 404)
      return c.html(<KeyConfirmPage frame={adminFrame(c)} view={confirmView(c, key, action, null)} />)
    })

    app.post(`/:kid/${action}`, async (c) => {
      const key = findKey(c)
      if (!key) return renderError(c, 404)
      const body = await c.req.parseBody()
      if (body.confirmKid !== key.kid) {
        return c.html(<KeyConfirmPage frame={adminFrame(c)} view={confirmView(c, key, action, c.get('t').admin.keys.kidMismatch)} />, 422)
      }
      const { keys } = c.get('services')
      const actor = adminAuth(c).user.username
      try {
        if (action === 'retire') keys.retire(key.kid, { force: true, actor })
        else await keys.compromise(key.kid, actor)
      } catch (error) {
        if (!(error instanceof KeyError)) throw error
        return renderKeys(c, null, error.message, 409)
      }
      return c.redirect(`/admin/keys?notice=${action === 'retire' ? 'retired' : 'compromised'}`, 303)
    })
  }

  return app
}

function findKey(c: Context<AppEnv>): KeySummary | null {
  const kid = c.req.param('kid')
  return c.get('services').keys.list().find((key) => key.kid === kid) ?? null
}

function renderKeys(c: Context<AppEnv>, notice: string | null, error: string | null, status: 200 | 409 = 200) {
  const k = c.get('t').admin.keys
  const lang = c.get('lang')
  const rows = c
    .get('services')
    .keys.list()
    .map((key) => ({
      kid: key.kid,
      state: key.state,
      stateLabel: k.states[key.state],
      created: formatAdminTime(key.createdAt, lang),
      changed: formatAdminTime(key.stateChangedAt, lang),
      liveCredentials: key.liveCredentials,
      canRetire: key.state === 'verify_only',
      canCompromise: key.state !== 'compromised' && key.state !== 'retired',
    }))
  return c.html(<KeysPage frame={adminFrame(c)} keys={rows} notice={notice} error={error} />, status)
}

function confirmView(c: Context<AppEnv>, key: KeySummary, action: 'retire' | 'compromise', error: string | null) {
  const k = c.get('t').admin.keys
  return {
    kid: key.kid,
    action,
    title: fill(k.confirmTitle, { action: action === 'retire' ? k.retire : k.compromise, kid: key.kid }),
    warning: fill(action === 'retire' ? k.confirmRetire : k.confirmCompromise, { count: String(key.liveCredentials) }),
    error,
  }
}

function noticeFromQuery(c: Context<AppEnv>): string | null {
  const k = c.get('t').admin.keys
  const notices: Record<string, string> = { rotated: k.rotated, retired: k.retired, compromised: k.compromised }
  return notices[c.req.query('notice') ?? ''] ?? null
}
