import { gzipSync } from 'node:zlib'
import type { Context } from 'hono'
import { acceptsGzip } from './compress.ts'

interface Entry {
  html: string
  gzip: Uint8Array<ArrayBuffer>
}

/**
 * HTML that many requests share (the live QR fragment, re-rendered once a minute) is rendered
 * and gzipped once, then sent as bytes: compressing a 13 KB SVG on every poll would cost more
 * than everything else the request does.
 */
export class CompressedHtmlCache {
  readonly #entries = new Map<string, Entry>()

  constructor(private readonly maxEntries = 2000) {}

  async get(key: string, render: () => string | Promise<string>): Promise<Entry> {
    let entry = this.#entries.get(key)
    if (!entry) {
      const html = String(await render())
      entry = { html, gzip: new Uint8Array(gzipSync(html)) }
      if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!)
      this.#entries.set(key, entry)
    }
    return entry
  }
}

export function sendCachedHtml(c: Context, entry: Entry): Response {
  c.header('Vary', 'Accept-Encoding')
  if (!acceptsGzip(c.req.header('accept-encoding'))) return c.html(entry.html)
  c.header('Content-Encoding', 'gzip')
  c.header('Content-Type', 'text/html; charset=UTF-8')
  return c.body(entry.gzip)
}
