// Cek Petugas — optional helpers on the report pages: location with consent, copy, share.
// Everything works without this file; it only reveals buttons the browser can honour.
;(() => {
  if (window.cekPetugasReport) return
  window.cekPetugasReport = true

  const root = document.documentElement
  if ('geolocation' in navigator) root.classList.add('can-geolocate')
  if (navigator.clipboard && window.isSecureContext) root.classList.add('can-copy')
  if (typeof navigator.share === 'function') root.classList.add('can-share')

  // Delegated, so buttons that htmx swaps in later work too.
  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('[data-geolocate], [data-copy], [data-share]') : null
    if (!button) return
    if (button.hasAttribute('data-geolocate')) locate(button)
    else if (button.dataset.copy) copy(button)
    else if (button.dataset.share) share(button)
  })

  // After "Simpan detail" htmx swaps in the whole ticket panel, and its [autofocus] (the first
  // refused field, or the confirmation) is where the household must look: bring it, and the
  // error beside it, to the middle of the screen, not to an edge. htmx focuses [autofocus] right
  // after this event; it then finds it on screen and scrolls no more. Its after:swap and
  // after:settle events go to the replaced (detached) element, so they never reach the document.
  document.addEventListener('htmx:after:process', (event) => {
    const panel = event.target
    if (!(panel instanceof Element) || panel.id !== 'report-ticket') return
    const wanted = panel.querySelector('[autofocus]')
    if (!(wanted instanceof HTMLElement)) return
    const described = wanted.closest('[aria-describedby]')
    const ids = described ? (described.getAttribute('aria-describedby') || '').split(/\s+/) : []
    const error = ids.map((id) => document.getElementById(id)).find((element) => element && element.classList.contains('error'))
    ;(error || wanted).scrollIntoView({ block: 'center' })
    wanted.focus({ preventScroll: true })
  })

  /** Asks the browser for the position only after the household tapped the button. */
  function locate(button) {
    const form = button.closest('form')
    const status = form && form.querySelector('[data-geolocation-status]')
    if (!form || !status) return
    status.textContent = button.dataset.busy || ''
    button.disabled = true
    navigator.geolocation.getCurrentPosition(
      (position) => {
        form.elements.namedItem('latitude').value = position.coords.latitude.toFixed(4)
        form.elements.namedItem('longitude').value = position.coords.longitude.toFixed(4)
        status.textContent = button.dataset.done || ''
        button.disabled = false
      },
      () => {
        status.textContent = button.dataset.failed || ''
        button.disabled = false
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 },
    )
  }

  function copy(button) {
    const source = document.getElementById(button.dataset.copy)
    if (!source) return
    navigator.clipboard.writeText(source.value).then(() => {
      if (button.dataset.done) button.textContent = button.dataset.done
    })
  }

  function share(button) {
    const source = document.getElementById(button.dataset.share)
    if (!source) return
    navigator.share({ title: button.dataset.title || document.title, text: source.value }).catch(() => {})
  }
})()
