import { raw } from 'hono/html'
import type { Messages } from '../../src/i18n/index.ts'
import { Layout } from '../layout.tsx'
import { CodeForm, ContactLinks, Icon, NeverAsks } from '../parts.tsx'
import { InstallApp } from './install.tsx'
import { DoorStartForm } from '../door.tsx'

export interface AppPageProps {
  t: Messages
  langSwitchHref: string
  publicUrl: string
}

/** The address a household should see, in words: the host without the scheme. */
function hostOf(publicUrl: string): string {
  return new URL(publicUrl).host
}

/** The real address, in large type: what a look-alike site cannot copy. */
function RealAddress({ publicUrl, label }: { publicUrl: string; label: string }) {
  return (
    <p class="real-address">
      <span>{label}</span> <strong class="origin" data-real-address>
        {hostOf(publicUrl)}
      </strong>
    </p>
  )
}

/**
 * The installed app's start screen (`start_url`): three large actions, nothing the first screen
 * has to wait for (the stylesheet inline, no htmx), cached by public/sw.js for offline starts.
 */
export function AppPage({ t, langSwitchHref, publicUrl }: AppPageProps) {
  return (
    <Layout t={t} title={t.app.title} langSwitchHref={langSwitchHref} scripts={['app.js']} inlineStylesheet htmx={false}>
      <main id="main" class="page app-home" data-app-home>
        <h1>{t.app.title}</h1>
        <p class="lead">{t.app.lead}</p>
        <section class="app-actions" aria-labelledby="actions-title">
          <h2 id="actions-title">{t.app.actionsTitle}</h2>
          <DoorStartForm t={t} submitLabel={t.app.door.button} note={t.app.door.hint} formClass="card action stack" />
          <div class="card action" data-action="scan">
            <a class="button big secondary" href="/scan">
              {t.app.scan.button}
            </a>
            <p class="hint">{t.app.scan.hint}</p>
          </div>
          <details class="card action" data-action="code">
            <summary class="button big secondary">{t.app.code.button}</summary>
            <p class="hint">{t.app.code.hint}</p>
            <CodeForm t={t} codeError={null} codeValue="" />
          </details>
        </section>
        {/* After the actions, so the first screen is what to do; the address is for telling this app from a look-alike. */}
        <RealAddress publicUrl={publicUrl} label={t.app.addressLabel} />
        <p class="hint">{t.app.addressHint}</p>
        <InstallApp t={t} publicUrl={publicUrl} />
        <NeverAsks t={t} />
        <ContactLinks t={t} />
      </main>
    </Layout>
  )
}

/** What public/sw.js answers a navigation with while the phone has no signal. */
export function OfflinePage({ t, langSwitchHref }: Omit<AppPageProps, 'publicUrl'>) {
  return (
    <Layout t={t} title={t.app.offline.title} langSwitchHref={langSwitchHref} scripts={['app.js']} inlineStylesheet htmx={false}>
      <main id="main" class="page app-offline" data-offline>
        <div class="banner amber" role="status">
          <Icon name="warning" size={48} />
          <h1>{t.app.offline.title}</h1>
        </div>
        <p class="lead">{t.app.offline.lead}</p>
        <section class="card" aria-labelledby="offline-needs-title">
          <h2 id="offline-needs-title">{t.app.offline.needsTitle}</h2>
          <ul>
            {t.app.offline.needs.map((line) => (
              <li>{line}</li>
            ))}
          </ul>
          <p class="notice">{t.app.offline.advice}</p>
        </section>
        <section class="card" aria-labelledby="offline-works-title">
          <h2 id="offline-works-title">{t.app.offline.worksTitle}</h2>
          <ul>
            {t.app.offline.works.map((line) => (
              <li>{line}</li>
            ))}
          </ul>
          <a class="button call" href="tel:123">
            <Icon name="phone" /> {t.contact.call}
          </a>
        </section>
        <p>
          <a class="button secondary" href="/app">
            {t.app.offline.retry}
          </a>
        </p>
        <NeverAsks t={t} />
      </main>
    </Layout>
  )
}

export interface LeafletProps extends AppPageProps {
  /** An SVG QR code of `<publicUrl>/app`. */
  qrSvg: string
}

/** The A6 leaflet for bill inserts and door stickers (print styles in public/app.css). */
export function LeafletPage({ t, langSwitchHref, publicUrl, qrSvg }: LeafletProps) {
  return (
    <Layout t={t} title={t.app.leaflet.title} langSwitchHref={langSwitchHref} scripts={['app.js']} htmx={false}>
      <main id="main" class="page leaflet-page">
        <article class="leaflet" aria-labelledby="leaflet-title">
          <h1 id="leaflet-title">{t.app.leaflet.heading}</h1>
          <p class="leaflet-label">{t.app.leaflet.addressLabel}</p>
          <p class="leaflet-address" data-real-address>
            {hostOf(publicUrl)}/app
          </p>
          <div class="leaflet-qr">
            <div class="qr" role="img" aria-label={t.app.leaflet.qrAlt} data-leaflet-qr>
              {raw(qrSvg)}
            </div>
            <p>{t.app.leaflet.qrCaption}</p>
          </div>
          <h2>{t.app.leaflet.rulesTitle}</h2>
          <ol class="leaflet-rules">
            {t.app.leaflet.rules.map((rule) => (
              <li>{rule}</li>
            ))}
          </ol>
        </article>
        <p class="hint no-print">{t.app.leaflet.printHint}</p>
        <button type="button" class="button no-print" data-print hidden>
          {t.app.leaflet.print}
        </button>
      </main>
    </Layout>
  )
}
