import { randomBytes } from 'node:crypto'

// Crockford base32: no I, L, O or U, so a code read aloud or typed by hand survives.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** 8 characters = 40 random bits. */
export function generateShortCode(): string {
  const bytes = randomBytes(5)
  let bits = 0n
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte)
  let code = ''
  for (let i = 0; i < 8; i++) {
    code = ALPHABET[Number(bits & 31n)] + code
    bits >>= 5n
  }
  return code
}

/**
 * Normalises what a household typed: case, spaces and hyphens are ignored, and the letters
 * Crockford maps to digits (I, L → 1; O → 0) are accepted. Returns null for anything else.
 */
export function normalizeShortCode(input: string): string | null {
  if (input.length > 32) return null
  const code = input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0')
  return /^[0-9A-HJKMNP-TV-Z]{8}$/.test(code) ? code : null
}

/** "7K3M-Q9XD": easier to read out. */
export function formatShortCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`
}
