// Officer pages: the live QR's countdown, an honest offline notice, a screen kept awake while the
// QR is shown, the print button, and the KTP choice in words on the pass form.
// Everything here is an improvement: the pages work without it.
;(function () {
  'use strict'

  function tick() {
    var qr = document.querySelector('[data-expires]')
    var counter = qr && qr.querySelector('[data-countdown]')
    if (!qr || !counter) return
    var refreshedAt = Number(qr.getAttribute('data-refreshed') || 0)
    if (!refreshedAt) {
      refreshedAt = Date.now()
      qr.setAttribute('data-refreshed', String(refreshedAt))
    }
    counter.textContent = String(Math.max(0, 60 - Math.floor((Date.now() - refreshedAt) / 1000)))
    var expired = Date.now() > Number(qr.getAttribute('data-expires'))
    qr.classList.toggle('expired', expired)
  }

  function setOffline(offline) {
    var notice = document.getElementById('offline-notice')
    if (notice) notice.hidden = !offline
  }

  // Screen Wake Lock API: a phone that dims while the household reaches for their own phone
  // loses the QR. The browser releases the lock whenever the tab is hidden, so it is asked for
  // again each time the page is visible. The state is written to data-wake-lock for the officer's
  // note and for tests; browsers without the API simply keep their usual screen timeout.
  var wakeLock = null
  function wakePage() { return document.querySelector('[data-wake-lock]') }
  function showWakeState(state) {
    var page = wakePage()
    if (!page) return
    page.setAttribute('data-wake-lock', state)
    var note = page.querySelector('[data-wake-lock-note]')
    if (note) note.hidden = state !== 'on'
  }
  function qrIsLive() { return document.querySelector('#live-qr[data-expires]') !== null }
  function keepAwake() {
    if (!wakePage() || wakeLock || document.visibilityState !== 'visible') return
    if (!qrIsLive()) return letSleep()
    if (!('wakeLock' in navigator)) return showWakeState('unsupported')
    wakeLock = 'pending'
    navigator.wakeLock.request('screen').then(function (sentinel) {
      // The QR may have stopped while the browser was deciding.
      if (wakeLock !== 'pending' || !qrIsLive()) return sentinel.release().catch(function () {})
      wakeLock = sentinel
      showWakeState('on')
      sentinel.addEventListener('release', function () {
        if (wakeLock === sentinel) wakeLock = null
        showWakeState('off')
      })
    }, function () {
      if (wakeLock === 'pending') wakeLock = null
      showWakeState('off')
    })
  }
  function letSleep() {
    if (wakeLock && wakeLock !== 'pending') wakeLock.release().catch(function () {})
    wakeLock = null
    showWakeState('off')
  }
  document.addEventListener('visibilitychange', keepAwake)

  // The pass form: the first KTP option names the purpose's own policy, and the line telling what
  // the household will read is marked for the option that applies.
  function showKtpChoice() {
    var purpose = document.getElementById('purpose')
    var ktp = document.getElementById('ktp')
    if (!(purpose instanceof HTMLSelectElement) || !(ktp instanceof HTMLSelectElement)) return
    var chosenPurpose = purpose.options[purpose.selectedIndex]
    var recommended = chosenPurpose ? chosenPurpose.getAttribute('data-ktp-default') : null
    var template = ktp.getAttribute('data-default-template')
    var follow = ktp.querySelector('option[value=""]')
    var named = recommended && ktp.querySelector('option[value="' + recommended + '"]')
    if (follow && named && template) follow.textContent = template.replace('{policy}', named.textContent)
    var applies = ktp.value || recommended
    document.querySelectorAll('[data-ktp-effect]').forEach(function (line) {
      line.toggleAttribute('data-chosen', line.getAttribute('data-ktp-effect') === applies)
    })
  }
  document.addEventListener('change', function (event) {
    var target = event.target
    if (target instanceof Element && (target.id === 'purpose' || target.id === 'ktp')) showKtpChoice()
  })

  document.addEventListener('htmx:error', function () { setOffline(true) })
  document.addEventListener('htmx:after:swap', function () {
    setOffline(!navigator.onLine)
    // A cancelled or ended pass stops the QR; the screen may sleep again.
    if (!qrIsLive()) letSleep()
  })
  window.addEventListener('offline', function () { setOffline(true) })
  window.addEventListener('online', function () { setOffline(false) })
  document.addEventListener('click', function (event) {
    var target = event.target
    if (target instanceof Element && target.closest('[data-print]')) window.print()
  })
  setInterval(tick, 1000)
  document.addEventListener('DOMContentLoaded', function () {
    setOffline(!navigator.onLine)
    tick()
    keepAwake()
    showKtpChoice()
  })
})()
