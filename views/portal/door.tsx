import { PortalLayout, type PortalLayoutProps } from './layout.tsx'

type FrameProps = Omit<PortalLayoutProps, 'title' | 'children'>

export interface OfficerDoorView {
  code: string
  /** The officer's active passes, the one for the household's ID pelanggan first. */
  passes: { id: string; label: string }[]
  /** null for an account without an officer (an admin): nothing to confirm with. */
  canConfirm: boolean
  error: string | null
  /** Our origin, the only one whose household QR the in-page scanner takes. */
  origin: string
  decoderSrc: string
}

export interface OfficerDoorResultView {
  confirmed: boolean
  text: string
  passLabel: string | null
}

/** GET /officer/door: scan the household's QR or type its six digits, pick a pass, confirm. */
export function OfficerDoorPage(props: FrameProps & { view: OfficerDoorView }) {
  const { t, view } = props
  return (
    <PortalLayout {...props} title={t.door.officer.title} scripts={['door.js']}>
      <h1>{t.door.officer.title}</h1>
      <p>{t.door.officer.lead}</p>
      {view.error && (
        <p class="answer red" role="alert" data-door-error>
          {view.error}
        </p>
      )}
      {!view.canConfirm ? (
        <p class="card notice">{t.door.officer.notOfficer}</p>
      ) : view.passes.length === 0 ? (
        <p class="card notice">
          {t.door.officer.noPasses}{' '}
          <a href="/officer/passes/new">{t.portal.newPass}</a>
        </p>
      ) : (
        <>
          <section class="card scanner" aria-labelledby="door-scan-title" data-door-scanner data-origin={view.origin} data-decoder-src={view.decoderSrc} hidden>
            <h2 id="door-scan-title">{t.door.officer.scanTitle}</h2>
            <div class="viewfinder" data-scan-viewfinder hidden>
              <video data-scan-video muted playsinline aria-hidden="true"></video>
            </div>
            <p
              class="scan-status"
              role="status"
              data-scan-status
              data-msg-looking={t.door.officer.scanLooking}
              data-msg-found={t.door.officer.scanFound}
              data-msg-not-ours={t.door.officer.scanNotOurs}
              data-msg-unavailable={t.door.officer.scanUnavailable}
            ></p>
            <button type="button" class="button secondary" data-scan-start>
              {t.door.officer.scanStart}
            </button>
            <button type="button" class="button secondary" data-scan-stop hidden>
              {t.door.officer.scanStop}
            </button>
          </section>
          <form method="post" action="/officer/door" class="card stack door-confirm">
            <input type="hidden" name="_csrf" value={props.csrfToken} />
            <label for="door-code">{t.door.officer.codeLabel}</label>
            <input
              id="door-code"
              name="code"
              class="door-code-input"
              value={view.code}
              inputmode="numeric"
              autocomplete="off"
              pattern="[0-9 ]{6,7}"
              maxlength={7}
              required
            />
            <fieldset>
              <legend>{t.door.officer.passLabel}</legend>
              {view.passes.map((pass, index) => (
                <label class="choice">
                  <input type="radio" name="pass" value={pass.id} checked={index === 0} required /> {pass.label}
                </label>
              ))}
            </fieldset>
            <button type="submit" class="button">
              {t.door.officer.submit}
            </button>
          </form>
        </>
      )}
    </PortalLayout>
  )
}

/** POST /officer/door: confirmed, or a plain refusal with the way back. */
export function OfficerDoorResultPage(props: FrameProps & { view: OfficerDoorResultView }) {
  const { t, view } = props
  return (
    <PortalLayout {...props} title={view.confirmed ? t.door.officer.confirmedTitle : t.door.officer.refusedTitle}>
      <div class={`banner ${view.confirmed ? 'green' : 'red'}`} role="status" data-door-result={view.confirmed ? 'confirmed' : 'refused'}>
        <h1>{view.confirmed ? t.door.officer.confirmedTitle : t.door.officer.refusedTitle}</h1>
      </div>
      <p class="reason">{view.text}</p>
      {view.passLabel && <p class="purpose">{view.passLabel}</p>}
      <p>
        <a class="button secondary" href="/officer/door">
          {t.door.officer.again}
        </a>
      </p>
      <p>
        <a href="/officer">{t.portal.home}</a>
      </p>
    </PortalLayout>
  )
}

