// Officer pages: the live QR's countdown, an honest offline notice, and the print button.
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

  document.addEventListener('htmx:error', function () { setOffline(true) })
  document.addEventListener('htmx:after:swap', function () { setOffline(!navigator.onLine) })
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
  })
})()
