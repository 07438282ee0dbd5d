import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { z } from 'zod'
import { requireCsrfToken, requireRole } from '../../http/access.ts'
import type { AuthContext } from '../../auth/sessions.ts'
import { formatShortCode } from '../../credentials/short-code.ts'
import { DomainError } from '../../errors.ts'
import type { AppEnv } from '../../http/env.ts'
import { CompressedHtmlCache, sendCachedHtml } from '../../http/compressed-cache.ts'
import { renderError } from '../../http/errors.tsx'
import { langSwitchHref } from '../../http/middleware.ts'
import { formText, validForm } from '../../http/validate.ts'
import { formatTime, formatWindow, fromLocalInput, toLocalInput } from '../../i18n/time.ts'
import type { Officer } from '../../officers/officers.ts'
import { presentOfficerCard } from '../../officers/present.ts'
import { describeUnit } from '../../officers/scope.ts'
import { LiveQrFragment, LivePassPage, type LiveQrView } from '../../../views/portal/live.tsx'
import { IssuePassPage, type PassFormField, type PassFormView } from '../../../views/portal/pass-form.tsx'
import { CancelPassPage, IssueBadgePage, OfficerHomePage, PassListPage } from '../../../views/portal/passes.tsx'
import { PrintablePage, ReissuePassPage, type PrintableView } from '../../../views/portal/print.tsx'
import { renderQr, type LiveQrCache } from '../../passes/live-qr.ts'
import { verifyUrl, type Credential } from '../../passes/credential-records.ts'
import { defaultVisitWindow, issueVisitPass, revokeCredential } from '../../passes/passes.ts'
import { ensureLiveBadge, findLiveBadge, findOfficerToActFor, findOwnPass, listOfficerPasses, listPassOfficerChoices } from '../../passes/portal-access.ts'
import { isPrintedKeyUsable, printedToken, reissueCredential } from '../../passes/printed.ts'
import { passStatus, presentPassRow } from '../../passes/present.ts'
import { PURPOSE_CODES, PURPOSES, type KtpPolicy, type PurposeCode } from '../../passes/purposes.ts'
import { revealVisitPasswordToOfficer } from '../../households/visit-passwords.ts'

const KTP_POLICIES: readonly KtpPolicy[] = ['none', 'view', 'photo']

/** Which form field each refusal from issueVisitPass belongs to. */
const ERROR_FIELD: Record<string, PassFormField> = {
  invalid_customer_id: 'customerId',
  unknown_purpose: 'purpose',
  unknown_ktp_policy: 'ktp',
  invalid_work_order: 'workOrder',
  photo_not_allowed: 'ktp',
  photo_needs_work_order: 'ktp',
  photo_needs_campaign: 'ktp',
  looser_than_purpose: 'ktp',
  invalid_window: 'windowStart',
  window_in_past: 'windowStart',
  window_reversed: 'windowEnd',
  window_too_long: 'windowEnd',
  officer_suspended: 'officer',
  unknown_officer: 'officer',
}

const passText = formText.transform((value) => value.slice(0, 100))
const PassForm = z.object({
  officer: passText,
  customerId: passText,
  purpose: passText,
  ktp: passText,
  workOrder: passText,
  windowStart: passText,
  windowEnd: passText,
}) satisfies z.ZodType<Record<PassFormField, string>>

/** The officer portal under /officer: phone-first pages to issue, show, print and cancel passes. */
export function officerPortalRoutes(liveQr: LiveQrCache) {
  const app = new Hono<AppEnv>()
  app.use('*', requireRole('officer', 'supervisor', 'admin'))
  app.use('*', bodyLimit({ maxSize: 16 * 1024, onError: (c) => renderError(c as Context<AppEnv>, 413) }))
  app.use('*', requireCsrfToken)

  app.get('/', async (c) => {
    const { auth, services, t, lang } = context(c)
    const now = services.clock.now()
    const rows = await listOfficerPasses(services, auth, { endingAfter: now - 12 * 3600 * 1000, limit: 50 })
    return c.html(
      <OfficerHomePage
        {...frame(c)}
        officerName={auth.officer?.name ?? null}
        today={rows.map((row) => presentPassRow(row, t, lang, now))}
        notice={c.req.query('cancelled') === '1' ? t.portal.cancelled : null}
      />,
    )
  })

  app.get('/passes', async (c) => {
    const { auth, services, t, lang } = context(c)
    const now = services.clock.now()
    const rows = await listOfficerPasses(services, auth, { limit: 200 })
    return c.html(<PassListPage {...frame(c)} rows={rows.map((row) => presentPassRow(row, t, lang, now))} notice={c.req.query('cancelled') === '1' ? t.portal.cancelled : null} />)
  })

  app.get('/passes/new', async (c) => {
    const { auth, services } = context(c)
    const { timeZone } = await describeUnit(services.db, auth.officer?.unitCode ?? null)
    const window = defaultVisitWindow(services.clock.now(), timeZone)
    const values: Record<PassFormField, string> = {
      officer: auth.officer?.employeeNo ?? '',
      customerId: '',
      purpose: 'CATAT_METER',
      ktp: '',
      workOrder: '',
      windowStart: toLocalInput(window.start, timeZone),
      windowEnd: toLocalInput(window.end, timeZone),
    }
    return c.html(<IssuePassPage {...frame(c)} form={await passForm(c, values, {})} />)
  })

  app.post('/passes', validForm(PassForm), async (c) => {
    const { auth, services, t } = context(c)
    const form = c.req.valid('form')
    const values: Record<PassFormField, string> = { ...form, officer: form.officer || (auth.officer?.employeeNo ?? '') }
    const officer = await findOfficerToActFor(services, auth, values.officer)
    if (typeof officer === 'string') return renderError(c, 403)
    const { timeZone } = await describeUnit(services.db, officer.unitCode)
    const windowStart = fromLocalInput(values.windowStart, timeZone)
    const windowEnd = fromLocalInput(values.windowEnd, timeZone)
    if (windowStart === null || windowEnd === null) {
      const errors = { [windowStart === null ? 'windowStart' : 'windowEnd']: t.portal.errors.invalid_window }
      return c.html(<IssuePassPage {...frame(c)} form={await passForm(c, values, errors)} />, 422)
    }
    try {
      const pass = await issueVisitPass(services, {
        officerEmployeeNo: officer.employeeNo,
        customerId: values.customerId,
        purpose: values.purpose,
        ktp: values.ktp || null,
        workOrder: values.workOrder || null,
        windowStart,
        windowEnd,
        issuedBy: auth.user.username,
      })
      return c.redirect(`/officer/passes/${pass.id}/live`, 303)
    } catch (error) {
      if (!(error instanceof DomainError)) throw error
      const errors = { [ERROR_FIELD[error.code] ?? 'customerId']: t.portal.errors[error.code] ?? error.message }
      return c.html(<IssuePassPage {...frame(c)} form={await passForm(c, values, errors)} />, 422)
    }
  })

  app.get('/passes/:id/live', async (c) => {
    const found = await visiblePass(c)
    if (!found) return renderError(c, 404)
    const { auth, services, t, lang } = context(c)
    const { credential, officer, timeZone } = found
    const view = {
      live: await liveQrView(c, liveQr, credential, officer, timeZone),
      // Only on this page, never in the QR fragment it polls: each view of the word is one audited reveal.
      visitPassword: await revealVisitPasswordToOfficer(services, found, { officerId: auth.officer?.id ?? null, actor: auth.user.username }),
      purposeLabel: PURPOSES[credential.purpose as PurposeCode]?.label[lang] ?? '',
      customer: `•••• ${credential.customerLast4 ?? ''}`,
      windowText: formatWindow(credential.windowStart, credential.windowEnd, lang, timeZone),
      ktpLabel: credential.ktpPolicy ? t.portal.ktpPolicies[credential.ktpPolicy] : '',
      publicUrl: services.config.publicUrl,
    }
    return c.html(<LivePassPage {...frame(c)} view={view} />)
  })

  const fragments = new CompressedHtmlCache()
  app.get('/passes/:id/qr', async (c) => {
    const found = await visiblePass(c)
    if (!found) return renderError(c, 404)
    const live = await liveQrView(c, liveQr, found.credential, found.officer, found.timeZone)
    const t = c.get('t')
    if (!live.qr) return c.html(<LiveQrFragment t={t} live={live} />)
    const key = `${live.passId}|${live.qr.kid}|${live.qr.mintedAt}|${c.get('lang')}|${live.shortCodeWithdrawn === null}`
    return sendCachedHtml(c, await fragments.get(key, () => (<LiveQrFragment t={t} live={live} />).toString()))
  })

  app.get('/passes/:id/print', async (c) => {
    const found = await visiblePass(c)
    if (!found) return renderError(c, 404)
    const { credential, officer } = found
    if (passStatus(credential, c.get('services').clock.now()) === 'revoked') return renderError(c, 404)
    if (!(await isPrintedKeyUsable(c.get('services'), credential))) return c.html(<ReissuePassPage {...frame(c)} passId={credential.id} />)
    return c.html(await printable(c, credential, officer, 'pass'))
  })

  // A reprint never signs anew; only this explicit step replaces a pass whose key no longer vouches for it.
  app.post('/passes/:id/reissue', async (c) => {
    const found = await visiblePass(c)
    if (!found) return renderError(c, 404)
    const { services, auth } = context(c)
    if (found.credential.revokedAt !== null) return renderError(c, 404)
    if (await isPrintedKeyUsable(services, found.credential)) return c.redirect(`/officer/passes/${found.credential.id}/print`, 303)
    const pass = await reissueCredential(services, found.credential.id, auth.user.username)
    return c.redirect(`/officer/passes/${pass.id}/print`, 303)
  })

  // Cancelling cannot be undone, so the card's "Batalkan" only opens this step; its form is what cancels.
  app.get('/passes/:id/cancel', async (c) => {
    const found = await visiblePass(c)
    if (!found) return renderError(c, 404)
    const { services, t, lang } = context(c)
    const row = presentPassRow({ pass: found.credential, officer: found.officer, timeZone: found.timeZone }, t, lang, services.clock.now())
    return c.html(<CancelPassPage {...frame(c)} pass={row} backHref={c.req.query('from') === 'home' ? '/officer' : '/officer/passes'} />)
  })

  app.post('/passes/:id/cancel', async (c) => {
    const found = await visiblePass(c)
    if (!found) return renderError(c, 404)
    if (found.credential.revokedAt === null) {
      await revokeCredential(c.get('services'), found.credential.id, { reason: 'cancelled in the officer portal', actor: context(c).auth.user.username })
    }
    return c.redirect('/officer/passes?cancelled=1', 303)
  })

  app.get('/badge', async (c) => {
    const officer = await badgeOfficer(c)
    if (!(officer instanceof Object)) return renderError(c, officer)
    const badge = await findLiveBadge(c.get('services'), officer)
    if (!badge) return c.html(<IssueBadgePage {...frame(c)} officerName={officer.name} employeeNo={officer.employeeNo} />)
    return c.html(await printable(c, badge, officer, 'badge'))
  })

  // Issuing changes state, so it is a POST; the GET above only shows what exists.
  app.post('/badge', async (c) => {
    const officer = await badgeOfficer(c)
    if (!(officer instanceof Object)) return renderError(c, officer)
    const { services, auth } = context(c)
    await ensureLiveBadge(services, officer, auth.user.username)
    return c.redirect(`/officer/badge?officer=${encodeURIComponent(officer.employeeNo)}`, 303)
  })

  return app
}

/** The officer whose badge is asked for (yourself by default), or the status to refuse with. */
async function badgeOfficer(c: Context<AppEnv>): Promise<Officer | 403 | 404> {
  const { auth, services } = context(c)
  const officer = await findOfficerToActFor(services, auth, c.req.query('officer') ?? auth.officer?.employeeNo ?? '')
  if (officer === 'unknown') return 404
  if (officer === 'forbidden' || officer.status !== 'active') return 403
  return officer
}

function context(c: Context<AppEnv>) {
  // requireRole guarantees a session on every route of this app.
  return { auth: c.get('auth') as AuthContext, services: c.get('services'), t: c.get('t'), lang: c.get('lang') }
}

/** The portal frame's props (title and children aside) for the signed-in user. */
export function frame(c: Context<AppEnv>) {
  const auth = c.get('auth') as AuthContext
  return { t: c.get('t'), langSwitchHref: langSwitchHref(c), username: auth.user.username, csrfToken: auth.csrfToken, showAdminLink: auth.user.role !== 'officer' }
}

/** The pass in the URL, when the user may act for its officer; else null. */
function visiblePass(c: Context<AppEnv>) {
  const { auth, services } = context(c)
  return findOwnPass(services, auth, c.req.param('id') ?? '')
}

async function passForm(c: Context<AppEnv>, values: Record<PassFormField, string>, errors: Partial<Record<PassFormField, string>>): Promise<PassFormView> {
  const { auth, services, t, lang } = context(c)
  const choices = await listPassOfficerChoices(services, auth)
  return {
    officers: choices && choices.map((o) => ({ employeeNo: o.employeeNo, label: `${o.name} (${o.employeeNo})` })),
    purposes: PURPOSE_CODES.map((code) => ({
      code,
      label: `${PURPOSES[code].label[lang]} — ${t.portal.ktp}: ${t.portal.ktpPolicies[PURPOSES[code].defaultKtp]}`,
      defaultKtp: PURPOSES[code].defaultKtp,
    })),
    ktpOptions: [
      { value: '', label: t.portal.form.ktpDefault },
      ...KTP_POLICIES.map((value) => ({ value, label: t.portal.ktpPolicies[value] })),
    ],
    ktpEffects: KTP_POLICIES.map((policy) => ({ policy, text: t.portal.form.ktpEffects[policy] })),
    values,
    errors,
  }
}

async function liveQrView(c: Context<AppEnv>, liveQr: LiveQrCache, credential: Credential, officer: Officer, timeZone: string): Promise<LiveQrView> {
  const { services, t, lang } = context(c)
  const status = passStatus(credential, services.clock.now())
  const base = {
    passId: credential.id,
    shortCode: formatShortCode(credential.shortCode),
    shortCodeWithdrawn: (await isPrintedKeyUsable(services, credential)) ? null : t.portal.live.codeWithdrawn,
  }
  if (status === 'revoked') return { ...base, qr: null, stoppedReason: t.portal.live.revoked }
  if (status === 'ended') return { ...base, qr: null, stoppedReason: t.portal.live.ended }
  const qr = await liveQr.current(credential, officer)
  return {
    ...base,
    stoppedReason: null,
    qr: { svg: qr.svg, kid: qr.kid, mintedAt: qr.mintedAt, expiresAt: qr.expiresAt, validUntil: formatTime(qr.expiresAt, lang, timeZone), refreshedAt: formatTime(qr.mintedAt, lang, timeZone) },
  }
}

async function printable(c: Context<AppEnv>, credential: Credential, officer: Officer, kind: 'pass' | 'badge') {
  const { services, t, lang } = context(c)
  const { svg } = await renderQr(verifyUrl(services, await printedToken(services, credential, officer)))
  const { chain, timeZone } = await describeUnit(services.db, officer.unitCode)
  const { name: officerName, ...card } = presentOfficerCard(officer, chain, t)
  const view: PrintableView = {
    title: kind === 'badge' ? t.portal.printBadgeTitle : t.portal.printPass.title,
    officerName,
    ...card,
    qrSvg: svg,
    shortCode: formatShortCode(credential.shortCode),
    publicUrl: services.config.publicUrl,
    visit:
      kind === 'pass'
        ? {
            purposeLabel: PURPOSES[credential.purpose as PurposeCode]?.label[lang] ?? '',
            windowText: formatWindow(credential.windowStart, credential.windowEnd, lang, timeZone),
            customer: `•••• ${credential.customerLast4 ?? ''}`,
            ktpLabel: credential.ktpPolicy ? t.portal.ktpPolicies[credential.ktpPolicy] : '',
          }
        : null,
  }
  return <PrintablePage t={t} langSwitchHref={langSwitchHref(c)} view={view} kind={kind} />
}
