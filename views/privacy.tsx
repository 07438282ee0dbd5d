import type { Messages } from '../src/i18n/index.ts'
import type { PrivacyNoticeView } from '../src/privacy/notice.ts'
import { Layout } from './layout.tsx'

/**
 * The privacy notice (/privasi, /privacy). Each section carries `data-art21` naming the item of
 * UU PDP Art. 21 it answers, so the test can find every item in every language.
 */
export function PrivacyPage({ t, langSwitchHref, view }: { t: Messages; langSwitchHref: string; view: PrivacyNoticeView }) {
  const p = t.privacy
  return (
    <Layout t={t} title={p.title} langSwitchHref={langSwitchHref} htmx={false}>
      <main id="main" class="page privacy-page">
        <h1>{p.title}</h1>
        <p class="lead">{p.lead}</p>
        <p class="hint">{p.law}</p>
        <p>{p.neverCollected}</p>

        <section class="card" aria-labelledby="privacy-controller" data-art21="controller">
          <h2 id="privacy-controller">{p.controller.title}</h2>
          <p>{view.controller}</p>
          <h3>{p.controller.dpoTitle}</h3>
          <p>{p.controller.dpoText}</p>
          <ul>
            {view.dpoEmail && <li>{view.dpoEmail}</li>}
            {view.dpoPhone && <li>{view.dpoPhone}</li>}
          </ul>
          <p class="hint">{p.controller.dpoFallback}</p>
        </section>

        <section class="card" aria-labelledby="privacy-basis" data-art21="legality">
          <h2 id="privacy-basis">{p.basis.title}</h2>
          <ul>
            {view.basis.map((line) => (
              <li>{line}</li>
            ))}
          </ul>
        </section>

        <section class="card" aria-labelledby="privacy-groups" data-art21="purposes data-types">
          <h2 id="privacy-groups">{p.groups.title}</h2>
          {view.groups.map((group) => (
            <section aria-labelledby={`privacy-group-${group.id}`} data-group={group.id}>
              <h3 id={`privacy-group-${group.id}`}>{group.title}</h3>
              <h4>{p.groups.purposeLabel}</h4>
              <ul>
                {group.purposes.map((line) => (
                  <li>{line}</li>
                ))}
              </ul>
              <h4>{p.groups.dataLabel}</h4>
              <ul>
                {group.data.map((line) => (
                  <li>{line}</li>
                ))}
              </ul>
              <p>
                <strong>{p.groups.basisLabel}:</strong> {group.basis}
              </p>
            </section>
          ))}
        </section>

        <section class="card" aria-labelledby="privacy-retention" data-art21="retention">
          <h2 id="privacy-retention">{p.retention.title}</h2>
          <p>{p.retention.intro}</p>
          <ul>
            {view.retention.map((line) => (
              <li>{line}</li>
            ))}
          </ul>
        </section>

        <section class="card" aria-labelledby="privacy-period" data-art21="processing-period">
          <h2 id="privacy-period">{p.period.title}</h2>
          <p>{p.period.text}</p>
          <h3>{p.sharing.title}</h3>
          <p>{p.sharing.text}</p>
        </section>

        <section class="card" aria-labelledby="privacy-rights" data-art21="rights">
          <h2 id="privacy-rights">{p.rights.title}</h2>
          <ul>
            {view.rights.map((right) => (
              <li data-right={right.id}>
                <strong>{right.name}:</strong> {right.text}
              </li>
            ))}
          </ul>
          <h3>{p.how.title}</h3>
          <ul>
            <li>{p.how.tracking}</li>
            <li>{p.how.dpo}</li>
            <li>
              {p.how.pln123} <a href="tel:123">{t.contact.call}</a>
            </li>
          </ul>
          <p>{p.how.answer}</p>
        </section>
      </main>
    </Layout>
  )
}
