import { raw } from 'hono/html'
import type { Messages } from '../../src/i18n/index.ts'
import { STAFF_STYLESHEETS } from '../assets.ts'
import { Layout } from '../layout.tsx'
import { PortalLayout, type PortalLayoutProps } from './layout.tsx'

export interface PrintableView {
  title: string
  officerName: string
  employeeNo: string
  roleTitle: string
  unitLine: string | null
  employerLine: string
  photoUrl: string | null
  qrSvg: string
  shortCode: string
  publicUrl: string
  /** Visit passes only. */
  visit: { purposeLabel: string; windowText: string; customer: string; ktpLabel: string } | null
}

export function PrintablePage({ t, langSwitchHref, view, kind }: { t: Messages; langSwitchHref: string; view: PrintableView; kind: 'pass' | 'badge' }) {
  return (
    <Layout t={t} title={view.title} langSwitchHref={langSwitchHref} scripts={['officer.js']} stylesheets={STAFF_STYLESHEETS} staff>
      <main id="main" class="page print-page">
        <p class="no-print">
          <button type="button" class="button" data-print>
            {t.portal.printNow}
          </button>{' '}
          <a href="/officer">{t.portal.home}</a>
        </p>
        <article class={`printable ${kind === 'badge' ? 'badge-card' : 'pass-sheet'}`}>
          <h1>{view.title}</h1>
          <div class="printable-row">
            {view.photoUrl && <img class="photo" src={view.photoUrl} alt={t.verdict.photoAlt} width="96" height="96" />}
            <div>
              <p class="name">{view.officerName}</p>
              <p>
                {view.roleTitle} · {view.employeeNo}
              </p>
              {view.unitLine && <p>{view.unitLine}</p>}
              <p>{view.employerLine}</p>
            </div>
            <div class="qr" role="img" aria-label={`QR ${view.shortCode}`}>
              {raw(view.qrSvg)}
            </div>
          </div>
          {view.visit && (
            <dl>
              <dt>{t.portal.purpose}</dt>
              <dd>{view.visit.purposeLabel}</dd>
              <dt>{t.portal.window}</dt>
              <dd>{view.visit.windowText}</dd>
              <dt>{t.portal.customer}</dt>
              <dd>{view.visit.customer}</dd>
              <dt>{t.portal.ktp}</dt>
              <dd>{view.visit.ktpLabel}</dd>
            </dl>
          )}
          <p>
            {t.portal.printPass.scan} <strong class="code">{view.shortCode}</strong>
          </p>
          <p class="verify-only">
            {t.portal.printPass.verifyOnly} <strong>{view.publicUrl}</strong>
          </p>
        </article>
      </main>
    </Layout>
  )
}

/** A printed pass whose key was marked compromised or retired: it must be replaced, not reprinted. */
export function ReissuePassPage(props: Omit<PortalLayoutProps, 'title' | 'children'> & { passId: string }) {
  const r = props.t.portal.reissue
  return (
    <PortalLayout {...props} title={r.title}>
      <h1>{r.title}</h1>
      <p class="answer red" role="alert">
        {r.text}
      </p>
      <form method="post" action={`/officer/passes/${props.passId}/reissue`}>
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <button type="submit" class="button">
          {r.button}
        </button>
      </form>
    </PortalLayout>
  )
}
