import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { freePort } from './ports.ts'
import { databaseEnv } from './test-database.ts'

export { freePort }

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))


export interface RunningServer {
  url: string
  /** The process `npm start` would be: the only one when WORKERS=1, the primary of the workers otherwise. */
  pid: number
  env: Record<string, string>
  output: () => string
  /** The exit code once the process has ended, else null. */
  exitCode: () => number | null
  stop: (signal?: NodeJS.Signals) => Promise<void>
}

/**
 * Starts the real server (`npm start`'s code path) and waits for /healthz. Under
 * TEST_DATABASE=postgres it runs on the database of its DATA_DIR (test/support/test-database.ts),
 * unless `extraEnv` names a DATABASE_URL; `env` says which, for CLI runs against it.
 */
export async function startServer(dataDir: string, extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const given = { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url, ...extraEnv }
  const env = { ...given, ...(await databaseEnv(given)) }
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  await waitForHealth(url, child, () => output)
  return { url, pid: child.pid!, env, output: () => output, exitCode: () => child.exitCode, stop: (signal) => stopProcess(child, signal) }
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output()}`)
    try {
      const res = await fetch(`${url}/healthz`)
      if (res.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`server did not become healthy:\n${output()}`)
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill(signal)
  })
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs `npm run cli -- <args>` exactly as the contract says, with optional standard input, on the
 * database of its DATA_DIR (the same as a server's on that DATA_DIR, on either engine).
 */
export async function runCli(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  const database = await databaseEnv({ ...process.env, ...env })
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'cli', '--', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env, ...database }, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
    child.stdin.end(input ?? '')
  })
}

/** The live child processes of `pid`, from /proc. */
export function childrenOf(pid: number): number[] {
  const children: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || entry === String(pid)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // ppid is the second field after the parenthesised command name.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry))
    } catch {
      // the process ended while we looked
    }
  }
  return children
}
