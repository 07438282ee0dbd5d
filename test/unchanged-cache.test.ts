import { afterEach, describe, expect, it } from 'vitest'
import { databasePath, openDatabase, type Db } from '../db/client.ts'
import { UnchangedDatabaseCache, type CurrentLookups } from '../db/unchanged-cache.ts'
import { suspendOfficer } from '../src/officers/officers.ts'
import { revokeCredential } from '../src/passes/passes.ts'
import { createServices } from '../src/services.ts'
import { createTestApp, fixedClock, givenPass, tempDir } from './helpers.ts'
import { openDataDirDatabase } from './support/test-database.ts'

// The verification path answers repeated lookups from memory while SQLite's change counters stand
// still. These cases change the state through a second connection, as the CLI or another worker
// process does, and through the server's own connection, right after a cached green.

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

async function givenServerAndCli() {
  const dir = tempDir('unchanged')
  const clock = fixedClock()
  // Two connections to the database of one DATA_DIR, on the suite's engine.
  const open = async (): Promise<Db> => {
    const db = await openDataDirDatabase(dir.path)
    cleanups.push(() => void db.close())
    return db
  }
  cleanups.push(() => dir.remove())
  const server = await createTestApp({ db: await open(), clock })
  const cli = createServices({ db: await open(), config: server.config, clock })
  const pass = await givenPass(cli)
  const verify = async () => (await server.verifier.verify({ token: pass.token }, { via: 'api', clientAddress: '10.0.0.1' })).verdict
  const verifyCode = async () => (await server.verifier.verify({ code: pass.code }, { via: 'code', clientAddress: '10.0.0.1' })).verdict
  return { server, cli, pass, verify, verifyCode }
}

describe('repeated verifications of one credential', () => {
  it('turn red at once when another process revokes the pass', async () => {
    const { cli, pass, verify, verifyCode } = await givenServerAndCli()
    expect([await verify(), await verify(), await verifyCode(), await verifyCode()]).toEqual(['valid', 'valid', 'valid', 'valid'])
    await revokeCredential(cli, pass.id, { actor: 'cli' })
    expect([await verify(), await verifyCode()]).toEqual(['revoked', 'revoked'])
  })

  it('turn red at once when another process suspends the officer', async () => {
    const { cli, pass, verify } = await givenServerAndCli()
    expect([await verify(), await verify()]).toEqual(['valid', 'valid'])
    await suspendOfficer(cli.db, cli.clock, pass.officer.employeeNo, { actor: 'cli' })
    expect(await verify()).toBe('officer_suspended')
  })

  it('turn red at once when another process marks the signing key compromised', async () => {
    const { cli, verify } = await givenServerAndCli()
    expect([await verify(), await verify()]).toEqual(['valid', 'valid'])
    await cli.keys.compromise((await cli.keys.list())[0]!.kid, 'cli')
    expect(await verify()).toBe('key_revoked')
  })

  it('turn red at once when the server itself revokes the pass', async () => {
    const { server, pass, verify } = await givenServerAndCli()
    expect([await verify(), await verify()]).toEqual(['valid', 'valid'])
    await revokeCredential(server.services, pass.id, { actor: 'admin' })
    expect(await verify()).toBe('revoked')
  })
})

describe('lookups through UnchangedDatabaseCache.current()', () => {
  function givenTwoConnections() {
    const dir = tempDir('unchanged-lookups')
    const path = databasePath(dir.path)
    const server = openDatabase(path)
    const cli = openDatabase(path)
    cleanups.push(() => dir.remove(), () => server.$client.close(), () => cli.$client.close())
    server.$client.exec('create table facts (name text primary key, value text)')
    server.$client.exec("insert into facts values ('state', 'active')")
    const readState = server.$client.prepare<[], { value: string }>("select value from facts where name = 'state'")
    let reads = 0
    const lookup = (lookups: CurrentLookups) => lookups.get('state', () => (reads++, readState.get()!.value))
    return { server, cli, lookup, reads: () => reads }
  }

  it('answer from memory while no connection commits, and read again after any commit', async () => {
    const { server, cli, lookup, reads } = givenTwoConnections()
    const cache = new UnchangedDatabaseCache(server)
    expect([await lookup(cache.current()), await lookup(cache.current()), await lookup(cache.current())]).toEqual(['active', 'active', 'active'])
    expect(reads()).toBe(1)

    cli.$client.exec("update facts set value = 'suspended'")
    expect(await lookup(cache.current())).toBe('suspended')
    server.$client.exec("update facts set value = 'active'")
    expect(await lookup(cache.current())).toBe('active')
    expect(reads()).toBe(3)
  })

  it('keep one answer per key within one check, and never answer from before a commit that preceded it', async () => {
    const { server, cli, lookup } = givenTwoConnections()
    const cache = new UnchangedDatabaseCache(server)
    const earlier = cache.current()
    expect(await lookup(earlier)).toBe('active')
    cli.$client.exec("update facts set value = 'suspended'")
    // A check that began before the commit may keep its answer; any check begun after it may not.
    expect(await lookup(earlier)).toBe('active')
    expect(await lookup(cache.current())).toBe('suspended')
  })
})
