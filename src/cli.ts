import { readFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { connectDatabase, driverError } from '../db/client.ts'
import { copyDatabase, CopyRefused } from '../db/copy.ts'
import { openPostgres } from '../db/postgres.ts'
import { ConfigError, loadConfig, systemClock, type Clock } from './config.ts'
import { KeyError } from './credentials/keys.ts'
import { DomainError } from './errors.ts'
import { addOfficer, suspendOfficer, type Officer } from './officers/officers.ts'
import { isOldPassesChoice, issueBadge, issueVisitPass, reactivateOfficerWithPasses, revokeCredential } from './passes/passes.ts'
import { lastAuditId, recordAudit } from './audit/audit.ts'
import { AuditKeyError } from './audit/checkpoint-key.ts'
import { AuditLogBroken, proveAuditRow, publicCheckpoint, rotateCheckpointKey, verifyAuditLog, writeCheckpoint, type AuditLogCheck } from './audit/checkpoints.ts'
import { formatVerifierKey } from './audit/signed-note.ts'
import { invalidateOfficerSessions } from './auth/sessions.ts'
import { createUser, setUserDisabled, type User } from './auth/users.ts'
import { drainOutbox } from './channel/worker.ts'
import { importAreaFile, listAreas } from './officers/areas.ts'
import { removeVisitPassword, setVisitPassword } from './households/visit-passwords.ts'
import { createApiKey, listApiKeys, revokeApiKey } from './desk/api-keys.ts'
import { exportCustomerData } from './privacy/export.ts'
import { purgeExpiredData, PURGE_KINDS } from './privacy/retention.ts'
import { createServices, type Services } from './services.ts'
import { normalizeCustomerId } from './verification/customer-check.ts'

const USAGE = `Usage: npm run cli -- <command> [options] [--json]

  officer add --employee-no <no> --name <name> [--unit <code>] [--employer <name>] [--role-title <title>]
  officer suspend <employee-no> [--reason <text>]
  officer reactivate <employee-no> [--passes restore|cancel]   (default restore: their passes and badges verify again; cancel revokes them)
  pass issue --officer <employee-no> --customer <12 digits> --purpose <code> [--ktp none|view|photo] [--work-order <no>] [--ttl <seconds>]
  pass revoke <jti> [--reason <text>]
  badge issue --officer <employee-no>
  key rotate | key retire <kid> [--force] | key compromise <kid> | key list
  user add --username <u> --role officer|supervisor|admin|cso [--officer <employee-no>]   (password from stdin)
  user enable <username> | user disable <username>   (disabling ends the user's sessions; the last admin stays)
  household password set --customer <12 digits>   (the word, 3–32 characters, from stdin)
  household password remove --customer <12 digits>
  outbox drain [--now]   deliver due reports to CHANNEL123_WEBHOOK_URL (--now: every pending one), then exit
  audit verify [--checkpoint <file|url>]   recompute the audit log's hash chain and Merkle tree against its signed checkpoints;
                 exits non-zero naming the first broken row or the checkpoint that does not fit (--checkpoint: also prove
                 that a checkpoint saved earlier is a prefix of today's log)
  audit checkpoint   the latest signed checkpoint and the verifier key that checks it
  audit prove <row id>   an inclusion proof of one row in the latest checkpoint
  audit rotate-key   a new checkpoint key (the old public key stays, retired); recorded in the log
  audit init-key   make the checkpoint key file (AUDIT_KEY_FILE) for a log that has no checkpoint yet
  area import <file.csv>   kelurahan-to-unit areas (columns kelurahan,kecamatan,city,unit_code); one bad row refuses the file
  area list
  apikey create --name <name> --scope cso   (the CRM's key for GET /api/v1/cso/lookup; printed once, stored hashed)
  apikey list | apikey revoke <id>
  privacy purge [--dry-run]   delete what is past its retention period (RETENTION_*); --dry-run only counts it
  db copy --to <postgres://…>   move this SQLite database (DATA_DIR) into an empty PostgreSQL database, then check every
                 table's row count and the audit log against its signed checkpoint there (docs/deploy.md)
  privacy export --customer <12 digits> [--include-word]   everything held about a customer's visits (the visit password's
                 word only with --include-word); recorded in the audit log`

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  force: { type: 'boolean' },
  'employee-no': { type: 'string' },
  name: { type: 'string' },
  unit: { type: 'string' },
  employer: { type: 'string' },
  role: { type: 'string' },
  'role-title': { type: 'string' },
  reason: { type: 'string' },
  officer: { type: 'string' },
  customer: { type: 'string' },
  to: { type: 'string' },
  purpose: { type: 'string' },
  ktp: { type: 'string' },
  'work-order': { type: 'string' },
  ttl: { type: 'string' },
  username: { type: 'string' },
  now: { type: 'boolean' },
  passes: { type: 'string' },
  scope: { type: 'string' },
  checkpoint: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'include-word': { type: 'boolean' },
} as const

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values']

/** A command's result: the JSON object printed with --json, and the line printed without it. */
interface Outcome {
  json: Record<string, unknown>
  text: string
}

class UsageError extends Error {}

class AuditChainBroken extends Error {
  constructor(
    message: string,
    readonly check: Extract<AuditLogCheck, { ok: false }>,
  ) {
    super(message)
  }
}

export async function runCli(argv: string[], env: Record<string, string | undefined> = process.env, clock: Clock = systemClock): Promise<number> {
  let wantsJson = argv.includes('--json')
  let services: Services | null = null
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true })
    wantsJson = values.json === true
    if (values.help || positionals.length === 0) {
      console.log(wantsJson ? JSON.stringify({ usage: USAGE }) : USAGE)
      return 0
    }
    const config = loadConfig(env)
    const db = await connectDatabase(config.database, config.dataDir, (message) => console.error(message))
    services = createServices({ db, config, clock })
    const makesKey = positionals[0] === 'audit' && positionals[1] === 'init-key'
    // Every command needs the checkpoint key: a missing one over a signed log fails here, at once.
    if (!makesKey) await services.checkpointKey.signer()
    const rowsBefore = await lastAuditId(db)
    const outcome = await runCommand(services, positionals, values)
    // What the command wrote to the audit log is covered by a checkpoint before the CLI exits.
    if (!makesKey && (await lastAuditId(db)) > rowsBefore) await signAfterCommand(services)
    console.log(wantsJson ? JSON.stringify(outcome.json) : outcome.text)
    return 0
  } catch (error) {
    const known =
      error instanceof DomainError ||
      error instanceof KeyError ||
      error instanceof ConfigError ||
      error instanceof UsageError ||
      error instanceof AuditChainBroken ||
      error instanceof AuditKeyError ||
      error instanceof AuditLogBroken ||
      error instanceof CopyRefused
    const message = known || isArgumentError(error) ? (error as Error).message : `Unexpected error: ${(driverError(error) as Error).message}`
    if (wantsJson) {
      const extra = error instanceof AuditChainBroken ? { ok: false, rows: error.check.rows, brokenId: error.check.brokenId, reason: error.check.reason, checkpoint: error.check.checkpoint } : {}
      console.log(JSON.stringify({ error: message, code: error instanceof DomainError || error instanceof KeyError ? error.code : null, ...extra }))
    }
    console.error(`error: ${message.split('\n')[0]}`)
    return error instanceof UsageError || isArgumentError(error) ? 64 : 1
  } finally {
    await services?.db.close()
  }
}

async function runCommand(services: Services, positionals: string[], values: Values): Promise<Outcome> {
  const [command, sub, target] = positionals
  const { db, clock, keys } = services
  switch (`${command} ${sub}`) {
    case 'officer add': {
      const officer = await addOfficer(db, clock, {
        employeeNo: required(values['employee-no'], '--employee-no'),
        name: required(values.name, '--name'),
        unitCode: values.unit ?? null,
        employer: values.employer ?? null,
        roleTitle: values['role-title'] ?? null,
        actor: 'cli',
      })
      return { json: officerJson(officer), text: `Added officer ${officer.employeeNo} (${officer.name})` }
    }
    case 'officer suspend': {
      const officer = await suspendOfficer(db, clock, required(target, '<employee-no>'), { reason: values.reason ?? null, actor: 'cli' })
      await invalidateOfficerSessions(db, officer.id)
      return { json: officerJson(officer), text: `Suspended ${officer.employeeNo}: every badge and pass of theirs now fails` }
    }
    case 'officer reactivate': {
      // Restore by default, as `officer reactivate` always did (DESIGN §9: a reactivated officer's
      // passes verify again); the console's form defaults to cancel.
      const passes = values.passes ?? 'restore'
      if (!isOldPassesChoice(passes)) throw new UsageError('--passes must be restore or cancel')
      const { officer, revoked } = await reactivateOfficerWithPasses(services, required(target, '<employee-no>'), { actor: 'cli', passes })
      const text = passes === 'cancel' ? `Reactivated ${officer.employeeNo}; cancelled ${revoked.length} earlier passes and badges` : `Reactivated ${officer.employeeNo}; their earlier passes and badges verify again`
      return { json: { ...officerJson(officer), passes, revoked: revoked.map((credential) => credential.id) }, text }
    }
    case 'pass issue': {
      const ttl = values.ttl === undefined ? null : Number(values.ttl)
      if (ttl !== null && (!Number.isInteger(ttl) || ttl <= 0)) throw new UsageError('--ttl must be a whole number of seconds')
      const now = clock.now()
      const pass = await issueVisitPass(services, {
        officerEmployeeNo: required(values.officer, '--officer'),
        customerId: required(values.customer, '--customer'),
        purpose: required(values.purpose, '--purpose'),
        ktp: values.ktp ?? null,
        workOrder: values['work-order'] ?? null,
        windowStart: now,
        windowEnd: ttl === null ? null : now + ttl * 1000,
        issuedBy: 'cli',
      })
      return { json: { token: pass.token, url: pass.url, code: pass.code, jti: pass.id, exp: pass.exp }, text: `${pass.url}\nshort code: ${pass.code}` }
    }
    case 'pass revoke': {
      const pass = await revokeCredential(services, required(target, '<jti>'), { reason: values.reason ?? null, actor: 'cli' })
      return { json: { jti: pass.id, revokedAt: new Date(pass.revokedAt ?? 0).toISOString() }, text: `Revoked ${pass.id}` }
    }
    case 'badge issue': {
      const badge = await issueBadge(services, { officerEmployeeNo: required(values.officer, '--officer'), issuedBy: 'cli' })
      return { json: { token: badge.token, url: badge.url, jti: badge.id, exp: badge.exp, code: badge.code }, text: badge.url }
    }
    case 'key rotate': {
      const { kid, previousKid } = await keys.rotate('cli')
      return { json: { kid, state: 'active', previousKid }, text: `New active key ${kid}${previousKid ? `; ${previousKid} now verifies only` : ''}` }
    }
    case 'key retire': {
      const key = await keys.retire(required(target, '<kid>'), { force: values.force === true, actor: 'cli' })
      return { json: { kid: key.kid, state: key.state }, text: `Retired ${key.kid}` }
    }
    case 'key compromise': {
      const { key, replacementKid } = await keys.compromise(required(target, '<kid>'), 'cli')
      return {
        json: { kid: key.kid, state: key.state, replacementKid },
        text: `Marked ${key.kid} compromised: every token it signed is rejected${replacementKid ? `; new active key ${replacementKid}` : ''}`,
      }
    }
    case 'key list': {
      const list = (await keys.list()).map((key) => ({ ...key, createdAt: iso(key.createdAt), stateChangedAt: iso(key.stateChangedAt) }))
      return { json: { keys: list }, text: list.map((k) => `${k.kid}\t${k.state}\t${k.createdAt}\tlive: ${k.liveCredentials}`).join('\n') }
    }
    case 'user add': {
      const password = await readPassword()
      const user = await createUser(db, clock, {
        username: required(values.username, '--username'),
        role: required(values.role, '--role'),
        officerEmployeeNo: values.officer ?? null,
        password,
        actor: 'cli',
      })
      return { json: { username: user.username, role: user.role, officer: values.officer ?? null }, text: `Added ${user.role} ${user.username}` }
    }
    case 'user enable':
    case 'user disable': {
      const disabled = sub === 'disable'
      const user = await setUserDisabled(db, clock, required(target, '<username>'), disabled, 'cli')
      return { json: userJson(user), text: `${disabled ? 'Disabled' : 'Enabled'} ${user.role} ${user.username}` }
    }
    case 'household password': {
      const customerId = required(values.customer, '--customer')
      if (target === 'set') {
        // Checked before stdin is read, so a bad ID pelanggan never waits for a word.
        validCustomerOption(customerId)
        const { customerLast4, changed } = await setVisitPassword(services, { customerId, word: await readStdin('Visit password: ', 'Give the visit password on standard input'), actor: 'cli' })
        return { json: { customer: `…${customerLast4}`, set: true, changed }, text: `${changed ? 'Changed' : 'Set'} the visit password of the customer ending ${customerLast4}` }
      }
      if (target === 'remove') {
        const { customerLast4 } = await removeVisitPassword(services, { customerId, actor: 'cli' })
        return { json: { customer: `…${customerLast4}`, removed: true }, text: `Removed the visit password of the customer ending ${customerLast4}` }
      }
      throw new UsageError('Use household password set|remove --customer <12 digits>')
    }
    case 'privacy purge': {
      const result = await purgeExpiredData(services, { dryRun: values['dry-run'] === true, actor: 'cli' })
      const counts = PURGE_KINDS.map((kind) => `${kind} ${result.counts[kind]}`).join(', ')
      return { json: { dryRun: result.dryRun, at: result.at, ...result.counts }, text: `${result.dryRun ? 'Would remove' : 'Removed'}: ${counts}` }
    }
    case 'privacy export': {
      const exported = await exportCustomerData(services, { customerId: required(values.customer, '--customer'), includeWord: values['include-word'] === true, actor: 'cli' })
      return { json: { ...exported }, text: JSON.stringify(exported, null, 2) }
    }
    case 'db copy': {
      const copied = await copyToPostgres(services, required(values.to, '--to'))
      const tables = copied.tables.map((table) => `  ${table.table.padEnd(24)} ${table.source} → ${table.target}`).join('\n')
      return { json: { ...copied }, text: `Copied ${copied.rows} rows to ${copied.to}:\n${tables}\nAudit log on PostgreSQL: ${copied.audit.rows} rows, fits its signed checkpoint at tree size ${copied.audit.treeSize ?? 'none'}` }
    }
    case 'outbox drain': {
      const summary = await drainOutbox(services, { includeNotDue: values.now === true })
      return {
        json: { ...summary },
        text: `Delivered ${summary.delivered}, failed (will retry) ${summary.failed}, dead-lettered ${summary.deadLettered}`,
      }
    }
    case 'audit verify': {
      const saved = values.checkpoint === undefined ? null : await readSavedCheckpoint(values.checkpoint)
      const check = await verifyAuditLog(services, { saved })
      if (!check.ok) {
        const message = check.checkpoint === null ? `Audit chain broken at row ${check.brokenId}: ${check.reason} (${check.rows} rows read)` : `Audit log does not fit its checkpoint: ${check.reason}`
        throw new AuditChainBroken(message, check)
      }
      const head = check.checkpoint ? `; signed checkpoint at tree size ${check.checkpoint.treeSize}${check.uncovered > 0 ? ` (${check.uncovered} newer rows not yet signed)` : ''}` : '; no signed checkpoint yet'
      const proved = check.savedCheckpoint ? `; the saved checkpoint at tree size ${check.savedCheckpoint.treeSize} is a prefix of today's log` : ''
      return { json: { ...check }, text: `Audit chain intact: ${check.rows} rows${head}${proved}` }
    }
    case 'audit checkpoint': {
      const { checkpoint, publicKey } = await publicCheckpoint(services)
      return { json: { checkpoint, publicKey }, text: `${checkpoint ?? 'No checkpoint signed yet.\n'}\nVerifier key: ${publicKey}` }
    }
    case 'audit prove': {
      const id = Number(required(target, '<row id>'))
      if (!Number.isSafeInteger(id) || id < 1) throw new UsageError('<row id> must be a whole number from 1')
      const proof = await proveAuditRow(services, id)
      return { json: { ...proof }, text: JSON.stringify(proof, null, 2) }
    }
    case 'audit rotate-key': {
      const rotated = await rotateCheckpointKey(services, 'cli')
      return {
        json: { keyId: rotated.keyId, previousKeyId: rotated.previousKeyId, publicKey: rotated.publicKey, checkpoint: rotated.checkpoint.note },
        text: `New checkpoint key ${rotated.keyId} (${rotated.publicKey}); ${rotated.previousKeyId} retired. Checkpoint at tree size ${rotated.checkpoint.treeSize} signed by the new key.`,
      }
    }
    case 'audit init-key': {
      const signer = await services.checkpointKey.create()
      return { json: { keyFile: services.checkpointKey.path, publicKey: formatVerifierKey(signer) }, text: `Made ${services.checkpointKey.path}; verifier key ${formatVerifierKey(signer)}` }
    }
    case 'area import': {
      const file = required(target, '<file.csv>')
      const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(`Cannot read ${file}: ${error.code ?? error.message}`)
      })
      const summary = await importAreaFile(db, clock, text, 'cli')
      return { json: { ...summary }, text: `Imported ${summary.rows} areas: ${summary.inserted} new, ${summary.updated} changed, ${summary.unchanged} unchanged` }
    }
    case 'area list': {
      const areas = await listAreas(db)
      return {
        json: { areas: areas.map((area) => ({ kelurahan: area.kelurahan, kecamatan: area.kecamatan, city: area.city, unit: area.unitCode })) },
        text: areas.length === 0 ? 'No areas' : areas.map((area) => `${area.city} · ${area.kecamatan} · ${area.kelurahan} → ${area.unitCode}`).join('\n'),
      }
    }
    case 'apikey create': {
      const { apiKey, key } = await createApiKey(db, clock, { name: required(values.name, '--name'), scope: required(values.scope, '--scope'), actor: 'cli' })
      return { json: { id: apiKey.id, key }, text: `Created API key ${apiKey.id} (${apiKey.name}); it is shown only this once:\n${key}` }
    }
    case 'apikey list': {
      const list = (await listApiKeys(db)).map((key) => ({
        id: key.id,
        name: key.name,
        scope: key.scope,
        createdAt: iso(key.createdAt),
        lastUsedAt: key.lastUsedAt === null ? null : iso(key.lastUsedAt),
        revokedAt: key.revokedAt === null ? null : iso(key.revokedAt),
      }))
      return {
        json: { keys: list },
        text: list.length === 0 ? 'No API keys' : list.map((k) => `${k.id}\t${k.scope}\t${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}\tlast used: ${k.lastUsedAt ?? 'never'}\t${k.name}`).join('\n'),
      }
    }
    case 'apikey revoke': {
      const apiKey = await revokeApiKey(db, clock, required(target, '<id>'), 'cli')
      return { json: { id: apiKey.id, revoked: true }, text: `Revoked API key ${apiKey.id} (${apiKey.name}): requests with it are refused from now on` }
    }
    default:
      throw new UsageError(`Unknown command "${positionals.join(' ')}"; see --help`)
  }
}

/** The command itself is committed: a log too broken to sign is a warning, not a failure of the command. */
async function signAfterCommand(services: Services): Promise<void> {
  try {
    await writeCheckpoint(services)
  } catch (error) {
    if (!(error instanceof AuditLogBroken)) throw error
    console.error(`warning: ${error.message}`)
  }
}

/** A checkpoint saved earlier, from a file or fetched from a URL (a witness, an earlier `GET /audit/checkpoint`). */
async function readSavedCheckpoint(source: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    const response = await fetch(source).catch((error: Error) => {
      throw new UsageError(`Cannot fetch ${source}: ${error.message}`)
    })
    if (!response.ok) throw new UsageError(`Cannot fetch ${source}: HTTP ${response.status}`)
    return response.text()
  }
  return readFile(source, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot read ${source}: ${error.code ?? error.message}`)
  })
}

/** The password is read from standard input (one line, or all of it), never from the command line. */
function readPassword(): Promise<string> {
  return readStdin('Password: ', 'Give the password on standard input')
}

/** A secret from standard input (one line, or all of it), never from the command line, where `ps` and shell history would show it. */
async function readStdin(prompt: string, missing: string): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(prompt)
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
  if (!text) throw new UsageError(missing)
  return text
}

function validCustomerOption(customerId: string): void {
  if (!normalizeCustomerId(customerId)) throw new DomainError('invalid_customer_id', 'ID pelanggan must be exactly 12 digits')
}

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new UsageError(`Missing ${name}`)
  return value
}

function officerJson(officer: Officer) {
  return {
    employeeNo: officer.employeeNo,
    name: officer.name,
    unit: officer.unitCode,
    employer: officer.employer,
    roleTitle: officer.roleTitle,
    status: officer.status,
  }
}

function userJson(user: User) {
  return { username: user.username, role: user.role, disabled: user.disabledAt !== null }
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

function isArgumentError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runCli(process.argv.slice(2))
}

/**
 * `db copy --to`: every row into the PostgreSQL database at `url`, then the proof that nothing
 * was lost: equal row counts per table, and the copied audit log verified against its signed
 * checkpoints there. The copy is recorded in the audit log first, so the new database's log says
 * where it came from.
 */
async function copyToPostgres(services: Services, url: string) {
  if (services.config.database.url) throw new UsageError('db copy reads the SQLite database in DATA_DIR: run it without DATABASE_URL')
  const to = loadConfig({ DATABASE_URL: url }).database.url!
  const shown = redactedDatabaseUrl(to)
  const target = await openPostgres(to, { poolSize: 2, statementTimeoutMs: services.config.database.statementTimeoutMs })
  try {
    await recordAudit(services.db, services.clock, { actor: 'cli', action: 'database.copied', subject: 'database', details: { to: shown } })
    const tables = await copyDatabase(services.db, target)
    const differing = tables.filter((table) => table.source !== table.target)
    if (differing.length > 0) throw new DomainError('copy_incomplete', `Row counts differ after the copy: ${differing.map((table) => `${table.table} ${table.source} → ${table.target}`).join(', ')}`)
    const audit = await verifyAuditLog({ ...services, db: target })
    if (!audit.ok) throw new DomainError('copy_audit_broken', `The copied audit log does not verify: ${audit.reason}`)
    return { to: shown, rows: tables.reduce((sum, table) => sum + table.target, 0), tables, audit: { rows: audit.rows, treeSize: audit.checkpoint?.treeSize ?? null, rootHash: audit.checkpoint?.rootHash ?? null, uncovered: audit.uncovered } }
  } finally {
    await target.close()
  }
}

/** The URL without its password, for output and the audit log. */
function redactedDatabaseUrl(raw: string): string {
  const url = new URL(raw)
  if (url.password) url.password = '***'
  return url.toString()
}
