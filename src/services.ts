import type { Db } from '../db/client.ts'
import type { Clock, Config } from './config.ts'
import { KeyRing } from './credentials/keys.ts'
import { loadSecrets, type Secrets } from './credentials/secrets.ts'
import { tokenAudience, type TokenAudience } from './credentials/tokens.ts'

/** What every domain function needs, built once per app or CLI run from injected parts. */
export interface Services {
  db: Db
  config: Config
  clock: Clock
  secrets: Secrets
  keys: KeyRing
  audience: TokenAudience
}

export interface ServiceDeps {
  db: Db
  config: Config
  clock: Clock
}

export function createServices({ db, config, clock }: ServiceDeps): Services {
  const secrets = loadSecrets(config)
  return { db, config, clock, secrets, keys: new KeyRing(db, secrets, clock), audience: tokenAudience(config.publicUrl) }
}
