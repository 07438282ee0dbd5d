import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import proxyAddr from 'proxy-addr'

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
  /** 123 channel delivery timing (CHANNEL123_* variables; see docs/channel-123.md). */
  channelGiveUpMs: number
  channelRetryBaseMs: number
  channelPollMs: number
  channelTimeoutMs: number
  rateLimit: boolean
  /** TRUSTED_PROXY: addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed; empty: none. */
  trustedProxies: string[]
  demoData: boolean
  /** Processes serving HTTP (WORKERS); one per core in production, one otherwise. */
  workers: number
  /** How long a door check's poll is held open waiting for the officer (DOOR_POLL_HOLD_MS, at most 1900; tests use 0). */
  doorPollHoldMs: number
  /** AUDIT_WITNESS_URL: a C2SP tlog-witness submission prefix; each new audit checkpoint is POSTed to `<prefix>/add-checkpoint`. */
  auditWitnessUrl: string | null
  /** AUDIT_KEY_FILE: the audit checkpoints' Ed25519 key (DESIGN §13); by default DATA_DIR/audit-ed25519.key. */
  auditKeyFile: string
  /** The privacy notice's controller and data protection officer (PRIVACY_CONTROLLER, PRIVACY_DPO_EMAIL, PRIVACY_DPO_PHONE). */
  privacy: { controller: string; dpoEmail: string | null; dpoPhone: string | null }
  /** Retention periods in days (RETENTION_* variables; src/privacy/retention.ts). */
  retention: RetentionDays
  /** The database (DESIGN §14): DATABASE_URL postgres://… for PostgreSQL; null for the SQLite file in dataDir. */
  database: DatabaseSettings
}

export interface DatabaseSettings {
  url: string | null
  /** DATABASE_POOL_SIZE: PostgreSQL connections per process. */
  poolSize: number
  /** DATABASE_STATEMENT_TIMEOUT_MS: PostgreSQL cancels a statement running longer. */
  statementTimeoutMs: number
}

export interface RetentionDays {
  /** Scans (with their hashed addresses) and door checks, after they were made. */
  scans: number
  /** A closed report's phone, note and place, after it closed. */
  reportDetails: number
  /** A delivered or dead-lettered outbox payload, after delivery or dead-lettering. */
  outbox: number
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
  const webhookUrl = env.CHANNEL123_WEBHOOK_URL || null
  const webhookSecret = env.CHANNEL123_WEBHOOK_SECRET || null
  checkWebhookSettings(webhookUrl, webhookSecret)
  const dataDir = env.DATA_DIR ?? join(process.cwd(), 'data')
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    dataDir,
    publicUrl,
    production,
    kek: env.KEK || null,
    webhookUrl,
    webhookSecret,
    channelGiveUpMs: durationMs(env, 'CHANNEL123_GIVE_UP_MS', 24 * 3600 * 1000),
    channelRetryBaseMs: durationMs(env, 'CHANNEL123_RETRY_BASE_MS', 2000),
    channelPollMs: durationMs(env, 'CHANNEL123_POLL_MS', 1000),
    channelTimeoutMs: durationMs(env, 'CHANNEL123_TIMEOUT_MS', 10_000),
    rateLimit: env.RATE_LIMIT !== 'off',
    trustedProxies: trustedProxies(env.TRUSTED_PROXY),
    demoData: demoDataWanted(env, production),
    workers: workerCount(env.WORKERS, production),
    // Under the page's 2-second poll, so one poll ends before the next begins.
    doorPollHoldMs: Math.min(durationMs(env, 'DOOR_POLL_HOLD_MS', 1500), 1900),
    auditWitnessUrl: witnessUrl(env.AUDIT_WITNESS_URL),
    auditKeyFile: env.AUDIT_KEY_FILE || join(dataDir, 'audit-ed25519.key'),
    privacy: { controller: env.PRIVACY_CONTROLLER || 'PT PLN (Persero)', dpoEmail: env.PRIVACY_DPO_EMAIL || null, dpoPhone: env.PRIVACY_DPO_PHONE || null },
    retention: {
      scans: days(env, 'RETENTION_SCAN_DAYS', 90),
      reportDetails: days(env, 'RETENTION_REPORT_DETAILS_DAYS', 180),
      outbox: days(env, 'RETENTION_OUTBOX_DAYS', 7),
    },
    database: {
      url: databaseUrl(env.DATABASE_URL),
      poolSize: wholeNumber(env, 'DATABASE_POOL_SIZE', 10, 1, 200),
      statementTimeoutMs: durationMs(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 10_000),
    },
  }
}

function databaseUrl(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError('DATABASE_URL must be a postgres:// URL, e.g. postgres://app@db.internal:5432/cek_petugas')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new ConfigError(`DATABASE_URL must start with postgres://, got "${url.protocol}//…"`)
  return raw
}

function wholeNumber(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`)
  return value
}

const MAX_RETENTION_DAYS = 3650

function days(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1 || value > MAX_RETENTION_DAYS) throw new ConfigError(`${name} must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, got "${raw}"`)
  return value
}

const MAX_WORKERS = 64

/** A list separated by commas or spaces of addresses, CIDRs, or proxy-addr's names (loopback, linklocal, uniquelocal). */
function trustedProxies(raw: string | undefined): string[] {
  const entries = (raw ?? '').split(/[\s,]+/).filter((entry) => entry !== '')
  for (const entry of entries) {
    try {
      proxyAddr.compile(entry)
    } catch {
      throw new ConfigError(`TRUSTED_PROXY must list IP addresses or CIDRs (e.g. 10.0.0.5,192.168.1.0/24), got "${entry}"`)
    }
  }
  return entries
}

function workerCount(raw: string | undefined, production: boolean): number {
  if (raw === undefined || raw === '') return production ? availableParallelism() : 1
  const workers = Number(raw)
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) throw new ConfigError(`WORKERS must be a whole number from 1 to ${MAX_WORKERS}, got "${raw}"`)
  return workers
}

function durationMs(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a whole number of milliseconds, got "${raw}"`)
  return value
}

/** Standard Webhooks: a `whsec_` prefix and a base64 secret of at least 24 bytes; unsigned deliveries are never sent. */
function checkWebhookSettings(url: string | null, secret: string | null): void {
  if (url === null) return
  let protocol = ''
  try {
    protocol = new URL(url).protocol
  } catch {
    // reported below
  }
  if (protocol !== 'https:' && protocol !== 'http:') throw new ConfigError(`CHANNEL123_WEBHOOK_URL must be an http(s) URL, got "${url}"`)
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret ?? '')
  const bytes = match?.[1] ? Buffer.from(match[1], 'base64').length : 0
  if (bytes < 24) throw new ConfigError('CHANNEL123_WEBHOOK_SECRET must be whsec_<base64 of at least 24 random bytes> when CHANNEL123_WEBHOOK_URL is set')
}

function witnessUrl(raw: string | undefined): string | null {
  if (!raw) return null
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError(`AUDIT_WITNESS_URL must be an http(s) URL, got "${raw}"`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`AUDIT_WITNESS_URL must be an http(s) URL, got "${raw}"`)
  return raw.replace(/\/+$/, '')
}

/**
 * Demo data has published passwords, so by default it is made only where no one else can reach
 * it, on a loopback address; DEMO=1 asks for it anyway, DEMO=0 never. Never in production (DESIGN §9).
 */
function demoDataWanted(env: Record<string, string | undefined>, production: boolean): boolean {
  const demo = env.DEMO ?? ''
  if (demo !== '' && demo !== '0' && demo !== '1') throw new ConfigError(`DEMO must be 1 or 0, got "${demo}"`)
  if (production || demo === '0') return false
  return demo === '1' || isLoopbackHost(env.HOST ?? '127.0.0.1')
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  return bare === 'localhost' || bare === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(bare)
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }
