import { eq } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { officers, users } from '../../db/schema.ts'
import type { Clock } from '../config.ts'
import { audited } from '../audit/audit.ts'
import { DomainError } from '../errors.ts'
import { hashPassword, passwordProblem, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './passwords.ts'

export type User = typeof users.$inferSelect
export type Role = User['role']
export const ROLES: readonly Role[] = ['officer', 'supervisor', 'admin']

const USERNAME = /^[a-z0-9][a-z0-9._-]{2,31}$/

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value)
}

export function normalizeUsername(input: string): string {
  return input.trim().toLowerCase()
}

export interface NewUser {
  username: string
  password: string
  role: string
  officerEmployeeNo?: string | null
  /** Who creates the account, for the audit log. */
  actor?: string
}

export async function createUser(db: Db, clock: Clock, input: NewUser): Promise<User> {
  const username = normalizeUsername(input.username)
  if (!USERNAME.test(username)) throw new DomainError('invalid_username', 'Username must be 3–32 lowercase letters, digits, dots, hyphens or underscores')
  if (!isRole(input.role)) throw new DomainError('invalid_role', 'Role must be officer, supervisor or admin')
  const problem = passwordProblem(input.password)
  if (problem === 'too_short') throw new DomainError('password_too_short', `Password must be at least ${PASSWORD_MIN_LENGTH} characters`)
  if (problem === 'too_long') throw new DomainError('password_too_long', `Password must be at most ${PASSWORD_MAX_LENGTH} characters`)
  let officerId: number | null = null
  if (input.officerEmployeeNo) {
    const officer = db.select({ id: officers.id }).from(officers).where(eq(officers.employeeNo, input.officerEmployeeNo)).get()
    if (!officer) throw new DomainError('unknown_officer', `No officer with employee number ${input.officerEmployeeNo}`)
    officerId = officer.id
  } else if (input.role !== 'admin') {
    throw new DomainError('officer_required', `A ${input.role} account must be linked to an officer (--officer)`)
  }
  if (findUserByUsername(db, username)) throw new DomainError('duplicate_user', `User ${username} already exists`)
  const passwordHash = await hashPassword(input.password)
  const now = clock.now()
  const role = input.role
  return audited(db, clock, (tx) => ({
    result: tx.insert(users).values({ username, passwordHash, role, officerId, createdAt: now, updatedAt: now }).returning().get(),
    audit: { actor: input.actor ?? 'system', action: 'user.added', subject: `user:${username}`, details: { role, officer: input.officerEmployeeNo ?? null } },
  }))
}

export function findUserByUsername(db: Db, username: string): User | null {
  return db.select().from(users).where(eq(users.username, normalizeUsername(username))).get() ?? null
}
