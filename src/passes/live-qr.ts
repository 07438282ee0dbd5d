import QRCode from 'qrcode'
import type { Officer } from '../officers/officers.ts'
import type { Services } from '../services.ts'
import { verifyUrl, type Credential } from './credential-records.ts'
import { mintLiveToken } from './printed.ts'

/** How often the on-screen QR gets a new token. */
export const LIVE_REMINT_MS = 60 * 1000

export interface LiveQr {
  url: string
  svg: string
  /** The key that signed it. */
  kid: string
  /** Milliseconds since the epoch. */
  expiresAt: number
  mintedAt: number
}

/**
 * The live QR of each pass, re-minted once a minute. Phones poll more often than that (and many
 * officers share a server), so a minted QR is reused until it is due: signing and drawing it
 * is the expensive part. A QR signed by a key that no longer signs (rotated out, or marked
 * compromised by the CLI or another worker) is never served again.
 */
export class LiveQrCache {
  readonly #entries = new Map<string, LiveQr>()

  constructor(private readonly services: Services) {}

  async current(pass: Credential, officer: Officer): Promise<LiveQr> {
    const now = this.services.clock.now()
    const cached = this.#entries.get(pass.id)
    if (cached && now - cached.mintedAt < LIVE_REMINT_MS && cached.expiresAt - now > LIVE_REMINT_MS && cached.kid === (await this.services.keys.activeKid())) return cached
    const { token, kid, exp } = await mintLiveToken(this.services, pass, officer)
    const entry = { ...(await renderQr(verifyUrl(this.services, token))), kid, expiresAt: exp * 1000, mintedAt: now }
    this.#entries.set(pass.id, entry)
    this.#sweep(now)
    return entry
  }

  #sweep(now: number): void {
    for (const [id, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(id)
  }
}

/** An SVG QR code of a URL; error correction M survives a cracked phone screen. */
export async function renderQr(url: string): Promise<{ url: string; svg: string }> {
  const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 4, color: { dark: '#000000', light: '#ffffff' } })
  return { url, svg }
}
