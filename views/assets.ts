import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'public')
const versions = new Map<string, string>()

/**
 * URL of a file in public/ with a content hash, so it can be cached for a year and still
 * change the moment the file does.
 */
export function asset(path: string): string {
  let version = versions.get(path)
  if (!version) {
    version = createHash('sha256').update(readFileSync(join(PUBLIC_DIR, path))).digest('hex').slice(0, 10)
    versions.set(path, version)
  }
  return `/assets/${path}?v=${version}`
}

/** The staff screens' stylesheet (portal, console, printing), linked after app.css on their pages only. */
export const STAFF_STYLESHEETS = ['staff.css']

/**
 * The stylesheet's text, for pages a household opens once on a slow network (the verdict): inline,
 * it spares a render-blocking round trip. `cspSource` is what the Content-Security-Policy must
 * list in style-src for the browser to apply it.
 */
export const INLINE_STYLESHEET = (() => {
  const css = readFileSync(join(PUBLIC_DIR, 'app.css'), 'utf8')
  return { css, cspSource: `'sha256-${createHash('sha256').update(css).digest('base64')}'` }
})()
