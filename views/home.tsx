import type { Messages } from '../src/i18n/index.ts'
import { Layout } from './layout.tsx'
import { CodeForm, ContactLinks, NeverAsks, PhoneCameraSteps, Rights } from './parts.tsx'
import { ReportForm } from './report.tsx'
import { InstallApp } from './app/install.tsx'

export interface HomeProps {
  t: Messages
  langSwitchHref: string
  publicUrl: string
  codeError: string | null
  codeValue: string
}

export function HomePage({ t, langSwitchHref, publicUrl, codeError, codeValue }: HomeProps) {
  const codeCard = (
    <section class="card" aria-labelledby="code-title">
      <h2 id="code-title">{t.home.codeTitle}</h2>
      <CodeForm t={t} codeError={codeError} codeValue={codeValue} />
    </section>
  )
  return (
    <Layout t={t} title={t.home.title} langSwitchHref={langSwitchHref} scripts={['report.js', 'app.js']}>
      <main id="main" class="page">
        <h1>{t.home.title}</h1>
        <p class="lead">{t.home.lead}</p>
        {/* A code that could not be one comes back first on the page, its message beside the field. */}
        {codeError && codeCard}
        <section class="card" aria-labelledby="scan-title">
          <h2 id="scan-title">{t.home.scanTitle}</h2>
          <PhoneCameraSteps t={t} publicUrl={publicUrl} />
          <p>
            <a class="button secondary" href="/scan">
              {t.home.scanHere}
            </a>
          </p>
          <p class="hint">{t.home.scanHereHint}</p>
        </section>
        {!codeError && codeCard}
        <section class="card" aria-labelledby="report-title">
          <h2 id="report-title">{t.report.homeTitle}</h2>
          <p>{t.report.homeHint}</p>
          <ReportForm t={t} input={null} />
        </section>
        <InstallApp t={t} publicUrl={publicUrl} />
        <NeverAsks t={t} />
        <Rights t={t} />
        <ContactLinks t={t} />
      </main>
    </Layout>
  )
}
