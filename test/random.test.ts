import { describe, expect, it } from 'vitest'
import { randomId, secureRandomBytes } from '../src/credentials/random.ts'

describe('secureRandomBytes', () => {
  it('hands out each byte of the pool once, across refills, in copies the caller owns', () => {
    const draws = Array.from({ length: 2000 }, () => secureRandomBytes(16))
    expect(draws.every((bytes) => bytes.length === 16)).toBe(true)
    // 32 000 bytes span several 4 KB refills; any reuse would repeat a 16-byte value.
    expect(new Set(draws.map((bytes) => bytes.toString('hex'))).size).toBe(draws.length)
    const first = Buffer.from(draws[0]!)
    draws[1]!.fill(0)
    expect(draws[0]).toEqual(first)
  })

  it('serves sizes larger than the pool straight from the generator', () => {
    const big = secureRandomBytes(10_000)
    expect(big.length).toBe(10_000)
    expect(new Set(big).size).toBeGreaterThan(200)
  })

  it('makes ids that never start like a command-line option, so `pass revoke <jti>` always works', () => {
    const ids = Array.from({ length: 3000 }, () => randomId(12))
    expect(ids.every((id) => /^[A-Za-z0-9][A-Za-z0-9_-]{15}$/.test(id))).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
  })
})
