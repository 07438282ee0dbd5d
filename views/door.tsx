import { raw } from 'hono/html'
import type { DoorCheckView, DoorFace } from '../src/households/present.ts'
import type { Messages } from '../src/i18n/index.ts'
import { Layout } from './layout.tsx'
import { ContactLinks, Icon, NeverAsks, type IconName } from './parts.tsx'
import { AdviceThenReport } from './report.tsx'
import { READ_ALOUD_SCRIPT, ReadAloudButton } from './read-aloud.tsx'
import { OfficerCard } from './verdict.tsx'

interface FrameProps {
  t: Messages
  langSwitchHref: string
}

/** GET /door: what the door check is, and the one button that starts it (a plain form POST). */
export function DoorStartPage({ t, langSwitchHref, customerValue = '', customerError = null }: FrameProps & { customerValue?: string; customerError?: string | null }) {
  return (
    <Layout t={t} title={t.door.startTitle} langSwitchHref={langSwitchHref}>
      <main id="main" class="page door-start">
        <h1>{t.door.startTitle}</h1>
        <p class="lead">{t.door.startLead}</p>
        <ol class="steps">
          {t.door.startSteps.map((step) => (
            <li>{step}</li>
          ))}
        </ol>
        <DoorStartForm t={t} customerValue={customerValue} customerError={customerError} />
        <NeverAsks t={t} />
        <ContactLinks t={t} />
      </main>
    </Layout>
  )
}

interface DoorStartFormProps {
  t: Messages
  customerValue?: string
  customerError?: string | null
  /** /app names the action in its own words, with a note under the button. */
  submitLabel?: string
  note?: string
  formClass?: string
}

/** The start form of a door check, on /door and as the first action of /app. */
export function DoorStartForm({ t, customerValue = '', customerError = null, submitLabel = t.door.startButton, note, formClass = 'card stack door-form' }: DoorStartFormProps) {
  return (
    <form method="post" action="/door" class={formClass} data-action="door">
      <label for="door-customer">{t.door.customerLabel}</label>
      <input
        id="door-customer"
        name="customer"
        value={customerValue}
        inputmode="numeric"
        autocomplete="off"
        pattern="[0-9 .\-]{12,17}"
        maxlength={17}
        aria-describedby={customerError ? 'door-customer-error door-customer-hint' : 'door-customer-hint'}
        aria-invalid={customerError ? 'true' : undefined}
      />
      <p id="door-customer-hint" class="hint">
        {t.door.customerHint}
      </p>
      {customerError && (
        <p id="door-customer-error" class="error" role="alert">
          {customerError}
        </p>
      )}
      <button type="submit" class={note ? 'button big' : 'button'}>
        {submitLabel}
      </button>
      {note && <p class="hint">{note}</p>}
    </form>
  )
}

/** GET /door/<id>: the code while waiting, the officer once confirmed, the warning once expired. */
export function DoorCheckPage({ t, langSwitchHref, view }: FrameProps & { view: DoorCheckView }) {
  return (
    <Layout t={t} title={view.headline} langSwitchHref={langSwitchHref} scripts={['report.js', READ_ALOUD_SCRIPT]} inlineStylesheet>
      <DoorCheckMain t={t} view={view} />
    </Layout>
  )
}

const FACE_ICON: Record<DoorFace, IconName> = { neutral: 'warning', green: 'check', amber: 'warning', red: 'stop' }

/**
 * The page's <main>, also the fragment htmx fetches. While waiting it polls every 2 s and the
 * server answers 204 until something changed; the answer that replaces it carries no trigger,
 * so polling stops once the check is confirmed or expired.
 */
export function DoorCheckMain({ t, view }: { t: Messages; view: DoorCheckView }) {
  const polling = view.state === 'waiting' ? { 'hx-get': view.pollUrl, 'hx-trigger': 'every 2s', 'hx-swap': 'outerHTML' } : {}
  return (
    <main id="main" class={`page door face-${view.face}`} data-door-state={view.state} data-face={view.face} data-door-id={view.id} {...polling}>
      <div class={`banner ${view.face}`} role="status">
        <Icon name={FACE_ICON[view.face]} size={48} />
        <h1 data-read-aloud="0">{view.headline}</h1>
        <ReadAloudButton t={t} />
      </div>
      <p class="reason" data-read-aloud="1">
        {view.lead}
      </p>
      {view.waiting && <Waiting t={t} view={view} waiting={view.waiting} />}
      {view.confirmed && <Confirmed t={t} confirmed={view.confirmed} />}
      {view.state === 'expired' && <Expired t={t} />}
      <ContactLinks t={t} />
    </main>
  )
}

function Waiting({ t, view, waiting }: { t: Messages; view: DoorCheckView; waiting: NonNullable<DoorCheckView['waiting']> }) {
  return (
    <section class="card door-code" aria-labelledby="door-code-title">
      <h2 id="door-code-title">{t.door.codeLabel}</h2>
      {waiting.code ? (
        <>
          <p class="door-digits" data-door-code data-read-aloud="2">
            {waiting.code}
          </p>
          {waiting.qrSvg && (
            <div class="qr door-qr" role="img" aria-label={waiting.qrLabel}>
              {raw(waiting.qrSvg)}
            </div>
          )}
        </>
      ) : (
        <p class="notice">{t.door.codeMissing}</p>
      )}
      <p>
        {t.door.validUntil} <strong>{waiting.validUntil}</strong>
      </p>
      <p class="hint">{t.door.autoUpdate}</p>
      <form method="get" action={view.pageUrl}>
        <button type="submit" class="button secondary">
          {t.door.checkAgain}
        </button>
      </form>
    </section>
  )
}

function Confirmed({ t, confirmed }: { t: Messages; confirmed: NonNullable<DoorCheckView['confirmed']> }) {
  const { officer, visit } = confirmed
  return (
    <>
      <div class={`answer ${confirmed.customerMatch === true ? 'green' : 'amber'}`} data-customer-match={String(confirmed.customerMatch)}>
        <Icon name={confirmed.customerMatch === true ? 'check' : 'warning'} />
        <p data-read-aloud="2">{confirmed.customerText}</p>
      </div>
      {confirmed.askVisitPassword && (
        <section class="card notice" data-ask-visit-password>
          <p class="purpose">{t.door.askVisitPassword}</p>
          <p class="hint">{t.door.askVisitPasswordHint}</p>
        </section>
      )}
      <OfficerCard t={t} officer={officer} />
      {visit && (
        <>
          <section class="card" aria-labelledby="visit-title">
            <h2 id="visit-title">{t.verdict.visitTitle}</h2>
            <p class="purpose" data-purpose data-read-aloud="3">
              {visit.purposeLabel}
            </p>
            <p>{visit.purposeDescription}</p>
            <dl>
              <dt>{t.verdict.window}</dt>
              <dd>{visit.windowText}</dd>
            </dl>
          </section>
          <section class={`card ktp ktp-${visit.ktpPolicy}`} aria-labelledby="ktp-title" data-ktp={visit.ktpPolicy}>
            <h2 id="ktp-title">{t.ktp.title}</h2>
            <p class="ktp-text">{visit.ktpText}</p>
            <p>{t.ktp.neverPersonalWa}</p>
          </section>
        </>
      )}
      <NeverAsks t={t} />
    </>
  )
}

function Expired({ t }: { t: Messages }) {
  return (
    <>
      <AdviceThenReport t={t} advice={t.door.expiredAdvice} readAloud />
      <p>
        <a class="button secondary" href="/door">
          {t.door.startAgain}
        </a>
      </p>
    </>
  )
}
