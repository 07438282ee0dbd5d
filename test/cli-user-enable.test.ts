import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from './helpers.ts'
import { runCli, startServer, type RunningServer } from './support/processes.ts'

let server: RunningServer
let dir: ReturnType<typeof tempDir>

beforeAll(async () => {
  dir = tempDir('cli-user')
  server = await startServer(dir.path)
})

afterAll(async () => {
  await server?.stop()
  dir?.remove()
})

const PASSWORD = 'sandi-admin-kedua-2026'

/** Runs a CLI command with --json: exactly one JSON object on stdout, whatever the outcome. */
async function cliJson(args: string[], input?: string) {
  const result = await runCli([...args, '--json'], server.env, input)
  const lines = result.stdout.trim().split('\n')
  expect(lines, `stdout: ${result.stdout}\nstderr: ${result.stderr}`).toHaveLength(1)
  return { code: result.code, json: JSON.parse(lines[0]!) as Record<string, unknown>, stderr: result.stderr }
}

/** Signs in through the real login form; the status of the form's answer. */
async function loginStatus(username: string, password: string): Promise<number> {
  const page = await fetch(`${server.url}/login`)
  const cookie = page.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ')
  const form = /name="_form" value="([^"]+)"/.exec(await page.text())![1]!
  const res = await fetch(`${server.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ _form: form, username, password }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, cookie },
  })
  return res.status
}

describe('user enable / user disable', () => {
  it('disables and enables an account through the running server’s DATA_DIR, one JSON object each', async () => {
    expect((await cliJson(['user', 'add', '--username', 'rina', '--role', 'admin'], PASSWORD)).code).toBe(0)
    expect(await loginStatus('rina', PASSWORD)).toBe(303)

    const disabled = await cliJson(['user', 'disable', 'rina'])
    expect(disabled.code).toBe(0)
    expect(disabled.json).toEqual({ username: 'rina', role: 'admin', disabled: true })
    expect(await loginStatus('rina', PASSWORD)).toBe(401)

    const enabled = await cliJson(['user', 'enable', 'RINA'])
    expect(enabled.code).toBe(0)
    expect(enabled.json).toEqual({ username: 'rina', role: 'admin', disabled: false })
    expect(await loginStatus('rina', PASSWORD)).toBe(303)
  })

  it('refuses to disable the last enabled admin, with a one-line error', async () => {
    expect((await cliJson(['user', 'disable', 'admin'])).code).toBe(0)
    const last = await cliJson(['user', 'disable', 'rina'])
    expect(last.code).not.toBe(0)
    expect(last.json).toMatchObject({ code: 'last_admin' })
    expect(String(last.json.error)).toMatch(/last enabled admin/)
    expect(last.stderr.trim().split('\n').filter((line) => line.startsWith('error:'))).toHaveLength(1)
    expect(await loginStatus('rina', PASSWORD)).toBe(303)
    expect((await cliJson(['user', 'enable', 'admin'])).json).toEqual({ username: 'admin', role: 'admin', disabled: false })
  })

  it('names an unknown user, and a missing username is a usage error', async () => {
    const unknown = await cliJson(['user', 'enable', 'nobody-here'])
    expect(unknown.code).toBe(1)
    expect(unknown.json).toMatchObject({ code: 'unknown_user', error: 'No user nobody-here' })
    const missing = await runCli(['user', 'enable'], server.env)
    expect(missing.code).toBe(64)
    expect(missing.stderr).toMatch(/^error: Missing <username>$/m)
  })
})
