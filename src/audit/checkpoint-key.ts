import { randomBytes } from 'node:crypto'
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { count, eq } from 'drizzle-orm'
import type { Db, Queries } from '../../db/client.ts'
import { auditCheckpoints, auditSigningKeys } from '../../db/schema.ts'
import type { Clock, Config } from '../config.ts'
import { formatSignerKey, generateSigner, keyIdHex, parseSignerKey, type NoteSigner, type NoteVerifier } from './signed-note.ts'

/** A checkpoint key that cannot be used as it is (missing over a signed log, unreadable): a one-line reason. */
export class AuditKeyError extends Error {}

/** The log's name: the checkpoints' origin line and the key's name (`<PUBLIC_URL host>/audit`). */
export function auditLogOrigin(publicUrl: string): string {
  return `${new URL(publicUrl).host}/audit`
}

/**
 * The checkpoint signing key, read from AUDIT_KEY_FILE once per run. The file holds Go's note
 * signer key (`PRIVATE+KEY+<name>+<key ID>+<seed>`), so the name the log signs under is fixed
 * when the key is made and a later change of PUBLIC_URL does not change the verifier key.
 */
export class CheckpointKey {
  #signer: NoteSigner | null = null
  /** The file as it was read; another process's `audit rotate-key` replaces it, and this one follows at once. */
  #stamp = ''
  /** The last note this process signed: its own frontier need not be checked by signature again. */
  lastSigned: string | null = null

  constructor(
    private readonly db: Db,
    private readonly config: Pick<Config, 'auditKeyFile' | 'production' | 'publicUrl'>,
    private readonly clock: Clock,
  ) {}

  get path(): string {
    return this.config.auditKeyFile
  }

  /**
   * The key, made on first use only where nothing was ever signed: a missing file over a log
   * that has checkpoints (or a recorded key) is an error, never a new key, since a new key would
   * let whoever deleted the file sign a rewritten history. In production it is never made here
   * (`audit init-key` makes it, to be mounted from elsewhere).
   */
  async signer(): Promise<NoteSigner> {
    if (this.#signer && this.#fileStamp() === this.#stamp) return this.#signer
    const signer = await this.#readFile()
    if (signer) return this.#use(signer)
    if (this.config.production) throw new AuditKeyError(`AUDIT_KEY_FILE ${this.path} is missing; in production make it once with \`npm run cli -- audit init-key\` and keep it outside the database`)
    return this.create()
  }

  /** The key if its file exists, never making one: for checks that only read (the console's). */
  async existing(): Promise<NoteSigner | null> {
    if (this.#signer && this.#fileStamp() === this.#stamp) return this.#signer
    return this.#readFile()
  }

  /** Makes the key file (mode 0600) where no checkpoint was ever signed; `audit init-key` and first starts. */
  async create(): Promise<NoteSigner> {
    await this.#refuseOverSignedLog()
    const signer = await generateSigner(auditLogOrigin(this.config.publicUrl))
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 })
    // Written whole beside it, then linked into place: link() fails when the file exists, so a
    // server and CLI runs starting together on a fresh log agree on one key, and none of them
    // ever reads a file another has created but not yet written.
    const written = `${this.path}.${randomBytes(6).toString('hex')}.new`
    writeFileSync(written, formatSignerKey(signer) + '\n', { mode: 0o600, flag: 'wx' })
    try {
      linkSync(written, this.path)
      this.#stamp = this.#fileStamp()
      return await this.#use(signer)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      return this.#use((await this.#readFile())!)
    } finally {
      rmSync(written, { force: true })
    }
  }

  /** Writes a new key beside the file; `install` puts it in place once the rotation is committed. */
  async prepareReplacement(): Promise<{ signer: NoteSigner; install: () => void }> {
    const current = await this.signer()
    const signer = await generateSigner(current.name)
    const next = `${this.path}.next`
    writeFileSync(next, formatSignerKey(signer) + '\n', { mode: 0o600 })
    return {
      signer,
      install: () => {
        renameSync(next, this.path)
        this.#signer = signer
        this.#stamp = this.#fileStamp()
      },
    }
  }

  #fileStamp(): string {
    try {
      const stat = statSync(this.path)
      return `${stat.ino}:${stat.mtimeMs}:${stat.size}`
    } catch {
      return ''
    }
  }

  async #readFile(): Promise<NoteSigner | null> {
    let text: string
    try {
      this.#stamp = this.#fileStamp()
      text = readFileSync(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw new AuditKeyError(`AUDIT_KEY_FILE ${this.path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
    try {
      return await parseSignerKey(text)
    } catch (error) {
      throw new AuditKeyError(`AUDIT_KEY_FILE ${this.path} is not an audit checkpoint key: ${(error as Error).message}`)
    }
  }

  async #refuseOverSignedLog(): Promise<void> {
    const [checkpoints] = await this.db.select({ n: count() }).from(auditCheckpoints)
    const [keys] = await this.db.select({ n: count() }).from(auditSigningKeys)
    if ((checkpoints?.n ?? 0) > 0 || (keys?.n ?? 0) > 0) {
      throw new AuditKeyError(
        `AUDIT_KEY_FILE ${this.path} is missing but the audit log has ${checkpoints?.n ?? 0} signed checkpoints: restore the key file (a new key is never made over a signed log)`,
      )
    }
  }

  /** The public half goes in the database, so checkpoints stay checkable after a rotation. */
  async #use(signer: NoteSigner): Promise<NoteSigner> {
    await this.db.transaction(async (tx) => {
      await recordSigningKey(tx, signer, this.clock.now())
    })
    this.#signer = signer
    return signer
  }
}

export async function recordSigningKey(tx: Queries, key: NoteVerifier, now: number): Promise<void> {
  await tx
    .insert(auditSigningKeys)
    .values({ keyId: keyIdHex(key.keyId), name: key.name, publicKey: Buffer.from(key.publicKey).toString('base64'), createdAt: now, retiredAt: null })
    .onConflictDoNothing()
}

export async function retireSigningKey(tx: Queries, keyId: string, now: number): Promise<void> {
  await tx.update(auditSigningKeys).set({ retiredAt: now }).where(eq(auditSigningKeys.keyId, keyId))
}
