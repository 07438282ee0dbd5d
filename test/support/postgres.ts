import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort } from './ports.ts'
import type { Engine } from '../../db/client.ts'

/**
 * The engine the suite runs on: TEST_DATABASE=postgres runs every test on PostgreSQL (each on a
 * copy of the migrated template database the global setup made), anything else on SQLite.
 */
export const TEST_ENGINE: Engine = process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite'

/** The database the global setup migrated once; every test database is a copy of it. */
export const TEMPLATE_DATABASE = 'cek_template'

/**
 * A throwaway PostgreSQL cluster for tests (TESTING.md): Debian's server binaries, run as the
 * `postgres` user (the server refuses root) in a temporary directory, on a free local port, with
 * trust authentication for the role `app`. TEST_POSTGRES_URL names a server to use instead.
 */
export interface ThrowawayPostgres {
  /** postgres://app@127.0.0.1:<port>/postgres */
  url: string
  port: number
  /** Stops the server (fast shutdown) and starts it again on the same port and data. */
  restart(): Promise<void>
  /** Stops the server only (its data stays), as a crash or a failover would take it away. */
  stopServer(): void
  /** Starts it again after stopServer(), on the same port and data. */
  startServer(): Promise<void>
  stop(): void
}

export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const versions = readdirSync(root).filter((name) => existsSync(join(root, name, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a))
  return versions.length > 0 ? join(root, versions[0]!, 'bin') : null
}


export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = postgresBinDir()
  if (!bin) throw new Error('PostgreSQL is not installed: apt-get install -y postgresql (see TESTING.md), or set TEST_POSTGRES_URL')
  const dir = mkdtempSync(join(tmpdir(), 'cek-petugas-pg-'))
  const asPostgres = process.getuid?.() === 0
  if (asPostgres) chownSync(dir, uidOf('postgres'), gidOf('postgres'))
  const run = (tool: string, args: string[]) => {
    const command = asPostgres ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] as const : [join(bin, tool), args] as const
    const result = spawnSync(command[0], [...command[1]], { encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr || result.stdout}`)
  }
  run('initdb', ['-D', join(dir, 'db'), '-A', 'trust', '-U', 'app', '--no-sync'])
  const port = await freePort()
  // fsync off: the cluster is thrown away; durability across a server restart still holds.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`
  const start = () => run('pg_ctl', ['-D', join(dir, 'db'), '-o', options, '-l', join(dir, 'log'), '-w', 'start'])
  start()
  const url = `postgres://app@127.0.0.1:${port}/postgres`
  return {
    url,
    port,
    async restart() {
      run('pg_ctl', ['-D', join(dir, 'db'), '-m', 'fast', '-w', 'stop'])
      start()
    },
    stopServer() {
      run('pg_ctl', ['-D', join(dir, 'db'), '-m', 'immediate', '-w', 'stop'])
    },
    async startServer() {
      start()
    },
    stop() {
      try {
        run('pg_ctl', ['-D', join(dir, 'db'), '-m', 'immediate', '-w', 'stop'])
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}

/** A new, empty database on the server of `serverUrl`; answers its URL. */
export async function createScratchDatabase(serverUrl: string, prefix = 'test'): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`
  const client = new pg.Client(serverUrl)
  await client.connect()
  try {
    await client.query(`create database "${name}"`)
  } finally {
    await client.end()
  }
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim())
}

function gidOf(user: string): number {
  return Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim())
}
