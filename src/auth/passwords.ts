import { hash, verify } from '@node-rs/argon2'

/**
 * argon2id at the OWASP Password Storage Cheat Sheet's first recommendation:
 * m = 19 MiB, t = 2, p = 1. (Algorithm 2 is argon2id in @node-rs/argon2.)
 */
export const PASSWORD_HASH_OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

/** ASVS 2.1.1/2.1.2: at least 12 characters, at least 64 allowed, never truncated. */
export const PASSWORD_MIN_LENGTH = 12
export const PASSWORD_MAX_LENGTH = 256

export function passwordProblem(password: string): 'too_short' | 'too_long' | null {
  const length = [...password].length
  if (length < PASSWORD_MIN_LENGTH) return 'too_short'
  if (length > PASSWORD_MAX_LENGTH) return 'too_long'
  return null
}

export function hashPassword(password: string): Promise<string> {
  return hash(password.normalize('NFC'), PASSWORD_HASH_OPTIONS)
}

/**
 * Whether `password` matches the stored hash. A hash that cannot be read (a damaged row, a bad
 * import) never matches and is logged with the owner's user id, never with the hash itself.
 */
export async function verifyPassword(passwordHash: string, password: string, owner: { userId: number } | null = null): Promise<boolean> {
  if (password.length > PASSWORD_MAX_LENGTH * 4) return false
  try {
    return await verify(passwordHash, password.normalize('NFC'))
  } catch (error) {
    const reason = error instanceof Error ? error.message.slice(0, 80) : 'unknown error'
    console.error(`The stored password hash of ${owner ? `user ${owner.userId}` : 'the dummy check'} cannot be read (${reason}); the sign-in was refused. Reset that user's password.`)
    return false
  }
}

let dummyHash: Promise<string> | null = null

/** Spends the same time as a real check, so an unknown username answers like a wrong password. */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('dummy password that never matches')
  await verifyPassword(await dummyHash, password)
  return false
}
