import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.ts'
import { tempDir } from './helpers.ts'
import { rawGet } from './support/http.ts'
import { childrenOf, runCli, startServer, type RunningServer } from './support/processes.ts'
import { waitFor } from './support/webhook-receiver.ts'

// WORKERS=2: one primary and two HTTP worker processes on one port. Each request below goes over
// its own new connection, so the primary spreads them over both workers.

/** GET on a fresh connection, never a pooled one. */
async function getOnNewConnection(url: string): Promise<{ status: number; body: string }> {
  const { status, body } = await rawGet(url, { newConnection: true })
  return { status, body: body.toString() }
}

/** The server's worker processes: its children running src/server.ts (tsx may also run an esbuild child). */
function workersOf(pid: number): number[] {
  return childrenOf(pid).filter((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('src/server.ts')
    } catch {
      return false
    }
  })
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Which process answered: the request id of an API error starts with a per-process prefix. */
async function answeringProcess(server: RunningServer): Promise<string> {
  const { body } = await getOnNewConnection(`${server.url}/api/v1/no-such-thing`)
  return String((JSON.parse(body) as { requestId: string }).requestId).split('-')[0]!
}

describe('WORKERS', () => {
  it('defaults to one process per core in production and to one otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://cek.example.id', KEK: 'k'.repeat(40) }).workers).toBe(availableParallelism())
    expect(loadConfig({}).workers).toBe(1)
    expect(loadConfig({ WORKERS: '3' }).workers).toBe(3)
  })

  it.each(['0', '-1', '2.5', 'two', '65'])('refuses WORKERS=%s with a message naming the variable', (value) => {
    expect(() => loadConfig({ WORKERS: value })).toThrow(ConfigError)
    expect(() => loadConfig({ WORKERS: value })).toThrow(/WORKERS must be a whole number from 1 to 64/)
  })
})

describe('the server with WORKERS=2', () => {
  let server: RunningServer
  let dir: ReturnType<typeof tempDir>

  beforeAll(async () => {
    dir = tempDir('cluster')
    server = await startServer(dir.path, { WORKERS: '2' })
  }, 60_000)

  afterAll(async () => {
    await server?.stop()
    dir?.remove()
  })

  it('serves from two worker processes and says so on start', async () => {
    await waitFor('the start-up banner', () => server.output().includes('Demo sign-ins'))
    expect(server.output()).toContain('by 2 worker processes')
    expect(workersOf(server.pid)).toHaveLength(2)
    const answered = new Set<string>()
    for (let i = 0; i < 12; i++) answered.add(await answeringProcess(server))
    expect(answered.size).toBe(2)
  })

  it('holds one rate limit for a client however its connections are spread over the workers', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 32; i++) statuses.push((await getOnNewConnection(`${server.url}/c/bad-${i}`)).status)
    // 30 bad codes are allowed per client in ten minutes, counted together by both workers.
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(200))
    expect(statuses.slice(30)).toEqual([429, 429])
  })

  it('shows a pass revoked by the CLI as red from every worker at once', async () => {
    const issued = await runCli(['pass', 'issue', '--officer', '9015234A', '--customer', '532100012345', '--purpose', 'CATAT_METER', '--json'], server.env)
    expect(issued.code, issued.stderr).toBe(0)
    const pass = JSON.parse(issued.stdout) as { jti: string; token: string }
    const verdicts = async () => {
      const answers = await Promise.all(Array.from({ length: 6 }, () => getOnNewConnection(`${server.url}/api/v1/verify/${pass.token}`)))
      return new Set(answers.map(({ body }) => (JSON.parse(body) as { verdict: string }).verdict))
    }
    expect(await verdicts()).toEqual(new Set(['valid']))
    const revoked = await runCli(['pass', 'revoke', pass.jti, '--json'], server.env)
    expect(revoked.code, revoked.stderr).toBe(0)
    expect(await verdicts()).toEqual(new Set(['revoked']))
  })

  it('replaces a worker that dies', async () => {
    const [victim] = workersOf(server.pid)
    process.kill(victim!, 'SIGKILL')
    await waitFor('a new worker in place of the killed one', () => {
      const workers = workersOf(server.pid)
      return workers.length === 2 && !workers.includes(victim!)
    })
    expect(server.output()).toMatch(new RegExp(`Worker ${victim} stopped \\(SIGKILL\\); starting another`))
    await waitFor('both workers answering again', async () => {
      const answered = new Set<string>()
      for (let i = 0; i < 8; i++) answered.add(await answeringProcess(server))
      return answered.size === 2
    })
  })
})

describe('stopping the server with WORKERS=2', () => {
  it('stops every worker with it on SIGTERM', async () => {
    const dir = tempDir('cluster-stop')
    try {
      const server = await startServer(dir.path, { WORKERS: '2' })
      const workers = workersOf(server.pid)
      expect(workers).toHaveLength(2)
      await server.stop('SIGTERM')
      await waitFor('the workers to exit', () => workers.every((pid) => !isRunning(pid)))
    } finally {
      dir.remove()
    }
  })

  it('leaves no worker serving when the primary is killed', async () => {
    const dir = tempDir('cluster-kill')
    try {
      const server = await startServer(dir.path, { WORKERS: '2' })
      const workers = workersOf(server.pid)
      await server.stop('SIGKILL')
      await waitFor('the orphaned workers to exit', () => workers.every((pid) => !isRunning(pid)))
      await expect(getOnNewConnection(`${server.url}/healthz`)).rejects.toThrow()
    } finally {
      dir.remove()
    }
  })
})
