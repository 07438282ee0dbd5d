import { raw } from 'hono/html'
import type { Messages } from '../../src/i18n/index.ts'
import { PortalLayout, type PortalLayoutProps } from './layout.tsx'

export interface LiveQrView {
  passId: string
  /** null when the pass can no longer be shown (cancelled or ended). */
  qr: { svg: string; kid: string; mintedAt: number; expiresAt: number; validUntil: string; refreshedAt: string } | null
  stoppedReason: string | null
  shortCode: string
  /** Shown instead of the short code when the key behind the printed pass no longer vouches for it. */
  shortCodeWithdrawn: string | null
}

export interface LivePassView {
  live: LiveQrView
  /** The household's visit password, only for the signed-in officer's own active pass (DESIGN §10.3); else null. */
  visitPassword: string | null
  purposeLabel: string
  customer: string
  windowText: string
  ktpLabel: string
  publicUrl: string
}

type Props = Omit<PortalLayoutProps, 'title' | 'children'> & { view: LivePassView }

export function LivePassPage(props: Props) {
  const { t, view } = props
  return (
    // The QR and its code own the first screen of a phone; the navigation waits below them.
    // officer.js keeps the screen awake here and reports it in data-wake-lock (off, on, unsupported).
    <PortalLayout {...props} title={t.portal.live.title} scripts={['officer.js']} navBelow>
      <div class="live-page" data-wake-lock="off">
        <h1>{t.portal.live.title}</h1>
        <div id="offline-notice" class="answer red" role="alert" hidden>
          <p>
            {t.portal.live.offline} <a href={`/officer/passes/${view.live.passId}/print`}>{t.portal.live.printFallback}</a>
          </p>
        </div>
        <LiveQrFragment t={t} live={view.live} />
        <p class="hint" data-wake-lock-note hidden>
          {t.portal.live.awake}
        </p>
        <p>{t.portal.live.instruction}</p>
        <p>
          <a class="button secondary" href="/officer/door" data-door-action>
            {t.door.officer.action}
          </a>
        </p>
        {view.visitPassword !== null && (
          <section class="card visit-password" aria-labelledby="visit-password-title" data-visit-password="shown">
            <h2 id="visit-password-title">{t.visitPassword.officerTitle}</h2>
            <p class="say">{t.visitPassword.officerSay}</p>
            <p class="word">{view.visitPassword}</p>
            <p class="hint">{t.visitPassword.officerHint}</p>
          </section>
        )}
        <section class="card">
          <p class="purpose">{view.purposeLabel}</p>
          <dl>
            <dt>{t.portal.customer}</dt>
            <dd>{view.customer}</dd>
            <dt>{t.portal.window}</dt>
            <dd>{view.windowText}</dd>
            <dt>{t.portal.ktp}</dt>
            <dd>{view.ktpLabel}</dd>
          </dl>
        </section>
        <p>
          {t.portal.live.tellHousehold} <strong class="origin">{view.publicUrl}</strong>
        </p>
        <p>
          <a class="button secondary" href={`/officer/passes/${view.live.passId}/print`}>
            {t.portal.live.printFallback}
          </a>
        </p>
      </div>
    </PortalLayout>
  )
}

/** The part htmx re-fetches every minute; it stops polling once the pass cannot be shown. */
export function LiveQrFragment({ t, live }: { t: Messages; live: LiveQrView }) {
  if (!live.qr) {
    return (
      <div id="live-qr" class="live-qr stopped" data-stopped="true">
        <p class="answer red">{live.stoppedReason}</p>
      </div>
    )
  }
  return (
    <div
      id="live-qr"
      class="live-qr"
      hx-get={`/officer/passes/${live.passId}/qr`}
      hx-trigger="every 60s"
      hx-swap="outerHTML"
      data-expires={String(live.qr.expiresAt)}
    >
      <div class="qr" role="img" aria-label={`QR ${live.shortCode}`}>
        {raw(live.qr.svg)}
      </div>
      {live.shortCodeWithdrawn ? (
        <p class="answer red" data-code-withdrawn="true">
          {live.shortCodeWithdrawn}
        </p>
      ) : (
        <>
          <p class="hint">{t.portal.live.code}</p>
          <p class="big-code">{live.shortCode}</p>
        </>
      )}
      <p>
        {t.portal.live.validUntil} <strong>{live.qr.validUntil}</strong> · {t.portal.live.refreshedAt} {live.qr.refreshedAt}
      </p>
      <p class="hint" aria-live="off">
        <span data-countdown>60</span> {t.portal.live.secondsLeft}
      </p>
    </div>
  )
}
