import type { Messages } from '../src/i18n/index.ts'
import { Layout } from './layout.tsx'
import { ContactLinks, NeverAsks, Rights } from './parts.tsx'
import { ReportForm } from './report.tsx'

export interface HomeProps {
  t: Messages
  langSwitchHref: string
  publicUrl: string
  codeError: string | null
  codeValue: string
}

export function HomePage({ t, langSwitchHref, publicUrl, codeError, codeValue }: HomeProps) {
  return (
    <Layout t={t} title={t.home.title} langSwitchHref={langSwitchHref} scripts={['report.js']}>
      <main id="main" class="page">
        <h1>{t.home.title}</h1>
        <p class="lead">{t.home.lead}</p>
        <section class="card" aria-labelledby="scan-title">
          <h2 id="scan-title">{t.home.scanTitle}</h2>
          <ol class="steps">
            <li>{t.home.scanSteps[0]}</li>
            <li>{t.home.scanSteps[1]}</li>
            <li>
              {t.home.scanSteps[2]} <strong class="origin">{publicUrl}/</strong>
            </li>
          </ol>
        </section>
        <section class="card" aria-labelledby="code-title">
          <h2 id="code-title">{t.home.codeTitle}</h2>
          <form action="/c" method="get" class="stack">
            <label for="code">{t.home.codeLabel}</label>
            <input
              id="code"
              name="code"
              value={codeValue}
              inputmode="text"
              autocomplete="off"
              autocapitalize="characters"
              spellcheck={false}
              maxlength={12}
              required
              aria-invalid={codeError ? 'true' : undefined}
              aria-describedby={codeError ? 'code-error' : undefined}
            />
            {codeError && (
              <p id="code-error" class="error" role="alert">
                {codeError}
              </p>
            )}
            <button type="submit" class="button">
              {t.home.codeButton}
            </button>
          </form>
        </section>
        <section class="card" aria-labelledby="report-title">
          <h2 id="report-title">{t.report.homeTitle}</h2>
          <p>{t.report.homeHint}</p>
          <ReportForm t={t} input={null} />
        </section>
        <NeverAsks t={t} />
        <Rights t={t} />
        <ContactLinks t={t} />
      </main>
    </Layout>
  )
}
