// Cek Petugas — the officer's in-page scanner of /officer/door: reads the household's door QR
// and fills in its six digits. The page works without this file (type the code, or open the QR
// with the phone's own camera). Decodes with BarcodeDetector where the browser has it, otherwise
// with the vendored jsQR from our own origin, as public/scanner.js does for households.
;(function () {
  'use strict'

  var DECODE_INTERVAL_MS = 150
  var DECODE_MAX_SIDE = 640

  /** The six digits when the text is exactly our door QR, `<origin>/officer/door?code=<6 digits>`; else null. */
  function doorCodeOf(text, origin) {
    if (typeof text !== 'string') return null
    var prefix = origin + '/officer/door?code='
    if (text.slice(0, prefix.length) !== prefix) return null
    var code = text.slice(prefix.length)
    return /^\d{6}$/.test(code) ? code : null
  }

  function setUp(root) {
    var origin = root.getAttribute('data-origin') || ''
    var video = root.querySelector('[data-scan-video]')
    var viewfinder = root.querySelector('[data-scan-viewfinder]')
    var status = root.querySelector('[data-scan-status]')
    var startButton = root.querySelector('[data-scan-start]')
    var stopButton = root.querySelector('[data-scan-stop]')
    var input = document.getElementById('door-code')
    if (!video || !viewfinder || !status || !startButton || !stopButton || !input) return
    if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== 'function') return
    root.hidden = false

    var stream = null
    var decode = null
    var scanning = false
    var timer = 0

    function say(key) {
      status.textContent = key ? status.getAttribute('data-msg-' + key) || '' : ''
    }

    function stop() {
      scanning = false
      window.clearTimeout(timer)
      if (stream) stream.getTracks().forEach(function (track) { track.stop() })
      stream = null
      video.srcObject = null
      viewfinder.hidden = true
      startButton.hidden = false
      stopButton.hidden = true
    }

    function tick() {
      if (!scanning || !decode) return
      var attempt = video.readyState >= 2 && video.videoWidth > 0 ? decode(video) : Promise.resolve(null)
      attempt.catch(function () { return null }).then(function (text) {
        if (!scanning) return
        if (text === null) {
          timer = window.setTimeout(tick, DECODE_INTERVAL_MS)
          return
        }
        var code = doorCodeOf(text, origin)
        if (code === null) {
          say('not-ours')
          timer = window.setTimeout(tick, DECODE_INTERVAL_MS * 4)
          return
        }
        stop()
        input.value = code
        say('found')
        var submit = document.querySelector('.door-confirm button[type="submit"]')
        if (submit) submit.focus()
      })
    }

    startButton.addEventListener('click', function () {
      say('looking')
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false })
        .then(function (media) {
          stream = media
          return decode || loadDecoder(root.getAttribute('data-decoder-src') || '')
        })
        .then(function (decoder) {
          decode = decoder
          video.srcObject = stream
          viewfinder.hidden = false
          startButton.hidden = true
          stopButton.hidden = false
          scanning = true
          return video.play().catch(function () {})
        })
        .then(tick)
        .catch(function () {
          stop()
          say('unavailable')
        })
    })
    stopButton.addEventListener('click', function () {
      stop()
      say(null)
    })
    window.addEventListener('pagehide', stop)
  }

  function loadDecoder(decoderSrc) {
    if ('BarcodeDetector' in window) {
      var detector = new window.BarcodeDetector({ formats: ['qr_code'] })
      return Promise.resolve(function (video) {
        return detector.detect(video).then(function (codes) { return codes.length > 0 ? codes[0].rawValue : null })
      })
    }
    return new Promise(function (resolve, reject) {
      if (typeof window.jsQR === 'function') return resolve()
      var script = document.createElement('script')
      script.src = decoderSrc
      script.addEventListener('load', function () { resolve() })
      script.addEventListener('error', reject)
      document.head.append(script)
    }).then(function () {
      var canvas = document.createElement('canvas')
      var context = canvas.getContext('2d', { willReadFrequently: true })
      return function (video) {
        var scale = Math.min(1, DECODE_MAX_SIDE / Math.max(video.videoWidth, video.videoHeight))
        canvas.width = Math.round(video.videoWidth * scale)
        canvas.height = Math.round(video.videoHeight * scale)
        context.drawImage(video, 0, 0, canvas.width, canvas.height)
        var image = context.getImageData(0, 0, canvas.width, canvas.height)
        var found = window.jsQR(image.data, canvas.width, canvas.height, { inversionAttempts: 'dontInvert' })
        return Promise.resolve(found ? found.data : null)
      }
    })
  }

  document.addEventListener('DOMContentLoaded', function () {
    var root = document.querySelector('[data-door-scanner]')
    if (root instanceof HTMLElement) setUp(root)
  })
})()
