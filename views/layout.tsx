import type { Child } from 'hono/jsx'
import { PAGE_LANGS, type Messages, type PageLang } from '../src/i18n/index.ts'
import { raw } from 'hono/html'
import { asset, INLINE_STYLESHEET } from './assets.ts'
import { THEME_COLOR } from './app/manifest.ts'

/**
 * Read by htmx when it loads (https://four.htmx.org/reference/config/htmx-config). Two things htmx
 * does by default are inline styles, which our CSP (style-src without 'unsafe-inline') refuses:
 * - `includeIndicatorCSS`: it adds indicator rules of its own to every page (4.0.1 through a
 *   constructed stylesheet, which Chromium lets pass; other versions through a <style> element,
 *   which it does not). No page of ours uses hx-indicator; one that does defines
 *   `.htmx-indicator` in app.css.
 * - `defaultSettleDelay`: while settling a swap it copies the `style` attribute of each old
 *   element onto the new one with the same id, with setAttribute. Anything that gave the old one
 *   a style attribute (axe-core, a translating browser, an extension) then turns every save of
 *   the report details into a CSP violation. No stylesheet of ours animates a settle.
 */
const HTMX_CONFIG = JSON.stringify({ includeIndicatorCSS: false, defaultSettleDelay: 0 })

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
  /** Stylesheets from public/ linked after app.css: the staff screens' own (staff.css), which households never load. */
  stylesheets?: string[]
  /** htmx on the page; the installed app's light pages (/app, its offline page) do without it. */
  htmx?: boolean
  /** A staff screen: the single Indonesian/English switch instead of the household pages' language list. */
  staff?: boolean
  children: Child
}

/**
 * Every language of household pages, each named in itself, as plain links (no JavaScript): the
 * same page with `?lang=` changed, which the server remembers in the language cookie.
 */
function LanguageList({ t, langSwitchHref }: { t: Messages; langSwitchHref: string }) {
  return (
    <nav class="langs" aria-label={t.readAloud.languagesLabel}>
      {PAGE_LANGS.map(({ lang, name }) =>
        lang === t.htmlLang ? (
          <span aria-current="true" lang={lang}>
            {name}
          </span>
        ) : (
          <a href={hrefInLanguage(langSwitchHref, lang)} hreflang={lang} lang={lang}>
            {name}
          </a>
        ),
      )}
    </nav>
  )
}

/** `langSwitchHref` (this page, ending in `lang=` and the other language) for another language. */
export function hrefInLanguage(langSwitchHref: string, lang: PageLang): string {
  return /[?&]lang=[a-z]*$/.test(langSwitchHref) ? langSwitchHref.replace(/lang=[a-z]*$/, `lang=${lang}`) : `${langSwitchHref}${langSwitchHref.includes('?') ? '&' : '?'}lang=${lang}`
}

/** The privacy notice in the page's language: /privacy in English, /privasi in every other (it follows the chosen language). */
export function privacyNoticePath(htmlLang: string): string {
  return htmlLang === 'en' ? '/privacy' : '/privasi'
}

export function Layout({ t, title, langSwitchHref, scripts = [], modules = [], inlineStylesheet = false, stylesheets = [], htmx = true, staff = false, children }: LayoutProps) {
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
          {stylesheets.map((path) => (
            <link rel="stylesheet" href={asset(path)} />
          ))}
          <link rel="icon" href={asset('icon.svg')} type="image/svg+xml" />
          <link rel="manifest" href="/manifest.webmanifest" />
          <meta name="theme-color" content={THEME_COLOR} />
          <link rel="apple-touch-icon" href={asset('icons/icon-192.png')} />
          {htmx && <meta name="htmx-config" content={HTMX_CONFIG} />}
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
            {staff ? (
              <a class="lang" href={langSwitchHref} hreflang={t.htmlLang === 'id' ? 'en' : 'id'}>
                {t.switchLanguage}
              </a>
            ) : (
              <LanguageList t={t} langSwitchHref={langSwitchHref} />
            )}
          </header>
          {children}
          <footer class="foot">
            <p>{t.footer}</p>
            <p>
              <a href={privacyNoticePath(t.htmlLang)}>{t.privacy.footerLink}</a>
            </p>
          </footer>
        </body>
      </html>
    </>
  )
}
