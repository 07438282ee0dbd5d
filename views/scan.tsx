import type { Messages } from '../src/i18n/index.ts'
import { Layout } from './layout.tsx'
import { CodeForm, ContactLinks, Icon, NeverAsks, PhoneCameraSteps } from './parts.tsx'
import { AdviceThenReport } from './report.tsx'

export interface ScanProps {
  t: Messages
  langSwitchHref: string
  /** Our public origin: the only one the scanner opens, compared character by character. */
  origin: string
  /** The vendored fallback decoder, fetched only where the browser has no BarcodeDetector. */
  decoderSrc: string
  /** A typed code that cannot be one comes back here, with the message beside the field. */
  codeError?: string | null
  codeValue?: string
}

/**
 * The in-page scanner. Without JavaScript the camera card stays hidden and the page is the code
 * form plus the phone-camera advice; public/scanner.js reveals and drives the camera.
 */
export function ScanPage({ t, langSwitchHref, origin, decoderSrc, codeError = null, codeValue = '' }: ScanProps) {
  const codeCard = (
    <section class="card" aria-labelledby="code-title">
      <h2 id="code-title">{t.home.codeTitle}</h2>
      <CodeForm t={t} codeError={codeError} codeValue={codeValue} from="scan" />
    </section>
  )
  return (
    <Layout t={t} title={t.scan.title} langSwitchHref={langSwitchHref} scripts={['report.js']} modules={['scanner.js']}>
      <main id="main" class="page scan-page">
        <h1>{t.scan.title}</h1>
        <p class="lead">{t.scan.lead}</p>
        {/* A code that could not be one comes back first on the page, its message beside the field. */}
        {codeError && codeCard}
        <section class="card scanner" aria-labelledby="camera-title" data-scanner data-origin={origin} data-decoder-src={decoderSrc} hidden>
          <h2 id="camera-title">{t.scan.cameraTitle}</h2>
          <div class="viewfinder" data-scan-viewfinder hidden>
            {/* The status line below says what the camera is doing; the picture itself is only an aiming aid. */}
            <video data-scan-video muted playsinline aria-hidden="true"></video>
          </div>
          <p
            class="scan-status"
            role="status"
            data-scan-status
            data-msg-starting={t.scan.starting}
            data-msg-looking={t.scan.looking}
            data-msg-found={t.scan.found}
            data-msg-stopped={t.scan.stopped}
            data-msg-denied={t.scan.denied}
            data-msg-no-camera={t.scan.noCamera}
            data-msg-unsupported={t.scan.unsupported}
          ></p>
          <button type="button" class="button" data-scan-start>
            {t.scan.start}
          </button>
          <button type="button" class="button secondary" data-scan-stop hidden>
            {t.scan.stop}
          </button>
        </section>
        {/* Not <noscript>: browsers that run scripts but not modules need the sentence too. scanner.js hides it. */}
        <p class="card notice" data-scan-fallback>
          {t.scan.noScript}
        </p>
        <ScanRefusal t={t} origin={origin} />
        {!codeError && codeCard}
        <section class="card" aria-labelledby="phone-camera-title">
          <h2 id="phone-camera-title">{t.scan.phoneCameraTitle}</h2>
          <PhoneCameraSteps t={t} publicUrl={origin} />
        </section>
        <NeverAsks t={t} />
        <ContactLinks t={t} />
      </main>
    </Layout>
  )
}

/** Shown by scanner.js when a QR code is not one of ours: what it holds, why it is refused, how to report. */
function ScanRefusal({ t, origin }: { t: Messages; origin: string }) {
  return (
    <section class="card refused" aria-labelledby="refused-title" data-scan-refused hidden>
      <div class="banner red">
        <Icon name="stop" size={48} />
        <h2 id="refused-title" tabindex={-1}>
          {t.scan.refusedTitle}
        </h2>
      </div>
      {Object.entries(t.scan.refused).map(([reason, text]) => (
        <p class="reason" data-reason={reason} hidden>
          {text}
        </p>
      ))}
      <p class="scanned-label">{t.scan.scannedText}:</p>
      <p>
        <code class="scanned" data-scan-text></code>
      </p>
      <p>
        {t.scan.genuineStartsWith} <strong class="origin">{origin}/</strong>
      </p>
      <AdviceThenReport t={t} advice={t.scan.refusedAdvice} />
      <button type="button" class="button secondary" data-scan-again>
        {t.scan.again}
      </button>
    </section>
  )
}
