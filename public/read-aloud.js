// "Dengarkan": reads the verdict and the three most important lines of the page aloud with the
// browser's own speech synthesis (no server). The lines are the elements of the button's <main>
// marked data-read-aloud="0" (the verdict) to "3"; the voice is one for the page's language
// (<html lang>), else an Indonesian one; with neither the button stays hidden.
;(() => {
  const synth = window.speechSynthesis
  if (!synth || typeof window.SpeechSynthesisUtterance !== 'function') return
  // Language tags to look for, best first; "in" is the old code for Indonesian some phones still report.
  const WANTED = { jv: ['jv-id', 'jv'], su: ['su-id', 'su'], id: ['id-id', 'id', 'in-id', 'in'], en: ['en-gb', 'en-us', 'en'] }
  const tag = (lang) => String(lang || '').toLowerCase().replace(/_/g, '-')

  function voiceFor(pageLang) {
    const voices = synth.getVoices() || []
    for (const wanted of [...(WANTED[pageLang] || [pageLang]), ...WANTED.id]) {
      const voice = voices.find((v) => tag(v.lang) === wanted) || (wanted.includes('-') ? null : voices.find((v) => tag(v.lang).startsWith(`${wanted}-`)))
      if (voice) return voice
    }
    return null
  }

  const pageLang = () => tag(document.documentElement.lang).split('-')[0] || 'id'
  const buttons = () => document.querySelectorAll('[data-read-aloud-button]')

  function update() {
    const available = voiceFor(pageLang()) !== null
    for (const button of buttons()) button.hidden = !available
  }

  function linesOf(scope) {
    return [...scope.querySelectorAll('[data-read-aloud]')]
      .map((element, index) => ({ element, index, rank: Number(element.getAttribute('data-read-aloud')) }))
      .sort((a, b) => a.rank - b.rank || a.index - b.index)
      .slice(0, 4)
      .map(({ element }) => element.textContent.replace(/\s+/g, ' ').trim())
      .filter(Boolean)
  }

  function setLabel(button, speaking) {
    const label = button.querySelector('[data-label]')
    if (!label) return
    if (!button.dataset.listenLabel) button.dataset.listenLabel = label.textContent
    label.textContent = speaking ? button.dataset.stopLabel : button.dataset.listenLabel
    button.setAttribute('aria-pressed', String(speaking))
  }

  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('[data-read-aloud-button]') : null
    if (!button) return
    if (button.getAttribute('aria-pressed') === 'true') {
      synth.cancel()
      setLabel(button, false)
      return
    }
    const voice = voiceFor(pageLang())
    if (!voice) return
    synth.cancel()
    const lines = linesOf(button.closest('main') || document)
    lines.forEach((line, index) => {
      const utterance = new window.SpeechSynthesisUtterance(line)
      utterance.voice = voice
      utterance.lang = voice.lang
      if (index === lines.length - 1) utterance.onend = utterance.onerror = () => setLabel(button, false)
      synth.speak(utterance)
    })
    setLabel(button, true)
  })

  update()
  // Chromium lists its voices only after a while; the door check's <main> is replaced while it waits.
  if (typeof synth.addEventListener === 'function') synth.addEventListener('voiceschanged', update)
  else synth.onvoiceschanged = update
  new MutationObserver(update).observe(document.body, { childList: true, subtree: true })
})()
