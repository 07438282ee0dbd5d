import { createPublicKey } from 'node:crypto'
import jwt from 'jsonwebtoken'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from './helpers.ts'
import { runCli, startServer, type RunningServer } from './support/processes.ts'

let server: RunningServer
let dir: ReturnType<typeof tempDir>

beforeAll(async () => {
  dir = tempDir('cli')
  server = await startServer(dir.path)
})

afterAll(async () => {
  await server?.stop()
  dir?.remove()
})

/** Runs a CLI command with --json and checks the contract: one JSON object on stdout. */
async function cliJson(args: string[]): Promise<{ code: number; json: Record<string, unknown>; stderr: string }> {
  const result = await runCli([...args, '--json'], server.env)
  const lines = result.stdout.trim().split('\n')
  expect(lines, `stdout: ${result.stdout}\nstderr: ${result.stderr}`).toHaveLength(1)
  return { code: result.code, json: JSON.parse(lines[0]!) as Record<string, unknown>, stderr: result.stderr }
}

async function verdict(token: string): Promise<string> {
  const res = await fetch(`${server.url}/api/v1/verify/${token}`)
  return ((await res.json()) as { verdict: string }).verdict
}

async function pageVerdict(url: string): Promise<string | undefined> {
  const html = await (await fetch(url)).text()
  return /data-verdict="([^"]+)"/.exec(html)?.[1]
}

describe('the CLI contract, while the server runs on the same DATA_DIR', () => {
  let pass: { token: string; url: string; code: string; jti: string; exp: number }

  it('officer add prints one JSON object and exits 0', async () => {
    const { code, json } = await cliJson(['officer', 'add', '--employee-no', 'CLI-0001', '--name', 'Dewi Lestari', '--unit', 'ULP-CKN', '--employer', 'PT Mitra Daya Nusantara'])
    expect(code).toBe(0)
    expect(json).toMatchObject({ employeeNo: 'CLI-0001', name: 'Dewi Lestari', unit: 'ULP-CKN', employer: 'PT Mitra Daya Nusantara', status: 'active' })
  })

  it('a duplicate officer exits non-zero with a one-line error', async () => {
    const { code, json, stderr } = await cliJson(['officer', 'add', '--employee-no', 'CLI-0001', '--name', 'Someone Else'])
    expect(code).not.toBe(0)
    expect(json.error).toMatch(/already exists/)
    expect(stderr.trim().split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1)
  })

  it('pass issue prints token, url, code, jti and exp; the url opens a green page', async () => {
    const { code, json } = await cliJson(['pass', 'issue', '--officer', 'CLI-0001', '--customer', '532100067890', '--purpose', 'GANTI_METER', '--ttl', '7200'])
    expect(code).toBe(0)
    pass = json as typeof pass
    expect(Object.keys(json).sort()).toEqual(['code', 'exp', 'jti', 'token', 'url'])
    expect(pass.url).toBe(`${server.url}/v/${pass.token}`)
    expect(pass.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/)
    expect(pass.exp).toBeGreaterThan(Date.now() / 1000 + 7000)
    expect(await pageVerdict(pass.url)).toBe('valid')
    expect(await pageVerdict(`${server.url}/c/${pass.code}`)).toBe('valid')
  })

  it('the pass verifies with a different JOSE implementation using only the JWKS', async () => {
    const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: (Record<string, string> & { kid: string })[] }
    const header = JSON.parse(Buffer.from(pass.token.split('.')[0]!, 'base64url').toString()) as { kid: string; typ: string }
    const jwk = jwks.keys.find((key) => key.kid === header.kid)!
    const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
    const claims = jwt.verify(pass.token, pem, { algorithms: ['ES256'], issuer: server.url, audience: `${server.url}/v` }) as jwt.JwtPayload
    expect(header.typ).toBe('visit-pass+jwt')
    expect(claims).toMatchObject({ sub: 'CLI-0001', jti: pass.jti, pur: 'GANTI_METER', ktp: 'none', cst: '7890' })
  })

  it('officer suspend turns the running server red at once; reactivate turns it back', async () => {
    expect((await cliJson(['officer', 'suspend', 'CLI-0001'])).json.status).toBe('suspended')
    expect(await verdict(pass.token)).toBe('officer_suspended')
    expect((await cliJson(['officer', 'reactivate', 'CLI-0001'])).json.status).toBe('active')
    expect(await verdict(pass.token)).toBe('valid')
  })

  it('badge issue prints token, url, jti and exp', async () => {
    const { code, json } = await cliJson(['badge', 'issue', '--officer', 'CLI-0001'])
    expect(code).toBe(0)
    expect(json).toMatchObject({ url: `${server.url}/v/${json.token as string}` })
    expect(await verdict(json.token as string)).toBe('valid')
  })

  it('key rotate, list and compromise change what the running server accepts at once', async () => {
    const before = (await cliJson(['key', 'list'])).json.keys as { kid: string; state: string }[]
    const oldKid = before.find((k) => k.state === 'active')!.kid
    const rotated = await cliJson(['key', 'rotate'])
    expect(rotated.json).toMatchObject({ state: 'active', previousKid: oldKid })
    const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }
    expect(jwks.keys.map((k) => k.kid)).toContain(rotated.json.kid)
    expect(await verdict(pass.token)).toBe('valid')
    const compromised = await cliJson(['key', 'compromise', oldKid])
    expect(compromised.json).toMatchObject({ kid: oldKid, state: 'compromised' })
    expect(await verdict(pass.token)).toBe('key_revoked')
    const after = (await cliJson(['key', 'list'])).json.keys as { kid: string; state: string }[]
    expect(after.find((k) => k.kid === oldKid)?.state).toBe('compromised')
  })

  it('pass revoke turns the pass red on its next scan', async () => {
    const { json } = await cliJson(['pass', 'issue', '--officer', 'CLI-0001', '--customer', '532100067890', '--purpose', 'GANGGUAN'])
    expect(await verdict(json.token as string)).toBe('valid')
    expect((await cliJson(['pass', 'revoke', json.jti as string])).code).toBe(0)
    expect(await verdict(json.token as string)).toBe('revoked')
  })

  it('bad input exits non-zero with a one-line error and changes nothing', async () => {
    const before = (await cliJson(['key', 'list'])).json
    const attempts = [
      ['pass', 'issue', '--officer', 'CLI-0001', '--customer', '12345', '--purpose', 'GANGGUAN'],
      ['pass', 'issue', '--officer', 'CLI-0001', '--customer', '532100067890', '--purpose', 'JUAL_METER'],
      ['pass', 'issue', '--officer', 'CLI-0001', '--customer', '532100067890', '--purpose', 'CATAT_METER', '--ktp', 'photo'],
      ['pass', 'issue', '--officer', 'CLI-0001', '--customer', '532100067890', '--purpose', 'CATAT_METER', '--ttl', '99999'],
      ['officer', 'suspend', 'NOBODY'],
      ['key', 'retire', 'no-such-kid'],
      ['frobnicate'],
    ]
    const results = await Promise.all(attempts.map((args) => cliJson(args).then((result) => ({ args, ...result }))))
    for (const { args, code, json, stderr } of results) {
      expect(code, args.join(' ')).not.toBe(0)
      expect(typeof json.error).toBe('string')
      expect(stderr).toMatch(/^error: .+$/m)
    }
    expect((await cliJson(['key', 'list'])).json).toEqual(before)
  }, 120_000)

  it('the server printed the demo pass URL, its short code and a QR in the terminal', () => {
    const output = server.output()
    expect(output).toMatch(new RegExp(`${server.url}/v/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+`))
    expect(output).toMatch(/short code: [0-9A-Z]{4}-[0-9A-Z]{4}/)
    expect(output).toContain('▄')
    expect(output).toMatch(/siti +demo-petugas-2026/)
  })

  it('the printed demo officer sign-in works', async () => {
    const page = await fetch(`${server.url}/login`)
    const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
    const form = /name="_form" value="([^"]+)"/.exec(await page.text())?.[1] ?? ''
    const res = await fetch(`${server.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _form: form, username: 'siti', password: 'demo-petugas-2026' }),
    })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/officer')
  })
})
