import type { Child } from 'hono/jsx'
import type { Messages } from '../../src/i18n/index.ts'
import { STAFF_STYLESHEETS } from '../assets.ts'
import { Layout } from '../layout.tsx'
import { SignOut } from '../parts.tsx'

export type AdminSection = 'reports' | 'campaigns' | 'officers' | 'keys' | 'users' | 'audit' | 'stats' | 'api-keys' | 'desk-lookups'

/** Where a section lives, when not at /admin/<section>. */
const SECTION_PATHS: Partial<Record<AdminSection, string>> = { 'desk-lookups': '/admin/desk/lookups' }

export interface AdminFrame {
  t: Messages
  langSwitchHref: string
  username: string
  csrfToken: string
  /** Sections this user may open (supervisors see fewer). */
  sections: AdminSection[]
}

export function AdminLayout(props: AdminFrame & { title: string; current: AdminSection; children: Child }) {
  const { t } = props
  return (
    <Layout t={t} title={props.title} langSwitchHref={props.langSwitchHref} stylesheets={STAFF_STYLESHEETS} staff>
      <nav class="admin-nav" aria-label={t.admin.navLabel}>
        {props.sections.map((section) => (
          <a href={SECTION_PATHS[section] ?? `/admin/${section}`} aria-current={section === props.current ? 'page' : undefined}>
            {t.admin.nav[section]}
          </a>
        ))}
        <a href="/officer">{t.admin.nav.portal}</a>
        <SignOut t={t} username={props.username} csrfToken={props.csrfToken} />
      </nav>
      <main id="main" class="page wide">
        {props.children}
      </main>
    </Layout>
  )
}

/** A notice after post/redirect/get, and form errors. */
export function Flash({ notice, error }: { notice?: string | null; error?: string | null }) {
  return (
    <>
      {notice && (
        <p class="answer green" role="status">
          {notice}
        </p>
      )}
      {error && (
        <p class="answer red" role="alert">
          {error}
        </p>
      )}
    </>
  )
}
