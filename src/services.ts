import { PreparedOnFirstUse, type Db } from '../db/client.ts'
import { prepareOutboxInsert } from './channel/outbox.ts'
import type { Clock, Config } from './config.ts'
import { KeyRing } from './credentials/keys.ts'
import { loadSecrets, type Secrets } from './credentials/secrets.ts'
import { tokenAudience, type TokenAudience } from './credentials/tokens.ts'
import { GroupCommit } from './reports/commit-queue.ts'
import { prepareRelatedQueries } from './reports/related.ts'
import { prepareReportInserts, writeReport, type FiledReport, type PendingReport } from './reports/reports.ts'

/**
 * What every domain function needs, built once per app or CLI run from injected parts. State that
 * lives as long as the run (prepared statements, the report queue) is here too, never in a module.
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
  reportInserts: PreparedOnFirstUse<ReturnType<typeof prepareReportInserts>>
  relatedQueries: PreparedOnFirstUse<ReturnType<typeof prepareRelatedQueries>>
  outbox: PreparedOnFirstUse<ReturnType<typeof prepareOutboxInsert>>
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
    reportCommits: new GroupCommit(db, (pending: PendingReport) => writeReport(services, pending)),
    reportInserts: new PreparedOnFirstUse(() => prepareReportInserts(db)),
    relatedQueries: new PreparedOnFirstUse(() => prepareRelatedQueries(db)),
    outbox: new PreparedOnFirstUse(() => prepareOutboxInsert(db)),
  }
  return services
}
