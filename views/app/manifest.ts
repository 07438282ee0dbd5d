import type { Messages } from '../../src/i18n/index.ts'
import { asset } from '../assets.ts'

/** The brand blue of public/icon.svg and the page header. */
export const THEME_COLOR = '#0b5394'

/** The icons the manifest names; drawn by scripts/make-icons.ts. */
export const APP_ICONS = [192, 512].map((size) => ({ src: asset(`icons/icon-${size}.png`), sizes: `${size}x${size}`, type: 'image/png' }))

/**
 * The Web App Manifest (DESIGN §10.1), in the visitor's language. start_url and scope are
 * relative to the manifest's own URL, so they resolve to our origin and nowhere else.
 */
export function webManifest(t: Messages) {
  return {
    name: `${t.appName} PLN`,
    short_name: t.appName,
    description: t.tagline,
    lang: t.htmlLang,
    start_url: '/app',
    scope: '/',
    id: '/app',
    display: 'standalone',
    background_color: '#ffffff',
    theme_color: THEME_COLOR,
    icons: [...APP_ICONS.map((icon) => ({ ...icon, purpose: 'any' }))],
  }
}
