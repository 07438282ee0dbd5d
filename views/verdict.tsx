import type { Messages } from '../src/i18n/index.ts'
import type { CustomerAnswer, VerdictView } from '../src/verification/present.ts'
import { Layout } from './layout.tsx'
import { ContactLinks, Icon, NeverAsks, Rights, type IconName } from './parts.tsx'
import { ReportForm } from './report.tsx'
import { DoorCheckHint, InstallApp } from './app/install.tsx'

export interface VerdictProps {
  t: Messages
  langSwitchHref: string
  view: VerdictView
}

const FACE_ICON: Record<VerdictView['face'], IconName> = { green: 'check', amber: 'warning', red: 'stop' }

export function VerdictPage({ t, langSwitchHref, view }: VerdictProps) {
  return (
    <Layout t={t} title={view.headline} langSwitchHref={langSwitchHref} scripts={['report.js', 'app.js']} inlineStylesheet>
      <main id="main" class={`page verdict face-${view.face}`} data-verdict={view.verdict} data-face={view.face}>
        <div class={`banner ${view.face}`} role="status">
          <Icon name={FACE_ICON[view.face]} size={48} />
          {/* elementtiming: the browser reports when the verdict is first painted (the budget test reads it). */}
          <h1 elementtiming="verdict-headline">{view.headline}</h1>
        </div>
        {view.reasons.map((reason, index) => (
          <p class="reason" elementtiming={index === 0 ? 'verdict-reason' : undefined}>
            {reason}
          </p>
        ))}
        {view.face === 'red' && (
          <>
            <ul class="advice">
              {t.verdict.redAdvice.map((line) => (
                <li>{line}</li>
              ))}
            </ul>
            <a class="button call" href="tel:123">
              <Icon name="phone" /> {t.contact.call}
            </a>
          </>
        )}
        <ReportForm t={t} input={view.report} />
        {view.officer && <OfficerCard t={t} officer={view.officer} />}
        {view.isBadge && <p class="card notice">{t.verdict.badgeIntro}</p>}
        {view.visit && <VisitCard t={t} visit={view.visit} />}
        {view.customerCheck && <CustomerCheck t={t} view={view} check={view.customerCheck} />}
        {view.shortCode && (
          <p class="hint">
            {t.verdict.shortCode}: <strong class="code">{view.shortCode}</strong>
          </p>
        )}
        {view.face === 'green' && <DoorCheckHint t={t} />}
        <InstallApp t={t} />
        <NeverAsks t={t} />
        <Rights t={t} />
        <ContactLinks t={t} />
        <p>
          <a class="button secondary" href="/">
            {t.verdict.checkAnother}
          </a>
        </p>
      </main>
    </Layout>
  )
}

/** The officer as our server knows them: on the verdict page and on a confirmed door check. */
export function OfficerCard({ t, officer }: { t: Messages; officer: NonNullable<VerdictView['officer']> }) {
  return (
    <section class="card officer" aria-labelledby="officer-title">
      <h2 id="officer-title">{t.verdict.officerTitle}</h2>
      <div class="officer-row">
        {officer.photoUrl && <img class="photo" src={officer.photoUrl} alt={t.verdict.photoAlt} width="112" height="112" />}
        <div>
          <p class="name" data-officer-name>
            {officer.name}
          </p>
          <dl>
            <dt>{t.verdict.employeeNo}</dt>
            <dd data-employee-no>{officer.employeeNo}</dd>
            <dt>{t.verdict.role}</dt>
            <dd>{officer.roleTitle}</dd>
            {officer.unitLine && (
              <>
                <dt>{t.verdict.unit}</dt>
                <dd>{officer.unitLine}</dd>
              </>
            )}
            <dt>{t.verdict.employer}</dt>
            <dd>{officer.employerLine}</dd>
          </dl>
        </div>
      </div>
      <p class="hint">{t.verdict.photoHint}</p>
    </section>
  )
}

function VisitCard({ t, visit }: { t: Messages; visit: NonNullable<VerdictView['visit']> }) {
  return (
    <>
      <section class="card" aria-labelledby="visit-title">
        <h2 id="visit-title">{t.verdict.visitTitle}</h2>
        <p class="purpose">{visit.purposeLabel}</p>
        <p>{visit.purposeDescription}</p>
        <dl>
          <dt>{t.verdict.window}</dt>
          <dd>{visit.windowText}</dd>
          {visit.workOrder && (
            <>
              <dt>{t.verdict.workOrder}</dt>
              <dd>{visit.workOrder}</dd>
            </>
          )}
        </dl>
      </section>
      <section class={`card ktp ktp-${visit.ktp.policy}`} aria-labelledby="ktp-title" data-ktp={visit.ktp.policy}>
        <h2 id="ktp-title">{t.ktp.title}</h2>
        <p class="ktp-text">{visit.ktp.text}</p>
        {visit.ktp.legal && <p>{visit.ktp.legal}</p>}
        {visit.ktp.watermark && (
          <>
            <p>{t.ktp.watermarkIntro}</p>
            <p class="watermark">{visit.ktp.watermark}</p>
          </>
        )}
        <p>{t.ktp.neverPersonalWa}</p>
      </section>
    </>
  )
}

function CustomerCheck({ t, view, check }: { t: Messages; view: VerdictView; check: NonNullable<VerdictView['customerCheck']> }) {
  const label = view.isBadge ? t.verdict.badgeCheckLabel : t.verdict.customerCheckLabel
  return (
    <section class="card" aria-labelledby="customer-title">
      <h2 id="customer-title">{view.isBadge ? t.verdict.badgeTitle : t.verdict.customerTitle}</h2>
      {view.visit?.customerLast4 && (
        <>
          <p>
            {t.verdict.customerLast4} <strong class="last4">{view.visit.customerLast4}</strong>
          </p>
          <p class="hint">{t.verdict.customerAsk}</p>
        </>
      )}
      <form method="post" action="/check-customer" hx-post="/check-customer" hx-target="#customer-answer" hx-swap="outerHTML" class="stack">
        <input type="hidden" name={check.field} value={check.value} />
        <label for="customer-id">{label}</label>
        <input id="customer-id" name="customerId" inputmode="numeric" autocomplete="off" pattern="[0-9 ]{12,15}" maxlength={15} required />
        <button type="submit" class="button">
          {view.isBadge ? t.verdict.badgeCheckButton : t.verdict.customerCheckButton}
        </button>
      </form>
      <CustomerAnswerBox answer={check.answer} />
    </section>
  )
}

/** The answer under the form; htmx swaps just this box. */
export function CustomerAnswerBox({ answer }: { answer: CustomerAnswer | null }) {
  if (!answer) return <div id="customer-answer" aria-live="polite"></div>
  return (
    <div id="customer-answer" aria-live="polite" class={`answer ${answer.matches ? 'green' : 'red'}`} data-match={String(answer.matches)}>
      <Icon name={answer.matches ? 'check' : 'stop'} />
      {answer.visitPasswordAsk ? (
        <div>
          <p>{answer.text}</p>
          <p class="visit-password-ask" data-visit-password="ask">
            <strong>{answer.visitPasswordAsk.text}</strong>
            <br />
            {answer.visitPasswordAsk.hint}
          </p>
        </div>
      ) : (
        <p>{answer.text}</p>
      )}
    </div>
  )
}
