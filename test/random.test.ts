import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { randomId } from '../src/credentials/random.ts'

const ROOT = join(import.meta.dirname, '..')

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.tsx?$/.test(name))
    .map((name) => join(dir, name))
}

describe('random bytes for secrets', () => {
  it('come in a buffer of their own for every draw, never a slice of a shared pool', () => {
    const draws = Array.from({ length: 2000 }, () => randomBytes(16))
    for (const bytes of draws) {
      expect(bytes.byteOffset).toBe(0)
      expect(bytes.buffer.byteLength).toBe(bytes.length)
    }
    expect(new Set(draws.map((bytes) => bytes.buffer)).size).toBe(draws.length)
    expect(new Set(draws.map((bytes) => bytes.toString('hex'))).size).toBe(draws.length)
  })

  it('are drawn by the product straight from crypto.randomBytes: no code fills a buffer kept for later draws', () => {
    const pooled = [...sourceFiles('src'), ...sourceFiles('db')].filter((file) => /\brandomFill(Sync)?\(|secureRandomBytes/.test(readFileSync(join(ROOT, file), 'utf8')))
    expect(pooled).toEqual([])
  })

  it('make ids that never start like a command-line option, so `pass revoke <jti>` always works', () => {
    const ids = Array.from({ length: 3000 }, () => randomId(12))
    expect(ids.every((id) => /^[A-Za-z0-9][A-Za-z0-9_-]{15}$/.test(id))).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
  })
})
