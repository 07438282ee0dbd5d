import type { Messages } from '../../src/i18n/index.ts'

/**
 * "Pasang di layar utama": the browser's own install prompt where it offers one (public/app.js
 * reveals the button on `beforeinstallprompt`), and short steps per browser that work without
 * JavaScript (a <details>) everywhere else.
 */
export function InstallApp({ t, publicUrl }: { t: Messages; publicUrl?: string }) {
  return (
    <section class="card install" aria-labelledby="install-title" data-install>
      <h2 id="install-title">{t.app.install.title}</h2>
      <p>{t.app.install.lead}</p>
      <button type="button" class="button" data-install-button hidden>
        {t.app.install.button}
      </button>
      <p class="notice" data-install-done hidden>
        {t.app.install.installed}
      </p>
      <details class="install-steps" data-install-steps>
        <summary>{t.app.install.stepsSummary}</summary>
        <p>
          {t.app.install.openFirst}{' '}
          <a class="origin" href="/app">
            {publicUrl ? `${publicUrl}/app` : t.app.verdictLink}
          </a>
        </p>
        {t.app.install.browsers.map((browser) => (
          <>
            <h3>{browser.name}</h3>
            <ol class="steps">
              {browser.steps.map((step) => (
                <li>{step}</li>
              ))}
            </ol>
          </>
        ))}
      </details>
    </section>
  )
}

/** The §10.4 line on a green page opened from a link: the door check in the installed app is stronger. */
export function DoorCheckHint({ t }: { t: Messages }) {
  return (
    <p class="card app-hint" data-app-hint>
      {t.app.verdictLine}{' '}
      <a href="/app">{t.app.verdictLink}</a>
    </p>
  )
}
