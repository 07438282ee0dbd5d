import type { Child } from 'hono/jsx'
import type { Messages } from '../src/i18n/index.ts'
import { raw } from 'hono/html'
import { asset, INLINE_STYLESHEET } from './assets.ts'
import { THEME_COLOR } from './app/manifest.ts'

export interface LayoutProps {
  t: Messages
  title: string
  /** Link that switches the language on the current page. */
  langSwitchHref: string
  /** Extra scripts from public/, loaded deferred after htmx. */
  scripts?: string[]
  /** ES modules from public/ (deferred by nature), e.g. the scanner, whose URL rule a unit test imports. */
  modules?: string[]
  /** The stylesheet inline instead of linked: for the page a household opens once, on a slow network. */
  inlineStylesheet?: boolean
  /** htmx on the page; the installed app's light pages (/app, its offline page) do without it. */
  htmx?: boolean
  children: Child
}

export function Layout({ t, title, langSwitchHref, scripts = [], modules = [], inlineStylesheet = false, htmx = true, children }: LayoutProps) {
  return (
    <>
      {raw('<!doctype html>')}
      <html lang={t.htmlLang}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light" />
          <title>{`${title} · ${t.appName}`}</title>
          {inlineStylesheet ? <style>{raw(INLINE_STYLESHEET.css)}</style> : <link rel="stylesheet" href={asset('app.css')} />}
          <link rel="icon" href={asset('icon.svg')} type="image/svg+xml" />
          <link rel="manifest" href="/manifest.webmanifest" />
          <meta name="theme-color" content={THEME_COLOR} />
          <link rel="apple-touch-icon" href={asset('icons/icon-192.png')} />
          {htmx && <script src={asset('vendor/htmx.min.js')} defer></script>}
          {scripts.map((path) => (
            <script src={asset(path)} defer></script>
          ))}
          {modules.map((path) => (
            <script type="module" src={asset(path)}></script>
          ))}
        </head>
        <body>
          <a class="skip" href="#main">
            {t.skipToContent}
          </a>
          <header class="top">
            <a class="brand" href="/">
              <img src={asset('icon.svg')} alt="" width="28" height="28" />
              <span>{t.appName}</span>
            </a>
            <a class="lang" href={langSwitchHref} hreflang={t.htmlLang === 'id' ? 'en' : 'id'}>
              {t.switchLanguage}
            </a>
          </header>
          {children}
          <footer class="foot">
            <p>{t.footer}</p>
          </footer>
        </body>
      </html>
    </>
  )
}
