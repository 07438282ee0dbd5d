import type { Messages } from '../src/i18n/index.ts'

/** The script that speaks the lines marked `data-read-aloud` (loaded only by the pages that show the button). */
export const READ_ALOUD_SCRIPT = 'read-aloud.js'

/**
 * "Dengarkan": reads the verdict and the three most important lines aloud, those of its <main>
 * marked `data-read-aloud="0"` (the verdict) to `"3"`. Rendered hidden: public/read-aloud.js shows
 * it only when the browser has a voice for the page's language or for Indonesian, so without
 * JavaScript or without any voice nobody sees a button that does nothing.
 */
export function ReadAloudButton({ t }: { t: Messages }) {
  return (
    <button type="button" class="read-aloud" data-read-aloud-button data-stop-label={t.readAloud.stop} hidden>
      <span aria-hidden="true">🔊</span> <span data-label>{t.readAloud.button}</span>
    </button>
  )
}
