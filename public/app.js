// Cek Petugas — the installed app, as progressive enhancement (every page works without this
// file): registers the service worker, offers the browser's own install prompt where it has one,
// and reveals the leaflet's print button.
;(() => {
  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error) => console.warn('service worker not registered:', error))
  }

  let deferredPrompt = null
  const showInstalled = () => {
    for (const section of document.querySelectorAll('[data-install]')) {
      const done = section.querySelector('[data-install-done]')
      const button = section.querySelector('[data-install-button]')
      if (done) done.hidden = false
      if (button) button.hidden = true
    }
  }
  const offerInstall = () => {
    if (deferredPrompt) for (const button of document.querySelectorAll('[data-install-button]')) button.hidden = false
  }
  if (window.matchMedia?.('(display-mode: standalone)').matches) showInstalled()

  window.addEventListener('beforeinstallprompt', (event) => {
    // Our own button instead of the browser's mini-infobar: the household chooses when.
    event.preventDefault()
    deferredPrompt = event
    offerInstall()
  })
  // Delegated, and offered again after htmx swaps the verdict's <main> (the customer check does).
  document.addEventListener('htmx:after:swap', offerInstall)
  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('[data-install-button]') : null
    const prompt = deferredPrompt
    if (!button || !prompt) return
    deferredPrompt = null
    void prompt.prompt()
    prompt.userChoice.then((choice) => {
      if (choice.outcome === 'accepted') showInstalled()
      else button.hidden = true
    })
  })
  window.addEventListener('appinstalled', showInstalled)

  for (const button of document.querySelectorAll('[data-print]')) {
    button.hidden = false
    button.addEventListener('click', () => window.print())
  }
})()
