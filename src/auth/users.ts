import { and, asc, count, eq, isNull, ne } from 'drizzle-orm'
import type { Db, Queries, Transaction } from '../../db/client.ts'
import { officers, users } from '../../db/schema.ts'
import type { Clock } from '../config.ts'
import { audited } from '../audit/audit.ts'
import { DomainError } from '../errors.ts'
import { findOfficer } from '../officers/officers.ts'
import { invalidateUserSessions } from './sessions.ts'
import { hashPassword, passwordProblem, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './passwords.ts'

export type User = typeof users.$inferSelect
export type Role = User['role']
export const ROLES: readonly Role[] = ['officer', 'supervisor', 'admin', 'cso']

/** Roles of people who are not field officers: their accounts stand alone (a 123 agent, an admin). */
const UNLINKED_ROLES: readonly Role[] = ['admin', 'cso']

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
  if (!isRole(input.role)) throw new DomainError('invalid_role', 'Role must be officer, supervisor, admin or cso')
  const problem = passwordProblem(input.password)
  if (problem === 'too_short') throw new DomainError('password_too_short', `Password must be at least ${PASSWORD_MIN_LENGTH} characters`)
  if (problem === 'too_long') throw new DomainError('password_too_long', `Password must be at most ${PASSWORD_MAX_LENGTH} characters`)
  let officerId: number | null = null
  if (input.officerEmployeeNo) {
    const officer = await findOfficer(db, input.officerEmployeeNo)
    if (!officer) throw new DomainError('unknown_officer', `No officer with employee number ${input.officerEmployeeNo}`)
    officerId = officer.id
  } else if (!UNLINKED_ROLES.includes(input.role)) {
    throw new DomainError('officer_required', `A ${input.role} account must be linked to an officer (--officer)`)
  }
  if (await findUserByUsername(db, username)) throw new DomainError('duplicate_user', `User ${username} already exists`)
  const passwordHash = await hashPassword(input.password)
  const now = clock.now()
  const role = input.role
  return audited(db, clock, async (tx) => {
    const [user] = await tx.insert(users).values({ username, passwordHash, role, officerId, createdAt: now, updatedAt: now }).returning()
    return {
      result: user!,
      audit: { actor: input.actor ?? 'system', action: 'user.added', subject: `user:${username}`, details: { role, officer: input.officerEmployeeNo ?? null } },
    }
  })
}

export async function findUserByUsername(db: Queries, username: string): Promise<User | null> {
  const [user] = await db.select().from(users).where(eq(users.username, normalizeUsername(username))).limit(1)
  return user ?? null
}

export interface UserListRow {
  user: Pick<User, 'id' | 'username' | 'role' | 'disabledAt' | 'createdAt'>
  officerEmployeeNo: string | null
  officerName: string | null
}

export function listUsers(db: Db): Promise<UserListRow[]> {
  return db
    .select({
      user: { id: users.id, username: users.username, role: users.role, disabledAt: users.disabledAt, createdAt: users.createdAt },
      officerEmployeeNo: officers.employeeNo,
      officerName: officers.name,
    })
    .from(users)
    .leftJoin(officers, eq(officers.id, users.officerId))
    .orderBy(asc(users.username))
}

export async function getUser(db: Queries, username: string): Promise<User> {
  const user = await findUserByUsername(db, username)
  if (!user) throw new DomainError('unknown_user', `No user ${username}`)
  return user
}

/** Disabling ends the user's sessions in the same transaction. The last enabled admin stays. */
export async function setUserDisabled(db: Db, clock: Clock, username: string, disabled: boolean, actor: string, options: { evenLastAdmin?: boolean } = {}): Promise<User> {
  const user = await getUser(db, username)
  const now = clock.now()
  return audited(db, clock, async (tx) => {
    if (disabled && user.role === 'admin' && !options.evenLastAdmin) await refuseLosingLastAdmin(tx, user)
    const [updated] = await tx.update(users).set({ disabledAt: disabled ? now : null, updatedAt: now }).where(eq(users.id, user.id)).returning()
    if (disabled) await invalidateUserSessions(tx, user.id)
    return { result: updated!, audit: { actor, action: disabled ? 'user.disabled' : 'user.enabled', subject: `user:${user.username}` } }
  })
}

/**
 * Counted inside the change's own immediate transaction, so two admins disabling each other at
 * the same moment cannot both succeed.
 */
async function refuseLosingLastAdmin(tx: Transaction, user: User): Promise<void> {
  const [others] = await tx
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.role, 'admin'), isNull(users.disabledAt), ne(users.id, user.id)))
  if ((others?.n ?? 0) === 0) throw new DomainError('last_admin', `${user.username} is the last enabled admin; enable or add another admin first`)
}

/** A new password set by an admin; the user's sessions end. */
export async function resetUserPassword(db: Db, clock: Clock, username: string, password: string, actor: string): Promise<User> {
  const user = await getUser(db, username)
  const problem = passwordProblem(password)
  if (problem === 'too_short') throw new DomainError('password_too_short', `Password must be at least ${PASSWORD_MIN_LENGTH} characters`)
  if (problem === 'too_long') throw new DomainError('password_too_long', `Password must be at most ${PASSWORD_MAX_LENGTH} characters`)
  const passwordHash = await hashPassword(password)
  return audited(db, clock, async (tx) => {
    const [updated] = await tx.update(users).set({ passwordHash, updatedAt: clock.now() }).where(eq(users.id, user.id)).returning()
    await invalidateUserSessions(tx, user.id)
    return { result: updated!, audit: { actor, action: 'user.password_reset', subject: `user:${user.username}` } }
  })
}

/** A new role; the user's sessions end so the new rights apply from the next sign-in. */
export async function changeUserRole(db: Db, clock: Clock, username: string, role: string, actor: string): Promise<User> {
  const user = await getUser(db, username)
  if (!isRole(role)) throw new DomainError('invalid_role', 'Role must be officer, supervisor, admin or cso')
  if (!UNLINKED_ROLES.includes(role) && user.officerId === null) throw new DomainError('officer_required', `A ${role} account must be linked to an officer`)
  return audited(db, clock, async (tx) => {
    if (user.role === 'admin' && role !== 'admin') await refuseLosingLastAdmin(tx, user)
    const [updated] = await tx.update(users).set({ role, updatedAt: clock.now() }).where(eq(users.id, user.id)).returning()
    await invalidateUserSessions(tx, user.id)
    return { result: updated!, audit: { actor, action: 'user.role_changed', subject: `user:${user.username}`, details: { from: user.role, to: role } } }
  })
}
