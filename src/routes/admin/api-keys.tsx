import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { API_KEY_SCOPES, createApiKey, findApiKey, listApiKeys, revokeApiKey } from '../../desk/api-keys.ts'
import { DomainError } from '../../errors.ts'
import type { AppEnv } from '../../http/env.ts'
import { renderError } from '../../http/errors.tsx'
import { formText, validForm } from '../../http/validate.ts'
import { fill } from '../../i18n/index.ts'
import { formatAdminTime } from '../../i18n/time.ts'
import { ApiKeyRevokePage, ApiKeysPage, type ApiKeysView } from '../../../views/admin/api-keys.tsx'
import { adminAuth, adminFrame } from './context.ts'

const NewApiKeyForm = z.object({ name: formText, scope: formText })

/** /admin/api-keys (admins only): the CRM's keys. A new key is shown on the answer to its form, once. */
export function adminApiKeyRoutes() {
  const app = new Hono<AppEnv>()

  app.get('/', (c) => renderApiKeys(c, { notice: c.req.query('notice') === 'revoked' ? c.get('t').admin.apiKeys.revoked : null }))

  // Answered with the page itself, not a redirect: the key must never be in a URL, a history
  // entry or a cache, and a reload cannot show it again (the browser would resubmit, creating another).
  app.post('/', validForm(NewApiKeyForm), async (c) => {
    const { db, clock } = c.get('services')
    const form = c.req.valid('form')
    const values = { name: form.name.slice(0, 200), scope: form.scope.slice(0, 20) }
    let created: Awaited<ReturnType<typeof createApiKey>>
    try {
      created = await createApiKey(db, clock, { ...values, actor: adminAuth(c).user.username })
    } catch (error) {
      return renderApiKeys(c, { error: errorMessage(c, error), values }, 422)
    }
    const label = fill(c.get('t').admin.apiKeys.keyLabel, { id: created.apiKey.id })
    return renderApiKeys(c, { created: { id: created.apiKey.id, key: created.key, label } }, 201)
  })

  app.get('/:id/revoke', async (c) => {
    const key = await findApiKey(c.get('services').db, c.req.param('id'))
    if (!key) return renderError(c, 404)
    if (key.revokedAt !== null) return renderApiKeys(c, { error: c.get('t').admin.errors.api_key_revoked }, 409)
    const k = c.get('t').admin.apiKeys
    return c.html(<ApiKeyRevokePage frame={adminFrame(c)} view={{ id: key.id, title: fill(k.revokeTitle, { id: key.id }), warning: fill(k.revokeWarning, { name: key.name }) }} />)
  })

  app.post('/:id/revoke', async (c) => {
    const { db, clock } = c.get('services')
    try {
      await revokeApiKey(db, clock, c.req.param('id'), adminAuth(c).user.username)
    } catch (error) {
      if (error instanceof DomainError && error.code === 'unknown_api_key') return renderError(c, 404)
      return renderApiKeys(c, { error: errorMessage(c, error) }, 409)
    }
    return c.redirect('/admin/api-keys?notice=revoked', 303)
  })

  return app
}

async function renderApiKeys(c: Context<AppEnv>, options: Partial<Pick<ApiKeysView, 'created' | 'notice' | 'error' | 'values'>>, status: 200 | 201 | 409 | 422 = 200) {
  const t = c.get('t')
  const k = t.admin.apiKeys
  const lang = c.get('lang')
  const view: ApiKeysView = {
    keys: (await listApiKeys(c.get('services').db)).map((key) => ({
      id: key.id,
      name: key.name,
      scopeLabel: k.scopes[key.scope],
      created: formatAdminTime(key.createdAt, lang),
      createdBy: key.createdBy,
      lastUsed: key.lastUsedAt === null ? k.neverUsed : formatAdminTime(key.lastUsedAt, lang),
      revoked: key.revokedAt !== null,
      statusLabel: key.revokedAt === null ? k.active : fill(k.revokedAt, { at: formatAdminTime(key.revokedAt, lang), by: key.revokedBy ?? '—' }),
    })),
    scopes: API_KEY_SCOPES.map((scope) => ({ value: scope, label: k.scopes[scope] })),
    values: options.values ?? { name: '', scope: 'cso' },
    created: options.created ?? null,
    notice: options.notice ?? null,
    error: options.error ?? null,
  }
  // The page may carry a key: no cache may keep it (the app's default, said again where it matters).
  c.header('Cache-Control', 'no-store')
  return c.html(<ApiKeysPage frame={adminFrame(c)} view={view} />, status)
}

function errorMessage(c: Context<AppEnv>, error: unknown): string {
  if (!(error instanceof DomainError)) throw error
  return c.get('t').admin.errors[error.code] ?? error.message
}
