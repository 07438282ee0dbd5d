import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { asset } from '../../../views/assets.ts'
import { OfficerDoorPage, OfficerDoorResultPage, type OfficerDoorView } from '../../../views/portal/door.tsx'
import type { AuthContext } from '../../auth/sessions.ts'
import { confirmDoorCheck, isDoorCode, listConfirmingPasses, waitingCheckCustomer } from '../../households/door-checks.ts'
import { requireCsrfToken, requireRole } from '../../http/access.ts'
import type { AppEnv } from '../../http/env.ts'
import { formText, validForm } from '../../http/validate.ts'
import { fillCount } from '../../i18n/index.ts'
import { formatWindow } from '../../i18n/time.ts'
import type { Credential } from '../../passes/credential-records.ts'
import { PURPOSES, type PurposeCode } from '../../passes/purposes.ts'
import { frame } from './portal.tsx'

const ConfirmForm = z.object({ code: formText.transform((value) => value.replace(/\s/g, '').slice(0, 12)), pass: formText.transform((value) => value.slice(0, 64)) })

/** The officer's side of the door check (DESIGN §10.2), mounted under /officer. */
export function officerDoorRoutes() {
  const app = new Hono<AppEnv>()
  // An officer who scans a household's door QR before signing in comes back to that very code.
  app.get('/door', async (c, next) => {
    if (c.get('auth')) return next()
    const typed = (c.req.query('code') ?? '').replace(/\s/g, '')
    if (!isDoorCode(typed)) return next()
    return c.redirect(`/login?next=${encodeURIComponent(`/officer/door?code=${typed}`)}`, 303)
  })
  app.use('/door', requireRole('officer', 'supervisor', 'admin'))
  app.use('/door', requireCsrfToken)

  app.get('/door', async (c) => {
    const { auth, services } = context(c)
    const typed = (c.req.query('code') ?? '').replace(/\s/g, '').slice(0, 12)
    const code = isDoorCode(typed) ? typed : ''
    // The household's pass first: only for a code the officer is not throttled on, and a code
    // that names no check counts as a guess, so this page is no free oracle for codes.
    let customerHash: string | null = null
    if (code && auth.officer && (await blockedFor(c, auth.officer.id)) === null) {
      customerHash = await waitingCheckCustomer(services, code)
      if (customerHash === null) await countWrongCode(c, auth.officer.id)
    }
    return c.html(<OfficerDoorPage {...frame(c)} view={await doorView(c, code, customerHash, null)} />)
  })

  app.post('/door', validForm(ConfirmForm), async (c) => {
    const { auth, services, t } = context(c)
    const { code, pass } = c.req.valid('form')
    if (!auth.officer) return c.html(<OfficerDoorPage {...frame(c)} view={await doorView(c, '', null, t.door.officer.notOfficer)} />, 403)
    if (!isDoorCode(code)) return c.html(<OfficerDoorPage {...frame(c)} view={await doorView(c, '', null, t.door.officer.refusals.invalid_code ?? '')} />, 400)
    const retryAfter = await blockedFor(c, auth.officer.id)
    if (retryAfter !== null) {
      c.header('Retry-After', String(retryAfter))
      return c.html(<OfficerDoorPage {...frame(c)} view={await doorView(c, '', null, fillCount(t.door.officer.tooMany, Math.ceil(retryAfter / 60)))} />, 429)
    }
    const outcome = await confirmDoorCheck(services, { code, passId: pass, officerId: auth.officer.id, actor: auth.user.username })
    if (!outcome.ok) {
      if (outcome.reason === 'unknown_code') await countWrongCode(c, auth.officer.id)
      const text = t.door.officer.refusals[outcome.reason] ?? ''
      return c.html(<OfficerDoorResultPage {...frame(c)} view={{ confirmed: false, text, passLabel: null }} />, outcome.reason === 'officer_inactive' ? 403 : 422)
    }
    const chosen = (await listConfirmingPasses(services, auth.officer.id)).find((row) => row.id === pass)
    return c.html(<OfficerDoorResultPage {...frame(c)} view={{ confirmed: true, text: t.door.officer.confirmedText, passLabel: chosen ? passLabel(c, chosen) : null }} />)
  })

  return app
}

function context(c: Context<AppEnv>) {
  // requireRole guarantees a session on every route of this app.
  return { auth: c.get('auth') as AuthContext, services: c.get('services'), t: c.get('t'), lang: c.get('lang') }
}

async function doorView(c: Context<AppEnv>, code: string, customerHash: string | null, error: string | null): Promise<OfficerDoorView> {
  const { auth, services } = context(c)
  const passes = auth.officer ? await listConfirmingPasses(services, auth.officer.id, customerHash) : []
  return {
    code,
    passes: passes.map((pass) => ({ id: pass.id, label: passLabel(c, pass) })),
    canConfirm: auth.officer !== null,
    error,
    origin: services.config.publicUrl,
    decoderSrc: asset('vendor/jsQR.js'),
  }
}

/** "Pencatatan meter · •••• 2345 · Sen, 23 Nov 09.00–13.00 WIB" */
function passLabel(c: Context<AppEnv>, pass: Credential): string {
  const lang = c.get('lang')
  const purpose = PURPOSES[pass.purpose as PurposeCode]?.label[lang] ?? pass.purpose ?? ''
  return `${purpose} · •••• ${pass.customerLast4 ?? ''} · ${formatWindow(pass.windowStart, pass.windowEnd, lang, 'Asia/Jakarta')}`
}

/** Seconds this officer must wait before trying another code (their own limit or everyone's), or null. */
async function blockedFor(c: Context<AppEnv>, officerId: number): Promise<number | null> {
  const rateLimits = c.get('rateLimits')
  if (!rateLimits.enabled) return null
  const now = c.get('services').clock.now()
  return (await rateLimits.wrongDoorCodesPerOfficer.blockedFor(String(officerId), now)) ?? (await rateLimits.wrongDoorCodesOverall.blockedFor('all', now))
}

async function countWrongCode(c: Context<AppEnv>, officerId: number): Promise<void> {
  const rateLimits = c.get('rateLimits')
  if (!rateLimits.enabled) return
  const now = c.get('services').clock.now()
  await rateLimits.wrongDoorCodesPerOfficer.consume(String(officerId), now)
  await rateLimits.wrongDoorCodesOverall.consume('all', now)
}
