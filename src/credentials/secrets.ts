import { createCipheriv, createDecipheriv, createHash, createHmac, hash, hkdfSync, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, type Config } from '../config.ts'

/** Secrets derived from the key-encryption key (KEK). */
export interface Secrets {
  /** Encrypts private signing keys at rest. */
  keyEncryptionKey: Buffer
  /** Keys the hash of an ID pelanggan, so a stolen database does not list customers. */
  customerHashKey: Buffer
  /** Keys the hash of a client's network address in scan records. */
  clientHashKey: Buffer
  /** Signs device cookies that let a known device log in while an account is throttled. */
  deviceCookieKey: Buffer
  /** Keys the hash of a typed username that is no user (it may be a password typed in the wrong box). */
  usernameHashKey: Buffer
}

const KEK_FILE = 'kek.key'

/**
 * The KEK comes from `KEK` (any secret of at least 32 characters) or from a file created with
 * mode 0600 in DATA_DIR on first start.
 */
export function loadSecrets(config: Pick<Config, 'kek' | 'dataDir'>): Secrets {
  let material: Buffer
  if (config.kek !== null) {
    if (config.kek.length < 32) throw new ConfigError('KEK must be at least 32 characters long')
    material = Buffer.from(config.kek, 'utf8')
  } else {
    material = readOrCreateKekFile(config.dataDir)
  }
  const root = createHash('sha256').update(material).digest()
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', root, Buffer.alloc(0), info, 32))
  return {
    keyEncryptionKey: derive('cek-petugas/key-encryption/v1'),
    customerHashKey: derive('cek-petugas/customer-hash/v1'),
    clientHashKey: derive('cek-petugas/client-hash/v1'),
    deviceCookieKey: derive('cek-petugas/device-cookie/v1'),
    usernameHashKey: derive('cek-petugas/username-hash/v1'),
  }
}

function readOrCreateKekFile(dataDir: string): Buffer {
  const path = join(dataDir, KEK_FILE)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  try {
    // 'wx' fails if the file exists, so a server and a CLI starting together agree on one KEK.
    writeFileSync(path, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const text = readFileSync(path, 'utf8').trim()
  if (text.length < 32) throw new ConfigError(`${path} is too short to be a key-encryption key`)
  return Buffer.from(text, 'utf8')
}

export function encryptSecret(key: Buffer, plaintext: string, associatedData: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(associatedData))
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return ['v1', iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.')
}

export function decryptSecret(key: Buffer, sealed: string, associatedData: string): string {
  const [version, iv, ciphertext, tag] = sealed.split('.')
  if (version !== 'v1' || !iv || !ciphertext || !tag) throw new Error('Unknown sealed secret format')
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
  decipher.setAAD(Buffer.from(associatedData))
  decipher.setAuthTag(Buffer.from(tag, 'base64url'))
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8')
}

export function keyedHash(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url')
}

export function sha256(value: string): string {
  return hash('sha256', value, 'base64url')
}
