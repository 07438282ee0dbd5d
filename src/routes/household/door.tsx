import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { getCookie, setCookie } from 'hono/cookie'
import { z } from 'zod'
import { DoorCheckMain, DoorCheckPage, DoorStartPage } from '../../../views/door.tsx'
import { DOOR_CHECK_TTL_MS, doorCheckState, findDoorCheck, isDoorCode, startDoorCheck, type DoorCheck } from '../../households/door-checks.ts'
import { doorCheckJson, presentDoorCheck } from '../../households/present.ts'
import { hostCookieName } from '../../http/access.ts'
import type { AppEnv } from '../../http/env.ts'
import type { Services } from '../../services.ts'
import { renderError } from '../../http/errors.tsx'
import { langSwitchHref, rateLimitKey } from '../../http/middleware.ts'
import { formText, validForm, validJson } from '../../http/validate.ts'
import { normalizeCustomerId } from '../../verification/customer-check.ts'

const StartForm = z.object({ customer: formText })
const StartJson = z.object({ customer: z.string().max(32).nullish() })

/**
 * The household's door code lives in this cookie of the device that started the check, so its
 * page can show it again while only the code's keyed hash is stored. `<id>.<code>`, one check.
 */
const DOOR_COOKIE = 'cp_door'

/** The household side of the door check (DESIGN §10.2): /door, /door/<id>, and its JSON API. */
export function householdDoorRoutes() {
  const app = new Hono<AppEnv>()
  const limitBody = bodyLimit({ maxSize: 4 * 1024, onError: (c) => renderError(c as Context<AppEnv>, 413) })

  app.get('/door', (c) => c.html(<DoorStartPage t={c.get('t')} langSwitchHref={langSwitchHref(c)} />))

  app.post('/door', limitBody, validForm(StartForm), async (c) => {
    const t = c.get('t')
    const typed = c.req.valid('form').customer.trim()
    const customerId = typed === '' ? null : normalizeCustomerId(typed)
    if (typed !== '' && customerId === null) {
      return c.html(<DoorStartPage t={t} langSwitchHref={langSwitchHref(c)} customerValue={typed.slice(0, 17)} customerError={t.door.customerInvalid} />, 400)
    }
    const retryAfter = await consumeStart(c)
    if (retryAfter) return renderError(c, 429, { retryAfter })
    const started = await startDoorCheck(c.get('services'), customerId)
    const { production } = c.get('services').config
    setCookie(c, hostCookieName(DOOR_COOKIE, production), `${started.id}.${started.code}`, {
      path: '/',
      httpOnly: true,
      sameSite: 'Lax',
      secure: production,
      maxAge: DOOR_CHECK_TTL_MS / 1000,
    })
    return c.redirect(`/door/${started.id}`, 303)
  })

  app.get('/door/:id', async (c) => {
    const check = await findDoorCheck(c.get('services'), c.req.param('id'))
    if (!check) return renderError(c, 404)
    c.header('Cache-Control', 'no-store')
    const view = await presentDoorCheck(c.get('services'), check, codeOf(c, check), c.get('t'), c.get('lang'))
    return c.html(<DoorCheckPage t={c.get('t')} langSwitchHref={langSwitchHref(c)} view={view} />)
  })

  // The fragment the page polls. A poll only comes from a waiting page, so while the check is
  // still waiting htmx gets 204 and swaps nothing; any other request gets the whole <main>.
  app.get('/door/:id/state', async (c) => {
    const { services } = c.var
    let check = await findDoorCheck(services, c.req.param('id'))
    if (!check) return renderError(c, 404)
    c.header('Cache-Control', 'no-store')
    if (c.req.header('hx-request') === 'true' && doorCheckState(check, services.clock.now()) === 'waiting') {
      const changed = await changeWithin(services, check.id, services.config.doorPollHoldMs)
      if (!changed) return c.body(null, 204)
      check = changed
    }
    const view = await presentDoorCheck(services, check, codeOf(c, check), c.get('t'), c.get('lang'))
    return c.html(<DoorCheckMain t={c.get('t')} view={view} />)
  })

  const jsonRefusals = {
    malformed: (c: Context<AppEnv>) => c.json({ error: 'malformed', message: 'The body must be JSON: {"customer"?: "<12 digits>"}' }, 400),
    invalid: (c: Context<AppEnv>) => c.json({ error: 'invalid', message: 'customer, when given, must be a 12-digit ID pelanggan' }, 400),
  }
  app.post('/api/v1/door-checks', limitBody, validJson(StartJson, jsonRefusals), async (c) => {
    const typed = c.req.valid('json').customer?.trim() ?? ''
    const customerId = typed === '' ? null : normalizeCustomerId(typed)
    if (typed !== '' && customerId === null) return jsonRefusals.invalid(c)
    const retryAfter = await consumeStart(c)
    if (retryAfter) return renderError(c, 429, { retryAfter })
    const services = c.get('services')
    const started = await startDoorCheck(services, customerId)
    return c.json({ id: started.id, code: started.code, expiresAt: new Date(started.expiresAt).toISOString(), url: `${services.config.publicUrl}/door/${started.id}` }, 201)
  })

  app.get('/api/v1/door-checks/:id', async (c) => {
    const services = c.get('services')
    const check = await findDoorCheck(services, c.req.param('id'))
    if (!check) return c.json({ error: 'not_found', message: 'No door check has this id' }, 404)
    c.header('Cache-Control', 'no-store')
    return c.json(await doorCheckJson(services, check, c.get('lang')))
  })

  return app
}

const HOLD_STEP_MS = 100

/**
 * The check once it is no longer waiting, looked at every 100 ms for up to `holdMs`; null if it
 * still waits. The page polls every 2 s (DESIGN §10.2); holding each poll open for most of that
 * time lets a confirmation reach the household at once instead of at the next poll, whose wait
 * alone could reach 2 s. Real time, not the app's clock: this is latency, not a rule about time.
 */
async function changeWithin(services: Services, id: string, holdMs: number): Promise<DoorCheck | null> {
  for (let waited = 0; waited < holdMs; waited += HOLD_STEP_MS) {
    await new Promise((resolve) => setTimeout(resolve, HOLD_STEP_MS))
    const check = await findDoorCheck(services, id)
    if (check && doorCheckState(check, services.clock.now()) !== 'waiting') return check
  }
  return null
}

/** Counts one door check started from this client; the seconds to wait when over the limit. */
async function consumeStart(c: Context<AppEnv>): Promise<number | null> {
  const rateLimits = c.get('rateLimits')
  if (!rateLimits.enabled) return null
  return rateLimits.doorChecksPerClient.consume(rateLimitKey(c), c.get('services').clock.now())
}

/** The code of this check from this device's cookie, or null. */
function codeOf(c: Context<AppEnv>, check: DoorCheck): string | null {
  const value = getCookie(c, hostCookieName(DOOR_COOKIE, c.get('services').config.production)) ?? ''
  const [id, code] = value.split('.')
  return id === check.id && code !== undefined && isDoorCode(code) ? code : null
}
