import { join } from 'node:path'

export interface Config {
  port: number
  host: string
  dataDir: string
  /** Public origin households see, e.g. https://cek.pln.example; its origin is the token issuer. */
  publicUrl: string
  production: boolean
  /** Key-encryption key from KEK; when absent a 0600 key file in dataDir is used. */
  kek: string | null
  webhookUrl: string | null
  webhookSecret: string | null
  rateLimit: boolean
  demoData: boolean
}

export class ConfigError extends Error {}

/** Reads the environment contract of DESIGN §9. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const port = Number(env.PORT ?? 3000)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number, got "${env.PORT}"`)
  const production = env.NODE_ENV === 'production'
  let publicUrl = env.PUBLIC_URL ?? `http://localhost:${port}`
  try {
    publicUrl = new URL(publicUrl).origin
  } catch {
    throw new ConfigError(`PUBLIC_URL must be an absolute URL, got "${env.PUBLIC_URL}"`)
  }
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    dataDir: env.DATA_DIR ?? join(process.cwd(), 'data'),
    publicUrl,
    production,
    kek: env.KEK || null,
    webhookUrl: env.CHANNEL123_WEBHOOK_URL || null,
    webhookSecret: env.CHANNEL123_WEBHOOK_SECRET || null,
    rateLimit: env.RATE_LIMIT !== 'off',
    demoData: !production,
  }
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }
