import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.ts'

// DATABASE_URL and its pool settings (docs/deploy.md): bad values stop the start with a message
// naming the variable, never a half-configured server.

describe('database settings', () => {
  it('keeps SQLite in DATA_DIR without DATABASE_URL, with the default pool settings', () => {
    expect(loadConfig({}).database).toEqual({ url: null, poolSize: 10, statementTimeoutMs: 10_000 })
    expect(loadConfig({ DATABASE_URL: '' }).database.url).toBeNull()
  })

  it('takes a postgres:// URL and the pool size and statement timeout', () => {
    const { database } = loadConfig({ DATABASE_URL: 'postgres://app:secret@db.internal:5432/cek', DATABASE_POOL_SIZE: '25', DATABASE_STATEMENT_TIMEOUT_MS: '2500' })
    expect(database).toEqual({ url: 'postgres://app:secret@db.internal:5432/cek', poolSize: 25, statementTimeoutMs: 2500 })
    expect(loadConfig({ DATABASE_URL: 'postgresql://db.internal/cek' }).database.url).toBe('postgresql://db.internal/cek')
  })

  it.each([
    [{ DATABASE_URL: 'mysql://db.internal/cek' }, 'DATABASE_URL must start with postgres://'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL must be a postgres:// URL'],
    [{ DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE must be a whole number from 1 to 200'],
    [{ DATABASE_POOL_SIZE: 'many' }, 'DATABASE_POOL_SIZE must be a whole number from 1 to 200'],
    [{ DATABASE_STATEMENT_TIMEOUT_MS: '-5' }, 'DATABASE_STATEMENT_TIMEOUT_MS must be a whole number of milliseconds'],
  ])('refuses %o with a message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(message)
  })

  it('never repeats the password of a bad URL in its message', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://app:hunter2@db.internal/cek' })).toThrow(/^(?!.*hunter2)/s)
  })
})
