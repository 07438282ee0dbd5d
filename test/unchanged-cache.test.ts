import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, type Db } from '../db/client.ts'
import { createApp } from '../src/app.tsx'
import { suspendOfficer } from '../src/officers/officers.ts'
import { revokeCredential } from '../src/passes/passes.ts'
import { createServices } from '../src/services.ts'
import { fixedClock, givenPass, givenUnitTree, tempDir, testConfig } from './helpers.ts'

// The verification path answers repeated lookups from memory while SQLite's change counters stand
// still. These cases change the state through a second connection, as the CLI or another worker
// process does, and through the server's own connection, right after a cached green.

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

async function givenServerAndCli() {
  const dir = tempDir('unchanged')
  const path = join(dir.path, 'cek-petugas.db')
  const clock = fixedClock()
  const config = testConfig()
  const open = (): Db => {
    const db = openDatabase(path)
    cleanups.push(() => db.$client.close())
    return db
  }
  cleanups.push(() => dir.remove())
  const server = createApp({ db: open(), config, clock })
  const cli = createServices({ db: open(), config, clock })
  givenUnitTree(cli)
  const pass = await givenPass(cli)
  const verify = async () => (await server.verifier.verify({ token: pass.token }, { via: 'api', clientAddress: '10.0.0.1' })).verdict
  const verifyCode = async () => (await server.verifier.verify({ code: pass.code }, { via: 'code', clientAddress: '10.0.0.1' })).verdict
  return { server, cli, pass, verify, verifyCode }
}

describe('repeated verifications of one credential', () => {
  it('turn red at once when another process revokes the pass', async () => {
    const { cli, pass, verify, verifyCode } = await givenServerAndCli()
    expect([await verify(), await verify(), await verifyCode(), await verifyCode()]).toEqual(['valid', 'valid', 'valid', 'valid'])
    revokeCredential(cli, pass.id, { actor: 'cli' })
    expect([await verify(), await verifyCode()]).toEqual(['revoked', 'revoked'])
  })

  it('turn red at once when another process suspends the officer', async () => {
    const { cli, pass, verify } = await givenServerAndCli()
    expect([await verify(), await verify()]).toEqual(['valid', 'valid'])
    suspendOfficer(cli.db, cli.clock, pass.officer.employeeNo, { actor: 'cli' })
    expect(await verify()).toBe('officer_suspended')
  })

  it('turn red at once when another process marks the signing key compromised', async () => {
    const { cli, pass, verify } = await givenServerAndCli()
    expect([await verify(), await verify()]).toEqual(['valid', 'valid'])
    const { kid } = JSON.parse(Buffer.from(pass.token.split('.')[0]!, 'base64url').toString()) as { kid: string }
    await cli.keys.compromise(kid, 'cli')
    expect(await verify()).toBe('key_revoked')
  })

  it('turn red at once when the server itself revokes the pass', async () => {
    const { server, pass, verify } = await givenServerAndCli()
    expect([await verify(), await verify()]).toEqual(['valid', 'valid'])
    revokeCredential(server.services, pass.id, { actor: 'admin' })
    expect(await verify()).toBe('revoked')
  })
})
