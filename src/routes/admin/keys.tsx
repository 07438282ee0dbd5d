import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import { keyActions, KeyError, type KeySummary } from '../../credentials/keys.ts'
import type { AppEnv } from '../../http/env.ts'
import { renderError } from '../../http/errors.tsx'
import { optionalFormText, validForm } from '../../http/validate.ts'
import { fill, fillCount } from '../../i18n/index.ts'
import { formatAdminTime } from '../../i18n/time.ts'
import { KeyConfirmPage, KeysPage } from '../../../views/admin/keys.tsx'
import { adminAuth, adminFrame } from './context.ts'

const KeyConfirmForm = z.object({ confirmKid: optionalFormText, confirmLive: optionalFormText })

/**
 * An unknown key id is answered 404 before its form is read; the handler reads the key it names
 * from `c.req.valid('param')` instead of looking it up again.
 */
const knownKey: MiddlewareHandler<AppEnv, string, { out: { param: { key: KeySummary } } }> = async (c, next) => {
  const key = await findKey(c)
  if (!key) return renderError(c, 404)
  c.req.addValidatedData('param', { key })
  await next()
}

/** /admin/keys: list, rotate, and — after typing the key id — retire or mark compromised. */
export function adminKeyRoutes() {
  const app = new Hono<AppEnv>()

  app.get('/', (c) => renderKeys(c, noticeFromQuery(c), null))

  app.post('/rotate', async (c) => {
    await c.get('services').keys.rotate(adminAuth(c).user.username)
    return c.redirect('/admin/keys?notice=rotated', 303)
  })

  for (const action of ['retire', 'compromise'] as const) {
    app.get(`/:kid/${action}`, async (c) => {
      const key = await findKey(c)
      if (!key) return renderError(c, 404)
      return c.html(<KeyConfirmPage frame={adminFrame(c)} view={confirmView(c, key, action, null)} />)
    })

    app.post(`/:kid/${action}`, knownKey, validForm(KeyConfirmForm), async (c) => {
      const { key } = c.req.valid('param')
      const body = c.req.valid('form')
      const k = c.get('t').admin.keys
      if (body.confirmKid !== key.kid) {
        return c.html(<KeyConfirmPage frame={adminFrame(c)} view={confirmView(c, key, action, k.kidMismatch)} />, 422)
      }
      const { keys } = c.get('services')
      const actor = adminAuth(c).user.username
      try {
        if (action === 'retire') await keys.retire(key.kid, { actor, force: typedForce(body.confirmLive) })
        else await keys.compromise(key.kid, actor)
      } catch (error) {
        if (!(error instanceof KeyError)) throw error
        // Refusals that the admin can act on come back to the confirmation step with the current count.
        const fresh = (await findKey(c)) ?? key
        if (action === 'retire' && (error.code === 'live_credentials' || error.code === 'live_count_changed')) {
          return c.html(<KeyConfirmPage frame={adminFrame(c)} view={confirmView(c, fresh, action, keyErrorText(c, error))} />, 409)
        }
        return renderKeys(c, null, keyErrorText(c, error), 409)
      }
      return c.redirect(`/admin/keys?notice=${action === 'retire' ? 'retired' : 'compromised'}`, 303)
    })
  }

  return app
}

/** The typed number of live credentials the admin accepts to break, or no force at all. */
function typedForce(value: string | null): { acceptedLiveCredentials: number } | undefined {
  if (value === null || !/^\d{1,9}$/.test(value.trim())) return undefined
  return { acceptedLiveCredentials: Number(value.trim()) }
}

function keyErrorText(c: Context<AppEnv>, error: KeyError): string {
  const k = c.get('t').admin.keys
  const until = error.facts.until ? formatAdminTime(error.facts.until, c.get('lang')) : ''
  const message = k.errors[error.code]
  const live = error.facts.liveCredentials ?? 0
  const values = { kid: c.req.param('kid') ?? '', until }
  return typeof message === 'string' ? fill(message, { ...values, count: String(live) }) : fillCount(message, live, values)
}

function findKey(c: Context<AppEnv>): Promise<KeySummary | null> {
  return c.get('services').keys.find(c.req.param('kid') ?? '')
}

async function renderKeys(c: Context<AppEnv>, notice: string | null, error: string | null, status: 200 | 409 = 200) {
  const k = c.get('t').admin.keys
  const lang = c.get('lang')
  const rows = (await c.get('services').keys.list()).map((key) => ({
    kid: key.kid,
    state: key.state,
    stateLabel: k.states[key.state],
    created: formatAdminTime(key.createdAt, lang),
    changed: formatAdminTime(key.stateChangedAt, lang),
    liveCredentials: key.liveCredentials,
    ...keyActions(key.state),
  }))
  return c.html(<KeysPage frame={adminFrame(c)} keys={rows} notice={notice} error={error} />, status)
}

function confirmView(c: Context<AppEnv>, key: KeySummary, action: 'retire' | 'compromise', error: string | null) {
  const k = c.get('t').admin.keys
  return {
    kid: key.kid,
    action,
    title: fill(k.confirmTitle, { action: action === 'retire' ? k.retire : k.compromise, kid: key.kid }),
    warning: action === 'retire' ? fill(k.confirmRetire, { count: String(key.liveCredentials) }) : fillCount(k.confirmCompromise, key.liveCredentials),
    // Breaking live credentials takes a second, deliberate answer: the number that will break.
    forceLabel: action === 'retire' && key.liveCredentials > 0 ? fillCount(k.typeLiveCount, key.liveCredentials) : null,
    error,
  }
}

function noticeFromQuery(c: Context<AppEnv>): string | null {
  const k = c.get('t').admin.keys
  const notices: Record<string, string> = { rotated: k.rotated, retired: k.retired, compromised: k.compromised }
  return notices[c.req.query('notice') ?? ''] ?? null
}
