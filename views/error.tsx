import type { Messages } from '../src/i18n/index.ts'
import { Layout } from './layout.tsx'
import { Icon } from './parts.tsx'

export interface ErrorProps {
  t: Messages
  langSwitchHref: string
  title: string
  text: string
  requestId?: string | null
}

export function ErrorPage({ t, langSwitchHref, title, text, requestId }: ErrorProps) {
  return (
    <Layout t={t} title={title} langSwitchHref={langSwitchHref}>
      <main id="main" class="page">
        <div class="banner amber" role="alert">
          <Icon name="warning" size={40} />
          <h1>{title}</h1>
        </div>
        <p class="lead">{text}</p>
        {requestId && (
          <p class="hint">
            {t.errors.requestId}: <code>{requestId}</code>
          </p>
        )}
        <p>
          <a class="button secondary" href="/">
            {t.errors.backHome}
          </a>
        </p>
        <p>
          <a class="button call" href="tel:123">
            <Icon name="phone" /> {t.contact.call}
          </a>
        </p>
      </main>
    </Layout>
  )
}
