import { request } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.ts'
import { DEMO_LOGINS } from '../src/demo/seed.ts'
import { tempDir } from './helpers.ts'
import { startServer, type RunningServer } from './support/processes.ts'

const DEMO_ADMIN = DEMO_LOGINS.find((login) => login.role === 'admin')!

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function started(dir: string, env: Record<string, string> = {}): Promise<RunningServer> {
  const server = await startServer(dir, env)
  cleanups.push(() => server.stop())
  return server
}

function freshDir(): string {
  const dir = tempDir('lifecycle')
  cleanups.push(dir.remove)
  return dir.path
}

/** The login form's cookie and token, as a browser gets them. */
async function loginForm(url: string): Promise<{ cookie: string; form: string }> {
  const page = await fetch(`${url}/login`)
  const cookie = page.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ')
  return { cookie, form: /name="_form" value="([^"]+)"/.exec(await page.text())![1]! }
}

async function loginStatus(url: string, username: string, password: string): Promise<number> {
  const { cookie, form } = await loginForm(url)
  const res = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ _form: form, username, password }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url, cookie },
  })
  return res.status
}

async function outputMatching(server: RunningServer, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 20_000
  while (!pattern.test(server.output())) {
    if (Date.now() > deadline) throw new Error(`no output matching ${pattern}:\n${server.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('demo data and where the server listens', () => {
  it('creates demo data on loopback, beyond it only with DEMO=1, never in production or with DEMO=0', () => {
    const demo = (env: Record<string, string>) => loadConfig({ DATA_DIR: '/tmp/x', ...env }).demoData
    expect(demo({})).toBe(true)
    for (const host of ['127.0.0.1', '127.0.1.1', 'localhost', '::1', '[::1]']) expect(demo({ HOST: host }), host).toBe(true)
    for (const host of ['0.0.0.0', '::', '', '192.168.1.20', '10.0.0.5', 'cek.example.id']) expect(demo({ HOST: host }), host).toBe(false)
    expect(demo({ HOST: '0.0.0.0', DEMO: '1' })).toBe(true)
    expect(demo({ HOST: '127.0.0.1', DEMO: '0' })).toBe(false)
    expect(demo({ HOST: '127.0.0.1', NODE_ENV: 'production' })).toBe(false)
    expect(demo({ HOST: '0.0.0.0', DEMO: '1', NODE_ENV: 'production' })).toBe(false)
    expect(() => loadConfig({ DEMO: 'yes' })).toThrow(/DEMO must be 1 or 0/)
  })

  it('starts beyond loopback with no demo sign-ins and says so', async () => {
    const server = await started(freshDir(), { HOST: '0.0.0.0' })
    expect(server.output()).toMatch(/No demo data: HOST=0\.0\.0\.0 is reachable beyond this machine/)
    expect(server.output()).not.toContain(DEMO_ADMIN.password)
    expect(await loginStatus(server.url, DEMO_ADMIN.username, DEMO_ADMIN.password)).toBe(401)
  })

  it('creates demo data beyond loopback with DEMO=1, and disables its published sign-ins on a later start without it', async () => {
    const dir = freshDir()
    const demo = await started(dir, { HOST: '0.0.0.0', DEMO: '1' })
    expect(demo.output()).toContain('Demo sign-ins at')
    expect(await loginStatus(demo.url, DEMO_ADMIN.username, DEMO_ADMIN.password)).toBe(303)
    await demo.stop()

    const open = await started(dir, { HOST: '0.0.0.0' })
    expect(open.output()).toMatch(/Demo sign-ins disabled because they still had their published passwords: .*admin/)
    expect(await loginStatus(open.url, DEMO_ADMIN.username, DEMO_ADMIN.password)).toBe(401)
  })
})

/**
 * Starts a sign-in whose body arrives in two halves. The server has taken the request once it
 * answers `100 Continue`; `between` runs then, before the second half is sent.
 */
function slowLogin(url: string, fields: Record<string, string>, cookie: string, between: () => Promise<void>): Promise<{ status: number; location: string | undefined }> {
  const body = Buffer.from(new URLSearchParams(fields).toString())
  const half = Math.floor(body.length / 2)
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/login`,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length), origin: url, cookie, expect: '100-continue' },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }))
      },
    )
    req.on('error', reject)
    req.on('continue', () => {
      req.write(body.subarray(0, half))
      between().then(
        () => req.end(body.subarray(half)),
        (error: unknown) => {
          req.destroy()
          reject(error as Error)
        },
      )
    })
  })
}

describe('stopping the server', () => {
  it.each([
    ['one process', {}],
    ['two worker processes', { WORKERS: '2' }],
  ])('answers a request in flight at SIGTERM, then exits 0 (%s)', async (_name, env: Record<string, string>) => {
    const server = await started(freshDir(), env)
    const { cookie, form } = await loginForm(server.url)
    let stopped = null as Promise<void> | null // set in the callback; `as` keeps TypeScript from narrowing it to null
    const answer = await slowLogin(server.url, { _form: form, username: DEMO_ADMIN.username, password: DEMO_ADMIN.password }, cookie, async () => {
      stopped = server.stop('SIGTERM')
      await outputMatching(server, /Stopping: [1-9]\d* request\(s\) in flight/)
    })
    // The sign-in finished after the signal: it was checked and its session written.
    expect(answer).toEqual({ status: 303, location: '/admin' })
    await stopped
    expect(server.exitCode()).toBe(0)
  })
})
