import type { Messages } from '../src/i18n/index.ts'
import type { CustomerAnswer, VerdictView } from '../src/verification/present.ts'
import { Layout } from './layout.tsx'
import { CallButton, CodeForm, ContactLinks, Icon, NeverAsks, Rights, type IconName } from './parts.tsx'
import { ReportForm } from './report.tsx'
import { DoorCheckHint, InstallApp } from './app/install.tsx'
import { READ_ALOUD_SCRIPT, ReadAloudButton } from './read-aloud.tsx'

export interface VerdictProps {
  t: Messages
  langSwitchHref: string
  view: VerdictView
}

const FACE_ICON: Record<VerdictView['face'], IconName> = { green: 'check', amber: 'warning', red: 'stop' }

export function VerdictPage({ t, langSwitchHref, view }: VerdictProps) {
  return (
    // No htmx here: its 13 KB would be half the page a household loads on a weak signal, and both
    // forms (the customer check, the report) answer with a whole page that is as quick to show.
    <Layout t={t} title={view.headline} langSwitchHref={langSwitchHref} scripts={['app.js', READ_ALOUD_SCRIPT]} inlineStylesheet htmx={false}>
      <VerdictMain t={t} view={view} />
    </Layout>
  )
}

/**
 * The page's <main>. After the customer check the whole page comes back, so a "not my house"
 * answer turns the banner itself. The first screen (360×740) holds the verdict and the
 * facts a household matches at the door, each marked with data-part; explanations follow.
 */
function VerdictMain({ t, view }: { t: Messages; view: VerdictView }) {
  const answered = view.customerCheck?.answer ?? null
  // After a customer check the answer is at the top: focus it there.
  const focusBanner = answered !== null && !answered.problem
  return (
    <main id="main" class={`page verdict face-${view.face}`} data-verdict={view.verdict} data-face={view.face}>
      <div class={`banner ${view.face}`} role="status">
        <Icon name={FACE_ICON[view.face]} size={36} />
        {/* elementtiming: the browser reports when the verdict is first painted (the budget test reads it). */}
        <h1 elementtiming="verdict-headline" tabindex={focusBanner ? -1 : undefined} autofocus={focusBanner || undefined} data-read-aloud="0">
          {view.headline}
        </h1>
        <ReadAloudButton t={t} />
      </div>
      {view.reasons.map((reason, index) => (
        <p class="reason" elementtiming={index === 0 ? 'verdict-reason' : undefined} data-read-aloud={index === 0 ? '1' : undefined}>
          {reason}
        </p>
      ))}
      <p class="checked" data-checked>
        <span data-checked-at>{view.checkedAt}</span>
        {' · '}
        <span data-official-host>
          {t.verdict.ownPhone} <strong class="host">{view.officialHost}</strong>
        </span>
      </p>
      {view.typo && <Retype t={t} typed={view.typo.typed} />}
      {view.face === 'red' && (
        <>
          {view.typo && <p class="reason">{t.verdict.retypeThen}</p>}
          <ul class="advice">
            {t.verdict.redAdvice.map((line) => (
              <li data-read-aloud="2">{line}</li>
            ))}
          </ul>
          <CallButton t={t} areaCode={view.areaCode} />
        </>
      )}
      {/* On red and amber the report comes first; under "asli" it waits below the facts, calmly. */}
      {view.face !== 'green' && <ReportForm t={t} input={view.report} />}
      {view.officer && <FirstScreenFacts t={t} view={view} officer={view.officer} />}
      {view.isBadge && <p class="card notice">{t.verdict.badgeIntro}</p>}
      {view.customerCheck && <CustomerCheck t={t} view={view} check={view.customerCheck} />}
      {view.visit?.customerLast4 && <p class="hint">{t.verdict.customerAsk}</p>}
      {view.face === 'green' && <ReportForm t={t} input={view.report} calm />}
      {view.officer && <OfficerCard t={t} officer={view.officer} shownAbove />}
      {view.visit && <VisitCard t={t} visit={view.visit} />}
      {view.shortCode && (
        <p class="hint">
          {t.verdict.shortCode}: <strong class="code">{view.shortCode}</strong>
        </p>
      )}
      {view.face === 'green' && <DoorCheckHint t={t} />}
      <InstallApp t={t} />
      <NeverAsks t={t} />
      <Rights t={t} />
      <ContactLinks t={t} areaCode={view.areaCode} />
      <p>
        <a class="button secondary" href="/">
          {t.verdict.checkAnother}
        </a>
      </p>
    </main>
  )
}

/** The photo, name, unit, purpose and one-line KTP rule: what a household matches before opening the door. */
function FirstScreenFacts({ t, view, officer }: { t: Messages; view: VerdictView; officer: NonNullable<VerdictView['officer']> }) {
  return (
    <section class="facts" aria-label={t.verdict.officerTitle}>
      <div class="facts-row">
        {officer.photoUrl && <img class="photo" src={officer.photoUrl} alt={t.verdict.photoAlt} width="160" height="160" data-part="photo" />}
        <div class="who">
          <p class="name" data-part="name" data-officer-name data-read-aloud="2">
            {officer.name}
          </p>
          {view.unitName && <p class="unit">{view.unitName}</p>}
          <p class="hint">{officer.roleTitle}</p>
        </div>
      </div>
      {view.visit && (
        <>
          <p class="purpose-line" data-part="purpose" data-read-aloud="3">
            {t.verdict.purposeShort}: <strong class="purpose">{view.visit.purposeLabel}</strong>
          </p>
          <p class={`ktp-line ktp-${view.visit.ktp.policy}`} data-part="ktp">
            <a href="#ktp-title">{view.visit.ktp.line}</a>
          </p>
        </>
      )}
    </section>
  )
}

/**
 * The officer as our server knows them: on a confirmed door check, and on the verdict page below
 * its first screen, which already carries the photo and the data-officer-name (`shownAbove`).
 */
export function OfficerCard({ t, officer, shownAbove = false }: { t: Messages; officer: NonNullable<VerdictView['officer']>; shownAbove?: boolean }) {
  return (
    <section class="card officer" aria-labelledby="officer-title">
      <h2 id="officer-title">{t.verdict.officerTitle}</h2>
      <div class="officer-row">
        {!shownAbove && officer.photoUrl && <img class="photo" src={officer.photoUrl} alt={t.verdict.photoAlt} width="112" height="112" />}
        <div>
          <p class="name" data-officer-name={shownAbove ? undefined : true}>
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
        <h2 id="ktp-title" tabindex={-1}>
          {t.ktp.title}
        </h2>
        <p class="ktp-text">{visit.ktp.text}</p>
        {visit.ktp.watermark && (
          <>
            <p>{t.ktp.watermarkIntro}</p>
            <p class="watermark">{visit.ktp.watermark}</p>
          </>
        )}
        {visit.ktp.legal && (
          <>
            <p>{visit.ktp.legal.short}</p>
            {/* The full text stays one tap away, without JavaScript. */}
            <details class="legal">
              <summary>{t.ktp.legalMore}</summary>
              <p>{visit.ktp.legal.full}</p>
            </details>
          </>
        )}
        <p>{t.ktp.neverPersonalWa}</p>
      </section>
    </>
  )
}

/** The retype form for a code that names nothing: what was typed, prefilled, before any scam advice. */
function Retype({ t, typed }: { t: Messages; typed: string }) {
  return (
    <section class="card retype" aria-labelledby="retype-title" data-typo>
      <h2 id="retype-title">{t.verdict.retypeTitle}</h2>
      <p>
        {t.verdict.typedLabel} <strong class="code" data-typed-code>{typed}</strong>
      </p>
      <CodeForm t={t} codeError={null} codeValue={typed} from="retype" buttonLabel={t.verdict.retypeButton} />
    </section>
  )
}

function CustomerCheck({ t, view, check }: { t: Messages; view: VerdictView; check: NonNullable<VerdictView['customerCheck']> }) {
  const label = view.isBadge ? t.verdict.badgeCheckLabel : t.verdict.customerCheckLabel
  const problem = check.answer?.problem ? check.answer.text : null
  return (
    <section class="card check" aria-labelledby="customer-title" data-part="customer-check">
      <h2 id="customer-title">{view.isBadge ? t.verdict.badgeTitle : t.verdict.customerTitle}</h2>
      {view.visit?.customerLast4 && (
        <p class="last4-line">
          {t.verdict.last4Short}
          <strong class="last4">{view.visit.customerLast4}</strong>
        </p>
      )}
      {/* novalidate: our own message in the page's language beside the field, never the browser's bubble. */}
      <form method="post" action="/check-customer" class="stack" novalidate>
        <input type="hidden" name={check.field} value={check.value} />
        <label for="customer-id">{label}</label>
        <div class="inline-field">
          <input
            id="customer-id"
            name="customerId"
            inputmode="numeric"
            autocomplete="off"
            maxlength={20}
            required
            aria-invalid={problem ? 'true' : undefined}
            aria-describedby={problem ? 'customer-id-error' : undefined}
            autofocus={problem ? true : undefined}
          />
          <button type="submit" class="button">
            {view.isBadge ? t.verdict.badgeCheckButton : t.verdict.customerCheckButton}
          </button>
        </div>
        {problem && (
          <p id="customer-id-error" class="error" role="alert">
            {problem}
          </p>
        )}
      </form>
      <CustomerAnswerBox answer={check.answer?.problem ? null : check.answer} />
    </section>
  )
}

/** The answer under the form; the check's own fields of the page carry it (data-match). */
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
