import type { Messages } from '../src/i18n/index.ts'
import type { TicketView } from '../src/reports/present.ts'
import { Layout, privacyNoticePath } from './layout.tsx'
import { FieldError, Icon, WHATSAPP_NUMBER } from './parts.tsx'
import { READ_ALOUD_SCRIPT, ReadAloudButton } from './read-aloud.tsx'

/** What the report button sends along: the token or code of the page it is on. */
export interface ReportInput {
  field: 'token' | 'code'
  value: string
}

/**
 * "Laporkan penipuan": one tap, a plain form POST. The server redirects to the ticket page; on
 * pages that load htmx (home, door check) the ticket panel replaces this form instead. The
 * verdict page does without htmx, so there the hx-* attributes stay inert. `calm`: under a green verdict
 * a big red button would be a mixed signal, so there it is a secondary button below the facts.
 */
export function ReportForm({ t, input, error, calm = false }: { t: Messages; input: ReportInput | null; error?: string | null; calm?: boolean }) {
  return (
    <form method="post" action="/reports" hx-post="/reports" hx-swap="outerHTML" class={calm ? 'report-box calm' : 'report-box'} id="report-box">
      {input && <input type="hidden" name={input.field} value={input.value} />}
      <button type="submit" class={calm ? 'button secondary report-calm' : 'button report'}>
        <Icon name="warning" /> {t.report.button}
      </button>
      <p class="hint">{t.report.buttonHint}</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  )
}

export function TicketPage({ t, langSwitchHref, view }: { t: Messages; langSwitchHref: string; view: TicketView }) {
  return (
    <Layout t={t} title={`${t.report.pageTitle} ${view.ticket}`} langSwitchHref={langSwitchHref} scripts={['report.js', READ_ALOUD_SCRIPT]}>
      <main id="main" class="page report-page" data-ticket={view.ticket}>
        <TicketPanel t={t} view={view} standalone />
      </main>
    </Layout>
  )
}

/**
 * Everything after the tap: the ticket, what to do now, the optional details, the summary, the
 * status. On its own page it carries the page's h1; swapped into a verdict page, an h2.
 */
export function TicketPanel({ t, view, standalone = false }: { t: Messages; view: TicketView; standalone?: boolean }) {
  const Heading = standalone ? 'h1' : 'h2'
  return (
    <section id="report-ticket" class="ticket-panel" data-ticket={view.ticket} aria-labelledby="ticket-title">
      <div class="banner green" role="status">
        <Icon name="check" size={40} />
        <Heading id="ticket-title" data-read-aloud={standalone ? '0' : undefined}>
          {t.report.savedTitle}
        </Heading>
        {standalone && <ReadAloudButton t={t} />}
      </div>
      <p class="ticket-line" data-read-aloud={standalone ? '1' : undefined}>
        {t.report.ticketLabel}: <strong class="ticket">{view.ticket}</strong>
      </p>
      <p>{t.report.ticketHint}</p>
      <p>
        <a href={view.trackingPath}>{t.report.trackLink}</a>
      </p>
      <p class="hint">{t.report.trackHint}</p>

      <section class="card never" aria-labelledby="now-title">
        <h2 id="now-title">{t.report.nowTitle}</h2>
        <ol class="steps">
          {t.report.nowSteps.map((step, index) => (
            <li data-read-aloud={standalone && index < 2 ? '3' : undefined}>{step}</li>
          ))}
        </ol>
        <p>{t.report.moneySent}</p>
      </section>
      <p>
        <a class="button call" href="tel:123">
          <Icon name="phone" /> {t.contact.call}
        </a>
      </p>
      <p class="hint">{t.contact.callHint}</p>
      <p>
        <a class="button secondary" href={`https://wa.me/${WHATSAPP_NUMBER}?text=${encodeURIComponent(view.whatsappText)}`} rel="noopener noreferrer">
          <Icon name="chat" /> {t.report.whatsapp}
        </a>
      </p>

      {view.yourData.canCorrect && <DetailsForm t={t} view={view} />}
      <YourData t={t} view={view} />
      <EvidenceSummary t={t} view={view} />
      <Timeline t={t} view={view} readAloud={standalone} />
    </section>
  )
}

/** The id of the "details saved" confirmation: the no-JS redirect after saving ends in `#details-saved`. */
export const DETAILS_SAVED_ID = 'details-saved'

/**
 * The optional details. Our own messages only (`novalidate`: never the browser's bubble), each
 * beside its field, and the first refused field gets the focus (`autofocus`: on the page without
 * JavaScript, and after htmx's swap, which honours it). The confirmation sits under the button
 * just tapped, where the thumb is.
 */
function DetailsForm({ t, view }: { t: Messages; view: TicketView }) {
  const { form, errors, focusField } = view
  const describedBy = (field: keyof TicketView['errors'], hint?: string) => [hint, errors[field] ? `${field}-error` : null].filter(Boolean).join(' ') || undefined
  const invalid = (field: keyof TicketView['errors']) => (errors[field] ? 'true' : undefined)
  return (
    <section class="card" aria-labelledby="details-title">
      <h2 id="details-title">{t.report.detailsTitle}</h2>
      <p class="hint">{t.report.detailsHint}</p>
      <p class="hint">
        <a href={privacyNoticePath(t.htmlLang)}>{t.privacy.reportLink}</a>
      </p>
      <form method="post" action={view.detailsAction} hx-post={view.detailsAction} hx-target="#report-ticket" hx-swap="outerHTML" class="stack" novalidate>
        <input type="hidden" name="k" value={view.trackingKey} />
        <fieldset class="choices" aria-describedby={describedBy('category')}>
          <legend>
            {t.report.categoryLegend} <span class="legend-note">{t.report.categoryHint}</span>
          </legend>
          <FieldError id="category-error" text={errors.category} />
          {view.categories.map((category, index) => (
            <label>
              <input
                type="checkbox"
                name="category"
                value={category.value}
                checked={category.checked}
                aria-invalid={invalid('category')}
                autofocus={focusField === 'category' && index === 0}
              />{' '}
              {category.label}
            </label>
          ))}
        </fieldset>

        <label for="report-note">{t.report.noteLabel}</label>
        <FieldError id="note-error" text={errors.note} />
        <textarea id="report-note" name="note" rows={4} maxlength={1000} aria-invalid={invalid('note')} aria-describedby={describedBy('note')} autofocus={focusField === 'note'}>
          {form.note}
        </textarea>

        <label for="report-phone">{t.report.phoneLabel}</label>
        <p id="phone-hint" class="hint">
          {t.report.phoneHint}
        </p>
        <FieldError id="phone-error" text={errors.phone} />
        <input
          id="report-phone"
          name="phone"
          type="tel"
          inputmode="tel"
          autocomplete="tel"
          maxlength={40}
          value={form.phone}
          aria-invalid={invalid('phone')}
          aria-describedby={describedBy('phone', 'phone-hint')}
          autofocus={focusField === 'phone'}
        />

        <label for="report-location">{t.report.locationLabel}</label>
        <FieldError id="location-error" text={errors.location} />
        <input
          id="report-location"
          name="location"
          autocomplete="address-level4"
          maxlength={100}
          value={form.location}
          aria-invalid={invalid('location')}
          aria-describedby={describedBy('location')}
          autofocus={focusField === 'location'}
        />
        <input type="hidden" name="latitude" value={form.latitude} />
        <input type="hidden" name="longitude" value={form.longitude} />
        <FieldError id="coordinates-error" text={errors.coordinates} />
        {/* Shown only when report.js finds geolocation; the browser asks for consent on the tap. */}
        <button
          type="button"
          class="button secondary needs-geolocation"
          data-geolocate
          data-busy={t.report.geoBusy}
          data-done={t.report.geoDone}
          data-failed={t.report.geoFailed}
          aria-describedby={describedBy('coordinates')}
          autofocus={focusField === 'coordinates'}
        >
          {t.report.geoButton}
        </button>
        <p class="hint needs-geolocation">{t.report.geoHint}</p>
        <p class="hint" data-geolocation-status aria-live="polite">
          {form.hasCoordinates ? t.report.geoSaved : ''}
        </p>

        <button type="submit" class="button">
          {t.report.saveButton}
        </button>
        {view.saved && (
          <p id={DETAILS_SAVED_ID} class="answer green" role="status" tabindex={-1} autofocus={focusField === null}>
            <Icon name="check" /> {t.report.detailsSaved}
          </p>
        )}
      </form>
    </section>
  )
}

/** The id of "Data Anda": the no-JS redirects after an erasure or a restriction end in `#your-data`. */
export const YOUR_DATA_ID = 'your-data'

/**
 * "Data Anda": what the reporter gave and their rights over it (UU PDP), as plain forms with the
 * tracking key. Erasing asks once more on a page of its own (no JavaScript needed); restricting
 * takes effect on the tap. Correction is the details form above.
 */
function YourData({ t, view }: { t: Messages; view: TicketView }) {
  const rr = t.reporterRights
  const data = view.yourData
  const given = data.items.some((item) => item.value !== rr.notGiven)
  return (
    <section id={YOUR_DATA_ID} class="card" aria-labelledby="your-data-title" data-details-state={data.state} tabindex={-1}>
      <h2 id="your-data-title">{rr.title}</h2>
      <p class="hint">{rr.lead}</p>
      {data.doneText && (
        <p class="answer green" role="status">
          <Icon name="check" /> {data.doneText}
        </p>
      )}
      {data.errorText && (
        <p class="answer red" role="alert">
          <Icon name="stop" /> {data.errorText}
        </p>
      )}
      {data.stateText && (
        <p class="answer amber">
          <Icon name="warning" /> {data.stateText}
        </p>
      )}
      {data.items.length > 0 && !given && <p>{rr.nothingGiven}</p>}
      {given && (
        <dl>
          {data.items.map((item) => (
            <>
              <dt>{item.label}</dt>
              <dd>{item.value}</dd>
            </>
          ))}
        </dl>
      )}
      <p class="hint">{rr.categoriesKept}</p>
      {data.canCorrect && (
        <>
          <h3>{rr.correct.title}</h3>
          <p>{rr.correct.text}</p>
          <p>
            <a href="#details-title">{rr.correct.link}</a>
          </p>
        </>
      )}
      {data.canRestrict && (
        <form method="post" action={data.restrictAction} class="stack">
          <input type="hidden" name="k" value={view.trackingKey} />
          <h3>{rr.restrict.title}</h3>
          <p>{rr.restrict.text}</p>
          <button type="submit" class="button secondary">
            {rr.restrict.button}
          </button>
        </form>
      )}
      {data.state === 'restricted' && <p class="hint">{rr.restrict.noLift}</p>}
      {data.state !== 'erased' && (
        <form method="post" action={data.eraseAction} class="stack" aria-labelledby="erase-title">
          <input type="hidden" name="k" value={view.trackingKey} />
          <h3 id="erase-title">{data.confirmErase ? rr.erase.confirmTitle : rr.erase.title}</h3>
          {data.confirmErase ? (
            <>
              <p class="answer red" tabindex={-1} autofocus>
                <Icon name="warning" /> {rr.erase.confirmText}
              </p>
              <input type="hidden" name="confirm" value="yes" />
              <button type="submit" class="button report">
                {rr.erase.confirmButton}
              </button>
              <a class="button secondary" href={`${view.trackingPath}#${YOUR_DATA_ID}`}>
                {rr.erase.cancel}
              </a>
            </>
          ) : (
            <>
              <p>{rr.erase.text}</p>
              <button type="submit" class="button secondary">
                {rr.erase.button}
              </button>
            </>
          )}
        </form>
      )}
    </section>
  )
}

function EvidenceSummary({ t, view }: { t: Messages; view: TicketView }) {
  return (
    <section class="card" aria-labelledby="summary-title">
      <h2 id="summary-title">{t.report.summaryTitle}</h2>
      <p class="hint">{t.report.summaryHint}</p>
      <label for="evidence-summary">{t.report.summaryLabel}</label>
      <textarea id="evidence-summary" class="summary" readonly rows={8}>
        {view.evidenceSummary}
      </textarea>
      <div class="actions">
        <button type="button" class="button secondary needs-clipboard" data-copy="evidence-summary" data-done={t.report.copied}>
          {t.report.copyButton}
        </button>
        <button type="button" class="button secondary needs-share" data-share="evidence-summary" data-title={view.ticket}>
          {t.report.shareButton}
        </button>
      </div>
    </section>
  )
}

function Timeline({ t, view, readAloud }: { t: Messages; view: TicketView; readAloud: boolean }) {
  return (
    <section class="card" aria-labelledby="status-title">
      <h2 id="status-title">{t.report.statusTitle}</h2>
      <p class="status" data-status data-read-aloud={readAloud ? '2' : undefined}>
        {view.statusLabel}
      </p>
      <ol class="timeline">
        {view.timeline.map((entry) => (
          <li>
            {entry.timeText && <time>{entry.timeText}</time>} <span>{entry.label}</span>
          </li>
        ))}
      </ol>
    </section>
  )
}

/** What to do when the visitor is not genuine: the advice, the one-tap report and a call to 123. */
export function AdviceThenReport({ t, advice, readAloud = false }: { t: Messages; advice: readonly string[]; readAloud?: boolean }) {
  return (
    <>
      <ul class="advice">
        {advice.map((line) => (
          <li data-read-aloud={readAloud ? '2' : undefined}>{line}</li>
        ))}
      </ul>
      <ReportForm t={t} input={null} />
      <p>
        <a class="button call" href="tel:123">
          <Icon name="phone" /> {t.contact.call}
        </a>
      </p>
    </>
  )
}
