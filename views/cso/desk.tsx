import type { Child } from 'hono/jsx'
import type { DeskAnswerView, DeskPanel, DeskReportView, FiledReportView, PhoneReportFormView, VisitPasswordView } from '../../src/desk/present.ts'
import type { Messages } from '../../src/i18n/index.ts'
import { Flash } from '../admin/layout.tsx'
import { STAFF_STYLESHEETS } from '../assets.ts'
import { Layout } from '../layout.tsx'
import { FieldError, Icon, SignOut, type IconName } from '../parts.tsx'
import { StatusChangeForm } from '../admin/parts.tsx'
import { OfficerCard } from '../verdict.tsx'

export type DeskSection = 'search' | 'report' | 'visitPassword'

export interface DeskFrame {
  t: Messages
  langSwitchHref: string
  username: string
  csrfToken: string
}

const SECTION_HREF: Record<DeskSection, string> = { search: '/cso', report: '/cso/reports/new', visitPassword: '/cso/visit-password' }

/** The desk's frame: a desktop screen (1366×900) in large type, for an agent with a headset on. */
export function DeskLayout(props: DeskFrame & { title: string; current: DeskSection | null; children: Child }) {
  const { t } = props
  return (
    <Layout t={t} title={props.title} langSwitchHref={props.langSwitchHref} stylesheets={STAFF_STYLESHEETS} htmx={false} staff>
      <nav class="admin-nav desk-nav" aria-label={t.desk.navLabel}>
        {(Object.keys(SECTION_HREF) as DeskSection[]).map((section) => (
          <a href={SECTION_HREF[section]} aria-current={section === props.current ? 'page' : undefined}>
            {t.desk.nav[section]}
          </a>
        ))}
        <SignOut t={t} username={props.username} csrfToken={props.csrfToken} />
      </nav>
      <main id="main" class="page wide desk">
        {props.children}
      </main>
    </Layout>
  )
}

/** The one search box; Enter runs it. A POST, so an ID pelanggan never lands in a URL or the history. */
function SearchForm({ frame }: { frame: DeskFrame }) {
  const d = frame.t.desk
  return (
    <form method="post" action="/cso/lookup" class="desk-search" role="search">
      <input type="hidden" name="_csrf" value={frame.csrfToken} />
      <label for="desk-q">{d.searchLabel}</label>
      <p id="desk-q-hint" class="hint">
        {d.searchHint}
      </p>
      <div class="inline-field">
        <input id="desk-q" name="q" autocomplete="off" autocapitalize="characters" spellcheck={false} maxlength={4096} autofocus aria-describedby="desk-q-hint" />
        <button type="submit" class="button">
          {d.searchButton}
        </button>
      </div>
    </form>
  )
}

export function DeskSearchPage({ frame, panel }: { frame: DeskFrame; panel: DeskPanel }) {
  return (
    <DeskLayout {...frame} title={frame.t.desk.title} current="search">
      <h1>{frame.t.desk.title}</h1>
      <SearchForm frame={frame} />
      <AnswerPanel t={frame.t} panel={panel} />
    </DeskLayout>
  )
}

const FACE_ICON: Record<'green' | 'amber' | 'red', IconName> = { green: 'check', amber: 'warning', red: 'stop' }

function AnswerPanel({ t, panel }: { t: Messages; panel: DeskPanel }) {
  const d = t.desk
  if (panel.kind === 'empty') return <section id="desk-answer" aria-live="polite"></section>
  if (panel.kind === 'limited' || panel.kind === 'unavailable') {
    return (
      <section id="desk-answer" class="desk-answer" aria-labelledby="desk-answer-title" data-desk-answer={panel.kind}>
        <div class="banner red" role="alert">
          <Icon name="stop" size={36} />
          <h2 id="desk-answer-title">{panel.kind === 'limited' ? d.limitedTitle : d.unavailableTitle}</h2>
        </div>
        <p class="reason">{panel.kind === 'limited' ? panel.text : d.unavailableText}</p>
      </section>
    )
  }
  const { answer } = panel
  return (
    <section
      id="desk-answer"
      class="desk-answer"
      aria-labelledby="desk-answer-title"
      data-desk-answer={answer.kind}
      data-verdict={answer.kind === 'credential' ? answer.verdict.verdict : undefined}
    >
      {answer.searched && (
        <p class="hint searched" data-searched>
          {answer.searched}
        </p>
      )}
      <div class="desk-columns">
        <div class="desk-facts">
          <AnswerFacts t={t} answer={answer} />
        </div>
        <Script t={t} answer={answer} />
      </div>
    </section>
  )
}

function AnswerFacts({ t, answer }: { t: Messages; answer: DeskAnswerView }) {
  const d = t.desk
  switch (answer.kind) {
    case 'credential': {
      const view = answer.verdict
      return (
        <>
          <div class={`banner ${view.face}`} role="status">
            <Icon name={FACE_ICON[view.face]} size={36} />
            <h2 id="desk-answer-title">{view.headline}</h2>
          </div>
          {view.reasons.map((reason) => (
            <p class="reason">{reason}</p>
          ))}
          {view.shortCode && (
            <p>
              {d.fields.code}: <strong class="code">{view.shortCode}</strong>
            </p>
          )}
          {view.visit && (
            <dl class="desk-dl">
              <dt>{d.fields.purpose}</dt>
              <dd class="purpose">{view.visit.purposeLabel}</dd>
              <dt>{d.fields.window}</dt>
              <dd>{view.visit.windowText}</dd>
              {view.visit.customerLast4 && (
                <>
                  <dt>{d.fields.last4}</dt>
                  <dd>
                    <strong class="last4" data-customer-last4>
                      {view.visit.customerLast4}
                    </strong>
                  </dd>
                </>
              )}
              <dt>{d.fields.ktp}</dt>
              <dd class={`ktp-text ktp-line ktp-${view.visit.ktp.policy}`} data-ktp={view.visit.ktp.policy}>
                {view.visit.ktp.text}
              </dd>
              {view.visit.workOrder && (
                <>
                  <dt>{d.fields.workOrder}</dt>
                  <dd>{view.visit.workOrder}</dd>
                </>
              )}
            </dl>
          )}
          {view.isBadge && view.officer && <p class="notice">{t.verdict.badgeIntro}</p>}
          {view.officer && <OfficerCard t={t} officer={view.officer} />}
        </>
      )
    }
    case 'customer':
      return (
        <>
          <h2 id="desk-answer-title">{d.customerQuestion}</h2>
          <p class="hint">{answer.customerFor}</p>
          <div class={`banner ${answer.active ? 'green' : 'red'}`} role="status" data-active-visit={String(answer.active)}>
            <Icon name={answer.active ? 'check' : 'stop'} size={36} />
            <p class="desk-yes-no">{answer.active ? d.yes : d.no}</p>
          </div>
          {answer.visit && (
            <dl class="desk-dl">
              <dt>{d.fields.purpose}</dt>
              <dd class="purpose">{answer.visit.purposeLabel}</dd>
              <dt>{d.fields.window}</dt>
              <dd>{answer.visit.windowText}</dd>
            </dl>
          )}
          <p data-visit-password={answer.hasVisitPassword ? 'yes' : 'no'}>{answer.visitPasswordText}</p>
          {answer.officer && <OfficerCard t={t} officer={answer.officer} />}
        </>
      )
    case 'officer':
      return (
        <>
          <div class={`banner ${answer.status === 'active' ? 'green' : 'red'}`} role="status">
            <Icon name={answer.status === 'active' ? 'check' : 'stop'} size={36} />
            <h2 id="desk-answer-title">
              {answer.officer.name}: <span data-officer-status={answer.status}>{answer.statusText}</span>
            </h2>
          </div>
          <OfficerCard t={t} officer={answer.officer} />
        </>
      )
    case 'none':
      return (
        <>
          <div class="banner amber" role="status">
            <Icon name="warning" size={36} />
            <h2 id="desk-answer-title">{answer.title}</h2>
          </div>
          <p class="reason">{answer.hint}</p>
        </>
      )
  }
}

function Script({ t, answer }: { t: Messages; answer: Pick<DeskAnswerView, 'script' | 'reportHref'> }) {
  return (
    <aside class="card desk-script" aria-labelledby="desk-script-title" data-script>
      <h2 id="desk-script-title">{t.desk.scriptTitle}</h2>
      {answer.script.map((line) => (
        <p>{line}</p>
      ))}
      {answer.reportHref && (
        <a class="button report" href={answer.reportHref} data-report-for-caller>
          {t.desk.reportForCaller}
        </a>
      )}
    </aside>
  )
}

export function DeskReportPage({ frame, view }: { frame: DeskFrame; view: DeskReportView }) {
  const r = frame.t.desk.report
  const base = `/cso/reports/${view.ticket}`
  return (
    <DeskLayout {...frame} title={view.ticket} current={null}>
      <SearchForm frame={frame} />
      <section class="desk-answer" data-desk-answer="report" data-ticket={view.ticket} aria-labelledby="report-title">
        <h1 id="report-title">{view.title}</h1>
        <Flash notice={view.notice} error={view.error} />
        <div class="desk-columns">
          <div class="desk-facts">
            <dl class="desk-dl">
              <dt>{r.status}</dt>
              <dd data-status={view.status}>
                <strong>{view.statusLabel}</strong>
              </dd>
              {view.facts.map((fact) => (
                <>
                  <dt>{fact.label}</dt>
                  <dd class="user-text">{fact.value}</dd>
                </>
              ))}
            </dl>
            <h2>{r.timeline}</h2>
            <ol class="timeline">
              {view.timeline.map((entry) => (
                <li class={entry.internal ? 'internal' : 'public'}>
                  <span class="hint">{entry.at}</span> <span class="user-text">{entry.text}</span>
                  {entry.author && <span class="hint"> — {entry.author}</span>}
                  {entry.internal && <span class="hint"> ({r.internal})</span>}
                </li>
              ))}
            </ol>
          </div>
          <Script t={frame.t} answer={{ script: view.script, reportHref: null }} />
        </div>
        {view.closed ? (
          <p class="card notice" data-read-only>
            {r.finalReadOnly}
          </p>
        ) : (
          <div class="desk-columns">
            <section aria-labelledby="status-title">
              <h2 id="status-title">{r.changeStatus}</h2>
              {view.nextStatuses.length === 0 ? (
                <p class="hint">{r.noDeskMoves}</p>
              ) : (
                <StatusChangeForm action={`${base}/status`} csrfToken={frame.csrfToken} revision={view.revision} options={view.nextStatuses} labels={{ newStatus: r.newStatus, hint: r.statusHint, save: r.save }} />
              )}
            </section>
            <section aria-labelledby="note-title">
              <h2 id="note-title">{r.addNote}</h2>
              <form method="post" action={`${base}/notes`} class="card stack">
                <input type="hidden" name="_csrf" value={frame.csrfToken} />
                <label for="note">{r.addNote}</label>
                <textarea id="note" name="note" rows={3} maxlength={2000} required></textarea>
                <button type="submit" class="button secondary">
                  {r.addNote}
                </button>
              </form>
            </section>
          </div>
        )}
      </section>
    </DeskLayout>
  )
}

export function PhoneReportPage({ frame, view }: { frame: DeskFrame; view: PhoneReportFormView }) {
  const p = frame.t.desk.phoneReport
  const rt = frame.t.report
  const firstError = (['subject', 'category', 'note', 'phone', 'location'] as const).find((field) => view.errors[field])
  const errorId = (field: keyof PhoneReportFormView['errors']) => (view.errors[field] ? `${field}-error` : undefined)
  return (
    <DeskLayout {...frame} title={p.title} current="report">
      <h1>{p.title}</h1>
      <p class="lead">{p.intro}</p>
      <Flash error={view.error} />
      <form method="post" action="/cso/reports" class="stack desk-form" novalidate>
        <input type="hidden" name="_csrf" value={frame.csrfToken} />
        <input type="hidden" name="nonce" value={view.nonce} />
        <label for="report-subject">{p.subjectLabel}</label>
        <p id="subject-hint" class="hint">
          {p.subjectHint}
        </p>
        <FieldError id="subject-error" text={view.errors.subject} />
        <input
          id="report-subject"
          name="subject"
          autocomplete="off"
          autocapitalize="characters"
          spellcheck={false}
          maxlength={4096}
          value={view.subject}
          aria-invalid={view.errors.subject ? 'true' : undefined}
          aria-describedby={['subject-hint', errorId('subject')].filter(Boolean).join(' ')}
          autofocus={firstError === 'subject' || firstError === undefined}
        />
        <fieldset class="choices" aria-describedby={errorId('category')}>
          <legend>
            {rt.categoryLegend} <span class="legend-note">{rt.categoryHint}</span>
          </legend>
          <FieldError id="category-error" text={view.errors.category} />
          {view.categories.map((category, index) => (
            <label>
              <input type="checkbox" name="category" value={category.value} checked={category.checked} autofocus={firstError === 'category' && index === 0} /> {category.label}
            </label>
          ))}
        </fieldset>
        <label for="report-note">{p.noteLabel}</label>
        <FieldError id="note-error" text={view.errors.note} />
        <textarea id="report-note" name="note" rows={4} maxlength={1000} aria-describedby={errorId('note')} aria-invalid={view.errors.note ? 'true' : undefined} autofocus={firstError === 'note'}>
          {view.note}
        </textarea>
        <label for="report-phone">{p.phoneLabel}</label>
        <FieldError id="phone-error" text={view.errors.phone} />
        <input
          id="report-phone"
          name="phone"
          type="tel"
          autocomplete="off"
          maxlength={40}
          value={view.phone}
          aria-describedby={errorId('phone')}
          aria-invalid={view.errors.phone ? 'true' : undefined}
          autofocus={firstError === 'phone'}
        />
        <label for="report-location">{p.locationLabel}</label>
        <FieldError id="location-error" text={view.errors.location} />
        <input
          id="report-location"
          name="location"
          autocomplete="off"
          maxlength={100}
          value={view.location}
          aria-describedby={errorId('location')}
          aria-invalid={view.errors.location ? 'true' : undefined}
          autofocus={firstError === 'location'}
        />
        <button type="submit" class="button report">
          {p.submit}
        </button>
      </form>
    </DeskLayout>
  )
}

/** The ticket and its tracking key, once, spaced for reading out over the phone. */
export function FiledReportPage({ frame, view }: { frame: DeskFrame; view: FiledReportView }) {
  const p = frame.t.desk.phoneReport
  return (
    <DeskLayout {...frame} title={p.savedTitle} current="report">
      <section class="desk-filed" data-ticket={view.ticket} data-tracking-key={view.trackingKey} aria-labelledby="filed-title">
        <div class="banner green" role="status">
          <Icon name="check" size={36} />
          <h1 id="filed-title" tabindex={-1} autofocus>
            {p.savedTitle}
          </h1>
        </div>
        <div class="desk-columns">
          <div>
            <p class="desk-read-label">{p.ticketLabel}</p>
            <p class="desk-read" data-read="ticket">
              {view.ticket}
            </p>
            <p class="desk-read-label">{p.keyLabel}</p>
            <p class="desk-read desk-key" data-read="key">
              {view.keyGroups.map((group) => (
                <span class="desk-key-group">{group}</span>
              ))}
            </p>
            <p class="hint">{p.keyHint}</p>
            <details class="desk-spelled" open>
              <summary>{p.spelledLabel}</summary>
              <ol>
                {view.spelled.map((group) => (
                  <li>{group.join(', ')}</li>
                ))}
              </ol>
            </details>
            <p class="desk-read-label">{p.trackingLabel}</p>
            <p class="code" data-tracking-url>
              {view.trackingUrl}
            </p>
            <p class="notice">{p.shownOnce}</p>
          </div>
          <Script t={frame.t} answer={{ script: [view.script], reportHref: null }} />
        </div>
        <p>
          <a class="button" href={`/cso/reports/${view.ticket}`} data-read-out>
            {p.done}
          </a>
        </p>
      </section>
    </DeskLayout>
  )
}

export function AlreadyFiledPage({ frame }: { frame: DeskFrame }) {
  const p = frame.t.desk.phoneReport
  return (
    <DeskLayout {...frame} title={p.alreadyFiledTitle} current="report">
      <h1>{p.alreadyFiledTitle}</h1>
      <p class="lead" data-already-filed>
        {p.alreadyFiledText}
      </p>
      <SearchForm frame={frame} />
    </DeskLayout>
  )
}

export function VisitPasswordPage({ frame, view }: { frame: DeskFrame; view: VisitPasswordView }) {
  const v = frame.t.desk.visitPassword
  // After a check the next thing to type is the word; otherwise (first visit, after a change) an ID pelanggan.
  const wordNext = view.status !== null && view.customerId !== ''
  return (
    <DeskLayout {...frame} title={v.title} current="visitPassword">
      <h1>{v.title}</h1>
      <p class="lead">{v.intro}</p>
      <Flash notice={view.notice} error={view.error} />
      <div class="desk-columns">
        <section class="card" aria-labelledby="sop-title">
          <h2 id="sop-title">{v.sopTitle}</h2>
          <ol class="desk-sop">
            {v.sopSteps.map((step) => (
              <li>{step}</li>
            ))}
          </ol>
        </section>
        <section aria-labelledby="vp-form-title">
          <h2 id="vp-form-title" class="visually-hidden">
            {v.title}
          </h2>
          {view.status && (
            <p class={`answer ${view.status.has ? 'green' : 'red'}`} role="status" data-has-visit-password={String(view.status.has)}>
              <Icon name={view.status.has ? 'check' : 'warning'} />
              <span>
                <strong>{view.status.title}:</strong> {view.status.text}
              </span>
            </p>
          )}
          {/* novalidate: the server's messages in the agent's language; the first button (Enter in the ID field) only checks. */}
          <form method="post" action="/cso/visit-password" class="card stack" novalidate>
            <input type="hidden" name="_csrf" value={frame.csrfToken} />
            <label for="vp-customer">{v.customerLabel}</label>
            <div class="inline-field">
              <input id="vp-customer" name="customerId" inputmode="numeric" autocomplete="off" maxlength={20} value={view.customerId} autofocus={!wordNext} />
              <button type="submit" name="action" value="check" class="button secondary">
                {v.checkButton}
              </button>
            </div>
            <label for="vp-word">{v.wordLabel}</label>
            <p id="vp-word-hint" class="hint">
              {v.wordHint}
            </p>
            <input id="vp-word" name="word" autocomplete="off" spellcheck={false} maxlength={64} aria-describedby="vp-word-hint" autofocus={wordNext} />
            <label class="desk-confirm">
              <input type="checkbox" name="confirmed" value="yes" required /> {v.confirmLabel}
            </label>
            <div class="actions">
              <button type="submit" name="action" value="set" class="button">
                {v.setButton}
              </button>
              <button type="submit" name="action" value="remove" class="button danger">
                {v.removeButton}
              </button>
            </div>
          </form>
        </section>
      </div>
    </DeskLayout>
  )
}
