import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from './helpers.ts'
import { runCli, startServer, type RunningServer } from './support/processes.ts'

let server: RunningServer
let dir: ReturnType<typeof tempDir>

beforeAll(async () => {
  dir = tempDir('cso-role')
  server = await startServer(dir.path)
})

afterAll(async () => {
  await server?.stop()
  dir?.remove()
})

const PASSWORD = 'sandi-agen-123-panjang'

/** Signs in through the real login form (with an optional return path); the answer's status, Location and session cookie. */
async function signIn(username: string, next?: string): Promise<{ status: number; location: string | null; cookie: string }> {
  const page = await fetch(`${server.url}/login${next ? `?next=${encodeURIComponent(next)}` : ''}`)
  const formCookie = page.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ')
  const html = await page.text()
  const form = /name="_form" value="([^"]+)"/.exec(html)![1]!
  const body = new URLSearchParams({ _form: form, username, password: PASSWORD })
  if (next) body.set('next', next)
  const res = await fetch(`${server.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, cookie: formCookie },
  })
  const cookie = res.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ')
  return { status: res.status, location: res.headers.get('location'), cookie }
}

describe('the cso role (123 agents)', () => {
  it('is created by the CLI without an officer, and the agent lands on the desk', async () => {
    const added = await runCli(['user', 'add', '--username', 'agen.rina', '--role', 'cso', '--json'], server.env, PASSWORD)
    expect(added.code, added.stderr).toBe(0)
    expect(JSON.parse(added.stdout)).toEqual({ username: 'agen.rina', role: 'cso', officer: null })

    const landed = await signIn('agen.rina')
    expect(landed.status).toBe(303)
    expect(landed.location).toBe('/cso')
  })

  it('returns an agent only into the desk: a console or portal path sends them to /cso instead', async () => {
    expect((await signIn('agen.rina', '/cso/reports/new')).location).toBe('/cso/reports/new')
    expect((await signIn('agen.rina', '/admin/reports')).location).toBe('/cso')
    expect((await signIn('agen.rina', '/officer/door?code=123456')).location).toBe('/cso')
  })

  it('keeps the officer portal and the admin console closed to an agent', async () => {
    const { cookie } = await signIn('agen.rina')
    for (const path of ['/officer', '/officer/door', '/admin', '/admin/reports', '/admin/users']) {
      const res = await fetch(`${server.url}${path}`, { headers: { cookie }, redirect: 'manual' })
      expect(res.status, path).toBe(403)
    }
  })

  it('offers the role on the admin users page', async () => {
    const { cookie } = await signInAdmin()
    const html = await (await fetch(`${server.url}/admin/users`, { headers: { cookie } })).text()
    expect(html).toMatch(/<option value="cso"[^>]*>Agen 123 \(CSO\)<\/option>/)
    expect(html).toContain('agen.rina')
  })
})

async function signInAdmin() {
  const added = await runCli(['user', 'add', '--username', 'admin.kedua', '--role', 'admin', '--json'], server.env, PASSWORD)
  expect(added.code, added.stderr).toBe(0)
  return signIn('admin.kedua')
}
