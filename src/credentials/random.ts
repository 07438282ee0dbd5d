import { randomBytes, randomFillSync } from 'node:crypto'

const POOL_SIZE = 4096

const pool = Buffer.alloc(POOL_SIZE)
let next = POOL_SIZE

/**
 * Cryptographically secure random bytes, drawn from a pool the system's generator refills 4 KB
 * at a time. On this kind of machine one call to the generator costs about as much as filling
 * 4 KB, and filing one report needs four small draws (ticket, tracking key, IV, webhook id).
 * Every byte is handed out once, and each caller gets its own copy.
 */
export function secureRandomBytes(size: number): Buffer {
  if (size > POOL_SIZE / 8) return randomBytes(size)
  if (next + size > POOL_SIZE) {
    randomFillSync(pool)
    next = 0
  }
  const bytes = Buffer.from(pool.subarray(next, next + size))
  next += size
  return bytes
}

/**
 * A random base64url id that never starts with `-` or `_`, so it can be passed as a command-line
 * argument (`pass revoke <jti>`, `key retire <kid>`) without being taken for an option.
 */
export function randomId(bytes: number): string {
  for (;;) {
    const id = secureRandomBytes(bytes).toString('base64url')
    if (/^[A-Za-z0-9]/.test(id)) return id
  }
}
