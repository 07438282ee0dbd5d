import { statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Db } from '../db/client.ts'
import { signingKeys } from '../db/schema.ts'
import { KeyRing } from '../src/credentials/keys.ts'
import { loadSecrets } from '../src/credentials/secrets.ts'
import { createTestApp, fixedClock, givenBadge, givenPass, tempDir } from './helpers.ts'
import { openDataDirDatabase } from './support/test-database.ts'

async function jwksKids(request: Awaited<ReturnType<typeof createTestApp>>['request']): Promise<string[]> {
  const res = await request('/.well-known/jwks.json')
  const body = (await res.json()) as { keys: { kid: string; alg: string; d?: string }[] }
  for (const key of body.keys) {
    expect(key.alg).toBe('ES256')
    expect(key.d).toBeUndefined()
  }
  return body.keys.map((k) => k.kid)
}

describe('signing keys', () => {
  it('creates one active ES256 key on first use and serves its public half in the JWKS', async () => {
    const { services, request } = await createTestApp()
    await services.keys.ensureActiveKey()
    const keys = await services.keys.list()
    expect(keys.map((k) => k.state)).toEqual(['active'])
    expect(await jwksKids(request)).toEqual([keys[0]!.kid])
  })

  it('keeps private keys encrypted at rest', async () => {
    const { services } = await createTestApp()
    await services.keys.ensureActiveKey()
    const row = (await services.db.select().from(signingKeys).get())!
    expect(row.encryptedPrivateJwk).toMatch(/^v1\./)
    expect(row.encryptedPrivateJwk).not.toContain('"d"')
    // Another KEK cannot use the key.
    const other = new KeyRing(services.db, loadSecrets({ kek: 'a-completely-different-kek-0123456789', dataDir: '/none' }), services.clock)
    await expect(other.signingKey()).rejects.toThrow()
  })

  it('creates the key-encryption key file with mode 0600 when KEK is not set', () => {
    const dir = tempDir('kek')
    try {
      const first = loadSecrets({ kek: null, dataDir: dir.path })
      expect(statSync(join(dir.path, 'kek.key')).mode & 0o777).toBe(0o600)
      const second = loadSecrets({ kek: null, dataDir: dir.path })
      expect(second.keyEncryptionKey.equals(first.keyEncryptionKey)).toBe(true)
    } finally {
      dir.remove()
    }
  })

  it('rotation keeps old passes valid and signs new ones with the new key; the JWKS follows at once', async () => {
    const { services, request } = await createTestApp()
    const before = await givenPass(services)
    const { kid, previousKid } = await services.keys.rotate('test')
    expect(await jwksKids(request)).toEqual([previousKid, kid])
    const after = await givenPass(services)
    expect(JSON.parse(Buffer.from(after.token.split('.')[0]!, 'base64url').toString()).kid).toBe(kid)
    for (const token of [before.token, after.token]) {
      expect(((await (await request(`/api/v1/verify/${token}`)).json()) as { verdict: string }).verdict).toBe('valid')
    }
  })

  it('refuses to retire a key that still vouches for live credentials, unless forced; retired tokens are forged', async () => {
    const { services, request, clock } = await createTestApp()
    const badge = await givenBadge(services)
    const { previousKid } = await services.keys.rotate('test')
    clock.advance(10 * 60 * 1000)
    await expect(services.keys.retire(previousKid!, { actor: 'test' })).rejects.toThrow(/live credential/)
    await services.keys.retire(previousKid!, { force: true, actor: 'test' })
    expect(await jwksKids(request)).not.toContain(previousKid)
    expect(((await (await request(`/api/v1/verify/${badge.token}`)).json()) as { verdict: string }).verdict).toBe('forged')
  })

  it('refuses to retire the active key', async () => {
    const { services } = await createTestApp()
    await services.keys.ensureActiveKey()
    await expect(services.keys.retire((await services.keys.list())[0]!.kid, { actor: 'test' })).rejects.toThrow(/rotate first/)
  })

  it('compromising the active key rejects its tokens, removes it from the JWKS and puts a new key in its place', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    const kid = (await services.keys.list())[0]!.kid
    const { replacementKid } = await services.keys.compromise(kid, 'test')
    expect(replacementKid).toBeTruthy()
    expect(await jwksKids(request)).toEqual([replacementKid])
    expect(((await (await request(`/api/v1/verify/${pass.token}`)).json()) as { verdict: string }).verdict).toBe('key_revoked')
    // New passes are signed by the new key.
    const again = await givenPass(services, { officer: pass.officer })
    expect(((await (await request(`/api/v1/verify/${again.token}`)).json()) as { verdict: string }).verdict).toBe('valid')
  })

  it('two processes starting together on one database agree on a single active key', async () => {
    const dir = tempDir('keys')
    try {
      const secrets = loadSecrets({ kek: null, dataDir: dir.path })
      const clock = fixedClock()
      const ring = (db: Db) => new KeyRing(db, secrets, clock)
      // Two connections to one database, as two processes on one DATA_DIR (or DATABASE_URL) have.
      const rings = [ring(await openDataDirDatabase(dir.path)), ring(await openDataDirDatabase(dir.path))]
      await Promise.all(rings.map((ring) => ring.ensureActiveKey()))
      expect((await rings[0]!.list()).filter((k) => k.state === 'active')).toHaveLength(1)
    } finally {
      dir.remove()
    }
  })
})

describe('tokens', () => {
  it('stay short with a long origin (under 600 characters without a work order, under 660 with a 30-character one), and never carry the full ID pelanggan', async () => {
    const { services } = await createTestApp({ config: { publicUrl: 'https://cek-petugas.pln.co.id' } })
    // The status-list claim of DESIGN §12 (about 120 characters with this origin) is in every new token.
    const usual = await givenPass(services, { purpose: 'GANTI_METER' })
    expect(usual.token.length).toBeLessThan(600)
    const pass = await givenPass(services, { purpose: 'BALIK_NAMA', workOrder: 'BN/UP3-MTG/ULP-CKN/2026/000123' })
    expect(pass.token.length).toBeLessThan(660)
    const payload = Buffer.from(pass.token.split('.')[1]!, 'base64url').toString()
    expect(payload).not.toContain('532100012345')
    expect(JSON.parse(payload)).toMatchObject({ cst: '2345', pur: 'BALIK_NAMA', ktp: 'photo', unt: 'ULP-CKN' })
  })
})
