import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Engine } from '../db/client.ts'
import { freePort } from '../test/support/ports.ts'
import type { BenchPostgres } from './postgres.ts'

/** The real server in a child process, on a fresh DATA_DIR, as the bench sees it. */
export interface BenchServer {
  baseUrl: string
  publicUrl: string
  dataDir: string
  pid: number | undefined
  /** Which engine the server runs on: PostgreSQL when started with `postgres`, else SQLite in dataDir. */
  engine: Engine
  /** DATABASE_URL of the server's own database on PostgreSQL; null on SQLite. */
  databaseUrl: string | null
  /** The PostgreSQL postmaster, whose CPU is the database's share on that engine; undefined on SQLite. */
  databasePid: number | undefined
  /** The demo visit pass the server printed on start. */
  passToken: string
  /** Environment shared by the server and any CLI run against the same DATA_DIR. */
  env: NodeJS.ProcessEnv
  /** Lines the server wrote to stderr (kept up to a limit); errors under load show up here. */
  stderrLines: () => string[]
  stop: () => Promise<void>
}

const PROJECT_ROOT = join(import.meta.dirname, '..')
const STARTUP_TIMEOUT_MS = 30_000
/** The banner follows the first healthy answer closely; past this, issue a pass with the CLI instead. */
const PASS_URL_TIMEOUT_MS = 5_000
const STOP_TIMEOUT_MS = 5_000
export const KEPT_STDERR_LINES = 200
/** The first verify URL the server prints on start is the demo visit pass. */
const PASS_URL = /\/v\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/

export interface StartOptions {
  /** Extra node arguments, after tsx is loaded and before the script: e.g. `--expose-gc` and an `--import` of a TypeScript probe. */
  nodeArgs?: string[]
  /** WORKERS for the server: HTTP worker processes (default 1). */
  workers?: number
  /** Run on a fresh database of this PostgreSQL cluster (DATABASE_URL) instead of SQLite. */
  postgres?: BenchPostgres | null
}

export async function startServer(options: StartOptions = {}): Promise<BenchServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cek-petugas-bench-'))
  let child: ChildProcess | null = null
  let exited: Promise<number | null> = Promise.resolve(null)
  try {
    const port = await freePort()
    const publicUrl = `http://127.0.0.1:${port}`
    const databaseUrl = options.postgres ? await options.postgres.createDatabase() : null
    const env = serverEnv({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, RATE_LIMIT: 'off', PUBLIC_URL: publicUrl, WORKERS: String(options.workers ?? 1) }, databaseUrl)
    child = spawn(process.execPath, ['--import', 'tsx', ...(options.nodeArgs ?? []), 'src/server.ts'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    const output = captureOutput(child)
    exited = onExit(child)
    const watch = { exited, output }
    if (!(await poll(() => healthy(publicUrl), watch, STARTUP_TIMEOUT_MS))) {
      throw new Error(`Timed out after ${STARTUP_TIMEOUT_MS} ms waiting for GET /healthz to answer 200:\n${startupLog(output)}`)
    }
    const printedPass = await poll(async () => PASS_URL.exec(output.stdout())?.[1] ?? null, watch, PASS_URL_TIMEOUT_MS)
    const passToken = printedPass ?? (await issuePass(env))
    const running = child
    return {
      baseUrl: publicUrl,
      publicUrl,
      dataDir,
      pid: child.pid,
      engine: databaseUrl ? 'postgres' : 'sqlite',
      databaseUrl,
      databasePid: options.postgres?.pid,
      passToken,
      env,
      stderrLines: output.stderrLines,
      stop: () => stopServer(running, exited, dataDir),
    }
  } catch (error) {
    if (child) await stopServer(child, exited, dataDir)
    else await rm(dataDir, { recursive: true, force: true })
    throw error
  }
}

/** Runs `src/cli.ts <args> --json` against the server's DATA_DIR and returns its one JSON object. */
export async function runCli(env: NodeJS.ProcessEnv, args: string[]): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args, '--json'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const output = captureOutput(child)
  const code = await onExit(child)
  if (code !== 0) throw new Error(`cli ${args.join(' ')} exited with ${code}: ${output.stderrLines().join(' ').slice(0, 500)}`)
  return JSON.parse(output.stdout()) as Record<string, unknown>
}

async function issuePass(env: NodeJS.ProcessEnv): Promise<string> {
  const issued = await runCli(env, ['pass', 'issue', '--officer', '9015234A', '--customer', '532100012345', '--purpose', 'P2TL'])
  if (typeof issued.token !== 'string') throw new Error('cli pass issue printed no token')
  return issued.token
}

/** Demo data (and so the demo pass) exists only outside production. A DATABASE_URL of the caller's never leaks in. */
function serverEnv(overrides: Record<string, string>, databaseUrl: string | null): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...overrides }
  delete env.NODE_ENV
  delete env.KEK
  delete env.DATABASE_URL
  if (databaseUrl) env.DATABASE_URL = databaseUrl
  return env
}


interface CapturedOutput {
  stdout: () => string
  stderrLines: () => string[]
}

function captureOutput(child: ChildProcess): CapturedOutput {
  let stdout = ''
  const stderr: string[] = []
  let partial = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    // Only the start-up banner matters; the cap keeps a chatty server from growing this forever.
    if (stdout.length < 1 << 20) stdout += chunk
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) if (line.trim() && stderr.length < KEPT_STDERR_LINES) stderr.push(line)
  })
  return { stdout: () => stdout, stderrLines: () => (partial.trim() ? [...stderr, partial] : [...stderr]) }
}

function onExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

async function healthy(baseUrl: string): Promise<true | null> {
  try {
    const response = await fetch(`${baseUrl}/healthz`)
    await response.body?.cancel()
    return response.status === 200 ? true : null
  } catch {
    return null
  }
}

/** Polls `probe` until it yields a value, or null after `timeoutMs`; fails at once if the server exits. */
async function poll<T>(probe: () => Promise<T | null>, watch: { exited: Promise<number | null>; output: CapturedOutput }, timeoutMs: number): Promise<T | null> {
  let exitCode: number | null | undefined
  void watch.exited.then((code) => (exitCode = code))
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const value = await probe()
    if (value !== null) return value
    if (exitCode !== undefined) throw new Error(`Server exited during start-up (code ${exitCode}):\n${startupLog(watch.output)}`)
    await sleep(100)
  }
  return null
}

function startupLog(output: CapturedOutput): string {
  return [output.stdout().slice(0, 2000), ...output.stderrLines().slice(0, 20)].join('\n')
}

async function stopServer(child: ChildProcess, exited: Promise<number | null>, dataDir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM')
    const stopped = await Promise.race([exited.then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)])
    if (!stopped) {
      child.kill('SIGKILL')
      await exited
    }
  }
  await rm(dataDir, { recursive: true, force: true })
}
