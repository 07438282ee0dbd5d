import { fill, type Messages } from '../src/i18n/index.ts'

export type IconName = 'check' | 'warning' | 'stop' | 'phone' | 'chat'

const ICON_PATHS: Record<IconName, string> = {
  check: 'M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z',
  warning: 'M1 21h22L12 2 1 21zm12-3h-2v-2h2v2zm0-4h-2v-4h2v4z',
  stop: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm5 13.6L15.6 17 12 13.4 8.4 17 7 15.6 10.6 12 7 8.4 8.4 7l3.6 3.6L15.6 7 17 8.4 13.4 12z',
  phone: 'M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2c.3-.3.7-.4 1-.2 1.1.4 2.3.6 3.6.6.6 0 1 .4 1 1V20c0 .6-.4 1-1 1A17 17 0 0 1 3 4c0-.6.4-1 1-1h3.5c.6 0 1 .4 1 1 0 1.3.2 2.5.6 3.6.1.3 0 .7-.2 1z',
  chat: 'M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2z',
}

/** A field's error, next to it and announced; nothing when the field is fine. */
export function FieldError({ id, text }: { id: string; text: string | undefined }) {
  if (!text) return null
  return (
    <p id={id} class="error" role="alert">
      {text}
    </p>
  )
}

/** Decorative icon: the words next to it carry the meaning. */
export function Icon({ name, size = 24 }: { name: IconName; size?: number }) {
  return (
    <svg class={`icon icon-${name}`} viewBox="0 0 24 24" width={size} height={size} aria-hidden="true" focusable="false">
      <path d={ICON_PATHS[name]} />
    </svg>
  )
}

export function NeverAsks({ t }: { t: Messages }) {
  return (
    <section class="card never" aria-labelledby="never-title">
      <h2 id="never-title">{t.neverAsks.title}</h2>
      <ul>
        {t.neverAsks.items.map((item) => (
          <li>{item}</li>
        ))}
      </ul>
      <p>{t.neverAsks.meterReaders}</p>
      <p>{t.neverAsks.payments}</p>
    </section>
  )
}

export function Rights({ t }: { t: Messages }) {
  return (
    <section class="card" aria-labelledby="rights-title">
      <h2 id="rights-title">{t.rights.title}</h2>
      <ul>
        {t.rights.items.map((item) => (
          <li>{item}</li>
        ))}
      </ul>
    </section>
  )
}

export const WHATSAPP_NUMBER = '628122123123'

/**
 * The 123 button. From a mobile, 123 needs the area code first: where the pass's unit is known it
 * dials `tel:<areaCode>123`; elsewhere it dials 123 (right from a landline) with the two-step hint
 * right under it.
 */
export function CallButton({ t, areaCode = null }: { t: Messages; areaCode?: string | null }) {
  return (
    <>
      <a class="button call" href={areaCode ? `tel:${areaCode}123` : 'tel:123'} data-call>
        <Icon name="phone" /> {areaCode ? fill(t.contact.callArea, { number: `(${areaCode}) 123` }) : t.contact.call}
      </a>
      {!areaCode && <p class="hint call-hint">{t.contact.callHint}</p>}
    </>
  )
}

export function ContactLinks({ t, whatsappText, areaCode = null }: { t: Messages; whatsappText?: string; areaCode?: string | null }) {
  const text = encodeURIComponent(whatsappText ?? t.contact.whatsappText)
  return (
    <section class="card contact" aria-labelledby="contact-title">
      <h2 id="contact-title">{t.contact.title}</h2>
      <CallButton t={t} areaCode={areaCode} />
      <a class="button secondary" href={`https://wa.me/${WHATSAPP_NUMBER}?text=${text}`} rel="noopener noreferrer">
        <Icon name="chat" /> {t.contact.whatsapp}
      </a>
      <p class="hint">{t.contact.onlyOfficial}</p>
      <p>{t.contact.app}</p>
    </section>
  )
}

/** "Open the phone's camera, tap the link, check the address starts with our origin." */
export function PhoneCameraSteps({ t, publicUrl }: { t: Messages; publicUrl: string }) {
  return (
    <ol class="steps">
      <li>{t.home.scanSteps[0]}</li>
      <li>{t.home.scanSteps[1]}</li>
      <li>
        {t.home.scanSteps[2]} <strong class="origin">{publicUrl}/</strong>
      </li>
    </ol>
  )
}

/** Where a code form stands, so that a code of the wrong length is answered on that same page. */
export type CodeFormPlace = 'home' | 'scan' | 'retype'

/**
 * The short-code form (GET /c): works without JavaScript, on the home, the scanner page and a
 * "code not found" page. `novalidate`: the server's message in the page's language stands beside
 * the field (with focus on it), never the browser's bubble.
 */
export function CodeForm({
  t,
  codeError,
  codeValue,
  from,
  buttonLabel,
}: {
  t: Messages
  codeError: string | null
  codeValue: string
  from?: CodeFormPlace
  buttonLabel?: string
}) {
  return (
    <form action="/c" method="get" class="stack" novalidate>
      {from && from !== 'home' && <input type="hidden" name="from" value={from} />}
      <label for="code">{t.home.codeLabel}</label>
      <input
        id="code"
        name="code"
        value={codeValue}
        inputmode="text"
        autocomplete="off"
        autocapitalize="characters"
        spellcheck={false}
        maxlength={32}
        required
        aria-invalid={codeError ? 'true' : undefined}
        aria-describedby={codeError ? 'code-error' : undefined}
        autofocus={codeError ? true : undefined}
      />
      {codeError && (
        <p id="code-error" class="error" role="alert">
          {codeError}
        </p>
      )}
      <button type="submit" class="button">
        {buttonLabel ?? t.home.codeButton}
      </button>
    </form>
  )
}

/** Who is signed in, and the sign-out button (a POST with the session's CSRF token). */
export function SignOut({ t, username, csrfToken }: { t: Messages; username: string; csrfToken: string }) {
  return (
    <form method="post" action="/logout" class="inline">
      <input type="hidden" name="_csrf" value={csrfToken} />
      <span class="hint">
        {t.portal.signedInAs} <strong>{username}</strong>
      </span>{' '}
      <button type="submit" class="link-button">
        {t.login.logout}
      </button>
    </form>
  )
}
