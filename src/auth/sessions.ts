import { eq, inArray, lt, or, sql } from 'drizzle-orm'
import type { Db, Queries } from '../../db/client.ts'
import { officers, sessions, users } from '../../db/schema.ts'
import type { Clock } from '../config.ts'
import { sha256 } from '../credentials/secrets.ts'
import type { Role } from './users.ts'
import { randomBytes } from 'node:crypto'

/** An officer in the field may not touch the phone for a while; a working day bounds everything. */
export const SESSION_IDLE_MS = 60 * 60 * 1000
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000
/** lastSeenAt is written at most this often, so a busy page does not write on every request. */
const TOUCH_INTERVAL_MS = 60 * 1000

export interface AuthContext {
  sessionIdHash: string
  csrfToken: string
  user: { id: number; username: string; role: Role }
  /** The officer this account belongs to (officers and supervisors always have one). */
  officer: { id: number; employeeNo: string; name: string; unitCode: string | null } | null
}

export async function createSession(db: Db, clock: Clock, userId: number): Promise<{ token: string; csrfToken: string }> {
  const token = randomBytes(32).toString('base64url')
  const csrfToken = randomBytes(24).toString('base64url')
  const now = clock.now()
  await db.insert(sessions).values({ idHash: sha256(token), userId, csrfToken, createdAt: now, lastSeenAt: now, expiresAt: now + SESSION_ABSOLUTE_MS })
  return { token, csrfToken }
}

/**
 * The session behind a cookie, or null when it is unknown, idle or past its absolute limit, its
 * user is disabled, or its officer is suspended: each of those ends the session on the server.
 */
export async function validateSession(db: Db, clock: Clock, token: string): Promise<AuthContext | null> {
  if (token.length > 100) return null
  const idHash = sha256(token)
  const [row] = await db
    .select({
      session: sessions,
      user: { id: users.id, username: users.username, role: users.role, disabledAt: users.disabledAt },
      officer: { id: officers.id, employeeNo: officers.employeeNo, name: officers.name, unitCode: officers.unitCode, status: officers.status },
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(officers, eq(officers.id, users.officerId))
    .where(eq(sessions.idHash, idHash))
    .limit(1)
  if (!row) return null
  const now = clock.now()
  const ended =
    row.session.expiresAt <= now ||
    row.session.lastSeenAt + SESSION_IDLE_MS <= now ||
    row.user.disabledAt !== null ||
    (row.officer !== null && row.officer.status !== 'active')
  if (ended) {
    await invalidateSession(db, idHash)
    return null
  }
  if (now - row.session.lastSeenAt > TOUCH_INTERVAL_MS) await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.idHash, idHash))
  const { officer } = row
  return {
    sessionIdHash: idHash,
    csrfToken: row.session.csrfToken,
    user: { id: row.user.id, username: row.user.username, role: row.user.role },
    officer: officer && { id: officer.id, employeeNo: officer.employeeNo, name: officer.name, unitCode: officer.unitCode },
  }
}

export async function invalidateSession(db: Db, idHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.idHash, idHash))
}

/** Ends the session behind a cookie value, whatever state it is in. */
export async function invalidateSessionOfToken(db: Db, token: string): Promise<void> {
  if (token.length <= 100) await invalidateSession(db, sha256(token))
}

/** Ends every session of one account; pass the transaction that changes the account, so both commit together. */
export async function invalidateUserSessions(db: Queries, userId: number): Promise<void> {
  await db.delete(sessions).where(eq(sessions.userId, userId))
}

/** Ends the sessions of every account linked to an officer (on suspension). */
export async function invalidateOfficerSessions(db: Db, officerId: number): Promise<void> {
  await db.delete(sessions).where(inArray(sessions.userId, db.select({ id: users.id }).from(users).where(eq(users.officerId, officerId))))
}

export async function deleteExpiredSessions(db: Db, clock: Clock): Promise<void> {
  const now = clock.now()
  await db.delete(sessions).where(or(lt(sessions.expiresAt, now), lt(sessions.lastSeenAt, sql`${now - SESSION_IDLE_MS}`)))
}
