// Cek Petugas — the in-page QR scanner of /scan (an ES module).
// The page works without this file: the code form and the phone-camera advice are plain HTML.
// This adds the camera, decoded with the browser's BarcodeDetector where it has one, otherwise
// with the vendored jsQR served from our own origin. It opens only our own verdict pages.

const TOKEN_PATH = /^\/v\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
const CODE_PATH = /^\/c\/[0-9A-HJKMNP-TV-Z]{8}$/
/** DESIGN §4: a token longer than 2048 characters is malformed anyway. */
const MAX_PATH_LENGTH = '/v/'.length + 2048

/**
 * Whether a scanned QR text may be opened, and if not, why not.
 *
 * The raw text must start with our origin character for character, followed directly by
 * `/v/<token>` or `/c/<code>` and nothing else. Comparing raw text rather than a parsed URL is
 * deliberate: URL parsers forgive upper case, backslashes, default ports, user names, trailing
 * dots and Unicode hosts, and every forgiveness is a way to dress a foreign link up as ours.
 * The WHATWG parser must then agree that nothing was normalised.
 *
 * @param {unknown} text what the QR code holds
 * @param {string} origin our public origin, e.g. "https://cek.pln.co.id"
 * @returns {{ ok: true, url: string } | { ok: false, reason: 'other_site' | 'not_pass' | 'not_link' }}
 */
export function checkScannedUrl(text, origin) {
  if (typeof text !== 'string' || typeof origin !== 'string' || !/^https?:\/\/[^/]+$/.test(origin)) return { ok: false, reason: 'not_link' }
  if (text.startsWith(origin)) {
    const path = text.slice(origin.length)
    if (path.startsWith('/')) {
      if (path.length <= MAX_PATH_LENGTH && (TOKEN_PATH.test(path) || CODE_PATH.test(path)) && parsesUnchanged(text, origin)) return { ok: true, url: text }
      return { ok: false, reason: 'not_pass' }
    }
  }
  // Anything with a scheme (https:, http:, intent:, WIFI:…) is "somewhere else", also when spaces
  // or tabs are hidden in it (URL parsers drop those).
  const compact = text.replace(/[\u0000-\u0020]/g, '')
  return { ok: false, reason: /^[A-Za-z][A-Za-z0-9+.-]*:|^[\\/]{2}|^www\./i.test(compact) ? 'other_site' : 'not_link' }
}

function parsesUnchanged(text, origin) {
  try {
    const url = new URL(text)
    return url.href === text && url.origin === origin && url.username === '' && url.password === ''
  } catch {
    return false
  }
}

/** What the refusal shows of a foreign code: no control or direction-changing characters, not too long. */
export function displayableText(text) {
  const cleaned = String(text).replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g, '\ufffd')
  return cleaned.length > 300 ? `${cleaned.slice(0, 300)}…` : cleaned
}

// ---------------------------------------------------------------------------------------------
// The page. Nothing below runs in Node, where the unit test imports checkScannedUrl.

/** Milliseconds between decode attempts: enough for a steady hand, gentle on a cheap phone's CPU. */
const DECODE_INTERVAL_MS = 150
/** jsQR works on a frame scaled so its longer side is at most this many pixels. */
const DECODE_MAX_SIDE = 640

function setUpScanner(root) {
  const origin = root.dataset.origin || ''
  const decoderSrc = root.dataset.decoderSrc || ''
  const video = root.querySelector('[data-scan-video]')
  const viewfinder = root.querySelector('[data-scan-viewfinder]')
  const status = root.querySelector('[data-scan-status]')
  const startButton = root.querySelector('[data-scan-start]')
  const stopButton = root.querySelector('[data-scan-stop]')
  const refusal = document.querySelector('[data-scan-refused]')
  if (!video || !viewfinder || !status || !startButton || !stopButton || !refusal) return

  /** @type {MediaStream | null} */
  let stream = null
  /** @type {((video: HTMLVideoElement) => Promise<string | null>) | null} */
  let decode = null
  let scanning = false
  let timer = 0

  root.hidden = false
  const fallback = document.querySelector('[data-scan-fallback]')
  if (fallback instanceof HTMLElement) fallback.hidden = true
  if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== 'function') {
    say('unsupported')
    startButton.hidden = true
    return
  }

  startButton.addEventListener('click', () => void start())
  stopButton.addEventListener('click', () => {
    stop()
    say('stopped')
    startButton.focus()
  })
  refusal.querySelector('[data-scan-again]')?.addEventListener('click', () => {
    refusal.hidden = true
    root.hidden = false
    void start()
  })
  // The camera is never left running behind the household's back.
  window.addEventListener('pagehide', stop)
  window.addEventListener('pageshow', (event) => {
    // Back from the verdict page: start over rather than say "opening the result…" again.
    if (event.persisted) say(null)
  })
  document.addEventListener('visibilitychange', () => {
    if (document.hidden && scanning) {
      stop()
      say('stopped')
    }
  })

  async function start() {
    refusal.hidden = true
    startButton.disabled = true
    say('starting')
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false })
    } catch (error) {
      stop()
      say(error && (error.name === 'NotAllowedError' || error.name === 'SecurityError') ? 'denied' : 'noCamera')
      return
    }
    try {
      decode = decode || (await loadDecoder(decoderSrc))
    } catch {
      stop()
      say('unsupported')
      return
    }
    video.srcObject = stream
    viewfinder.hidden = false
    await video.play().catch(() => {})
    startButton.hidden = true
    stopButton.hidden = false
    say('looking')
    scanning = true
    tick()
  }

  async function tick() {
    if (!scanning || !decode) return
    let text = null
    if (video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.videoWidth > 0) {
      try {
        text = await decode(video)
      } catch {
        // A frame the decoder could not read: try the next one.
      }
    }
    if (!scanning) return
    if (text === null) timer = window.setTimeout(tick, DECODE_INTERVAL_MS)
    else handle(text)
  }

  function handle(text) {
    stop()
    const result = checkScannedUrl(text, origin)
    if (result.ok) {
      say('found')
      window.location.assign(result.url)
      return
    }
    say(null)
    root.hidden = true
    for (const reason of refusal.querySelectorAll('[data-reason]')) reason.hidden = reason.getAttribute('data-reason') !== result.reason
    const shown = refusal.querySelector('[data-scan-text]')
    if (shown) shown.textContent = displayableText(text)
    refusal.hidden = false
    refusal.querySelector('h2')?.focus()
    if (typeof navigator.vibrate === 'function') navigator.vibrate(200)
  }

  function stop() {
    scanning = false
    window.clearTimeout(timer)
    if (stream) for (const track of stream.getTracks()) track.stop()
    stream = null
    video.srcObject = null
    viewfinder.hidden = true
    startButton.hidden = false
    startButton.disabled = false
    stopButton.hidden = true
  }

  /** @param {string | null} key a data-msg-* attribute of the status line */
  function say(key) {
    status.textContent = key ? status.dataset[`msg${key[0].toUpperCase()}${key.slice(1)}`] || '' : ''
  }
}

/** BarcodeDetector when the browser has one for QR codes; otherwise jsQR, loaded only now. */
async function loadDecoder(decoderSrc) {
  if ('BarcodeDetector' in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats()
      if (formats.includes('qr_code')) {
        const detector = new window.BarcodeDetector({ formats: ['qr_code'] })
        return async (video) => {
          const codes = await detector.detect(video)
          return codes.length > 0 ? codes[0].rawValue : null
        }
      }
    } catch {
      // Fall through to jsQR.
    }
  }
  if (typeof window.jsQR !== 'function') await loadScript(decoderSrc)
  const canvas = document.createElement('canvas')
  const context = canvas.getContext('2d', { willReadFrequently: true })
  if (!context || typeof window.jsQR !== 'function') throw new Error('no QR decoder')
  return async (video) => {
    const scale = Math.min(1, DECODE_MAX_SIDE / Math.max(video.videoWidth, video.videoHeight))
    const width = Math.round(video.videoWidth * scale)
    const height = Math.round(video.videoHeight * scale)
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width
      canvas.height = height
    }
    context.drawImage(video, 0, 0, width, height)
    const image = context.getImageData(0, 0, width, height)
    const code = window.jsQR(image.data, width, height, { inversionAttempts: 'dontInvert' })
    return code ? code.data : null
  }
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script')
    script.src = src
    script.addEventListener('load', resolve)
    script.addEventListener('error', () => reject(new Error(`could not load ${src}`)))
    document.head.append(script)
  })
}

if (typeof document !== 'undefined') {
  const root = document.querySelector('[data-scanner]')
  if (root instanceof HTMLElement) setUpScanner(root)
}
