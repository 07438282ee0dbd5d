import type { Db } from '../db/client.ts'
import { CheckpointKey } from './audit/checkpoint-key.ts'
import type { Clock, Config } from './config.ts'
import { KeyRing } from './credentials/keys.ts'
import { loadSecrets, type Secrets } from './credentials/secrets.ts'
import { tokenAudience, type TokenAudience } from './credentials/tokens.ts'
import { GroupCommit } from './reports/commit-queue.ts'
import { writeReport, type FiledReport, type PendingReport } from './reports/reports.ts'

/**
 * What every domain function needs, built once per app or CLI run from injected parts. State that
 * lives as long as the run (the key ring, the report queue) is here too, never in a module.
 */
export interface Services {
  db: Db
  config: Config
  clock: Clock
  secrets: Secrets
  keys: KeyRing
  audience: TokenAudience
  /** Reports filed in one turn of the event loop are committed together (createReport). */
  reportCommits: GroupCommit<PendingReport, FiledReport>
  /** The audit checkpoints' signing key (AUDIT_KEY_FILE), read on first use. */
  checkpointKey: CheckpointKey
}

export interface ServiceDeps {
  db: Db
  config: Config
  clock: Clock
}

export function createServices({ db, config, clock }: ServiceDeps): Services {
  const secrets = loadSecrets(config)
  const services: Services = {
    db,
    config,
    clock,
    secrets,
    keys: new KeyRing(db, secrets, clock),
    audience: tokenAudience(config.publicUrl),
    reportCommits: new GroupCommit(db, (tx, pending: PendingReport) => writeReport(services, tx, pending)),
    checkpointKey: new CheckpointKey(db, config, clock),
  }
  return services
}
