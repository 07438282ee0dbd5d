import type { Messages } from '../../src/i18n/index.ts'
import { Layout } from '../layout.tsx'
import { CallButton, Icon, NeverAsks } from '../parts.tsx'

export interface OfflineCheckProps {
  t: Messages
  langSwitchHref: string
  /** Our public origin: a token's `iss` and its status list's uri must be it. */
  origin: string
  /** Purpose codes to their labels in the page's language, for the code's `pur` claim. */
  purposeLabels: Record<string, string>
}

const REASONS = ['valid', 'stale_list', 'unknown', 'clock_back', 'suspended', 'revoked', 'expired', 'not_yet_valid', 'forged', 'wrong_type', 'malformed'] as const

/**
 * The offline verdict (DESIGN §12). There is no server to render it: public/sw.js answers a scan
 * made without a signal with this cached page, and public/offline-verifier.js shows the parts
 * that fit the token in the address. Icon, colour and words, as on the online verdict page.
 */
export function OfflineCheckPage({ t, langSwitchHref, origin, purposeLabels }: OfflineCheckProps) {
  const o = t.app.offlineCheck
  const reasons: Record<(typeof REASONS)[number], string> = { ...t.verdict.reasons, ...o.reasons }
  return (
    <Layout t={t} title={o.title} langSwitchHref={langSwitchHref} modules={['offline-verifier.js']} inlineStylesheet htmx={false}>
      <main id="main" class="page verdict offline-check" data-offline-check data-origin={origin}>
        <div class="banner neutral" role="status" data-banner>
          <span data-icon="green" hidden>
            <Icon name="check" size={36} />
          </span>
          <span data-icon="amber" hidden>
            <Icon name="warning" size={36} />
          </span>
          <span data-icon="red" hidden>
            <Icon name="stop" size={36} />
          </span>
          <h1 tabindex={-1} data-headline data-green={o.headlines.green} data-amber={o.headlines.amber} data-unknown={o.headlines.unknown} data-refused={o.headlines.refused} data-red={o.headlines.red}>
            {o.checking}
          </h1>
        </div>
        <p class="checked" data-offline-mark data-template={o.mark} hidden></p>
        {REASONS.map((reason) => (
          <p class="reason" data-reason={reason} hidden>
            {reasons[reason]}
          </p>
        ))}
        <p class="reason" data-window-warning hidden>
          {t.verdict.warnings.outside_window}
        </p>
        <p class="reason" data-no-token hidden>
          {o.noToken}
        </p>
        <div data-red-advice hidden>
          <ul class="advice">
            {t.verdict.redAdvice.map((line) => (
              <li>{line}</li>
            ))}
          </ul>
          <CallButton t={t} />
        </div>
        <p class="card notice" data-no-photo hidden>
          {o.noPhoto}
        </p>
        <section class="card" aria-labelledby="claims-title" data-claims hidden>
          <h2 id="claims-title">{o.claimsTitle}</h2>
          <dl>
            <div data-claim="sub">
              <dt>{t.verdict.employeeNo}</dt>
              <dd></dd>
            </div>
            <div data-claim="pur" hidden>
              <dt>{t.verdict.visitTitle}</dt>
              <dd></dd>
            </div>
            <div data-claim="cst" hidden>
              <dt>{t.verdict.customerLast4}</dt>
              <dd></dd>
            </div>
            <div data-claim="wo" hidden>
              <dt>{t.verdict.workOrder}</dt>
              <dd></dd>
            </div>
            <div data-claim="unt" hidden>
              <dt>{t.verdict.unit}</dt>
              <dd></dd>
            </div>
          </dl>
          <div hidden>
            {Object.entries(purposeLabels).map(([code, label]) => (
              <span data-purpose-label={code}>{label}</span>
            ))}
          </div>
        </section>
        <p class="hint">{o.recheck}</p>
        <p>
          <a class="button secondary" href="/scan">
            {t.verdict.checkAnother}
          </a>
        </p>
        <NeverAsks t={t} />
      </main>
    </Layout>
  )
}
