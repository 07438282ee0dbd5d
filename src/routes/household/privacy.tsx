import { Hono, type Context } from 'hono'
import type { AppEnv } from '../../http/env.ts'
import { langSwitchHref } from '../../http/middleware.ts'
import { dataLang, messagesFor, parseLang } from '../../i18n/index.ts'
import { presentPrivacyNotice } from '../../privacy/notice.ts'
import { PrivacyPage } from '../../../views/privacy.tsx'

/**
 * The privacy notice (UU PDP Art. 21): /privacy is English, /privasi every other language —
 * Bahasa Indonesia, or the regional language the visitor chose — unless `?lang=` says otherwise.
 */
export function privacyRoutes() {
  const app = new Hono<AppEnv>()
  app.get('/privasi', (c) => renderNotice(c, 'privasi'))
  app.get('/privacy', (c) => renderNotice(c, 'privacy'))
  return app
}

function renderNotice(c: Context<AppEnv>, path: 'privasi' | 'privacy') {
  const chosen = parseLang(c.req.query('lang'))
  // The page language the middleware chose (c.get('lang') is the data language: jv/su read as id).
  const remembered = parseLang(c.get('t').htmlLang) ?? 'id'
  const lang = chosen ?? (path === 'privacy' ? 'en' : remembered === 'en' ? 'id' : remembered)
  c.set('lang', dataLang(lang))
  c.set('t', messagesFor(lang))
  const t = c.get('t')
  return c.html(<PrivacyPage t={t} langSwitchHref={langSwitchHref(c)} view={presentPrivacyNotice(t, c.get('services').config)} />)
}
