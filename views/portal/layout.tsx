import type { Child } from 'hono/jsx'
import type { Messages } from '../../src/i18n/index.ts'
import { STAFF_STYLESHEETS } from '../assets.ts'
import { Layout } from '../layout.tsx'
import { SignOut } from '../parts.tsx'

export interface PortalLayoutProps {
  t: Messages
  title: string
  langSwitchHref: string
  username: string
  csrfToken: string
  scripts?: string[]
  /** Supervisors and admins also have the admin console. */
  showAdminLink?: boolean
  /** The navigation after the page's content: on the live QR, the QR owns the first screen. */
  navBelow?: boolean
  children: Child
}

/** The officer portal's frame: navigation and sign-out on every page. */
export function PortalLayout({ t, title, langSwitchHref, username, csrfToken, scripts, showAdminLink, navBelow, children }: PortalLayoutProps) {
  const nav = (
    <nav class={navBelow ? 'portal-nav below' : 'portal-nav'} aria-label={t.portal.home}>
      <a href="/officer">{t.portal.home}</a>
      <a href="/officer/passes">{t.portal.passes}</a>
      <a href="/officer/badge">{t.portal.printBadge}</a>
      {showAdminLink && <a href="/admin">{t.admin.navLabel}</a>}
      <SignOut t={t} username={username} csrfToken={csrfToken} />
    </nav>
  )
  return (
    <Layout t={t} title={title} langSwitchHref={langSwitchHref} scripts={scripts} stylesheets={STAFF_STYLESHEETS} staff>
      {!navBelow && nav}
      <main id="main" class="page">
        {children}
      </main>
      {navBelow && nav}
    </Layout>
  )
}
