import { randomBytes } from 'node:crypto'

/**
 * A random base64url id that never starts with `-` or `_`, so it can be passed as a command-line
 * argument (`pass revoke <jti>`, `key retire <kid>`) without being taken for an option.
 *
 * Random bytes come straight from `crypto.randomBytes`, which gives each call a buffer of its
 * own: no secret (session, CSRF or tracking key, KEK) is carved out of a buffer shared with others.
 */
export function randomId(bytes: number): string {
  for (;;) {
    const id = randomBytes(bytes).toString('base64url')
    if (/^[A-Za-z0-9]/.test(id)) return id
  }
}
