import { and, asc, count, eq, inArray, or, sql } from 'drizzle-orm'
import type { Db, Queries, Transaction } from '../../db/client.ts'
import { officerPhotos, officers, units } from '../../db/schema.ts'
import type { Clock } from '../config.ts'
import { appendAuditRow, audited, type AuditEntry } from '../audit/audit.ts'
import { DomainError } from '../errors.ts'
import { randomBytes } from 'node:crypto'

export type Officer = typeof officers.$inferSelect
export type UnitLevel = (typeof units.$inferSelect)['level']

const EMPLOYEE_NO = /^[A-Za-z0-9][A-Za-z0-9.-]{2,23}$/

export interface NewOfficer {
  employeeNo: string
  name: string
  unitCode?: string | null
  employer?: string | null
  roleTitle?: string | null
  /** Who adds the officer, for the audit log. */
  actor?: string
}

/** Officer fields after trimming, or the first problem with them (as a DomainError). */
export async function validateOfficerFields(
  db: Queries,
  input: Omit<NewOfficer, 'actor'>,
): Promise<{ employeeNo: string; name: string; employer: string; unitCode: string | null; roleTitle: string }> {
  const employeeNo = input.employeeNo.trim()
  const name = input.name.trim().replace(/\s+/g, ' ')
  const employer = input.employer?.trim() || 'PLN'
  const roleTitle = input.roleTitle?.trim() || 'Petugas lapangan'
  if (!EMPLOYEE_NO.test(employeeNo)) {
    throw new DomainError('invalid_employee_no', 'Employee number must be 3–24 letters, digits, dots or hyphens')
  }
  if (name.length < 2 || name.length > 80) throw new DomainError('invalid_name', 'Name must be 2–80 characters')
  if (employer.length > 80) throw new DomainError('invalid_employer', 'Employer must be at most 80 characters')
  if (roleTitle.length > 80) throw new DomainError('invalid_role_title', 'Role must be at most 80 characters')
  const unitCode = input.unitCode?.trim() || null
  if (unitCode && (await db.select({ code: units.code }).from(units).where(eq(units.code, unitCode)).limit(1)).length === 0) {
    throw new DomainError('unknown_unit', `No unit with code ${unitCode}`)
  }
  return { employeeNo, name, employer, unitCode, roleTitle }
}

export function addOfficer(db: Db, clock: Clock, input: NewOfficer): Promise<Officer> {
  return audited(db, clock, (tx) => officerAddition(tx, clock, input))
}

/** addOfficer inside a caller's transaction (a CSV import, the demo data): it commits with the rest. */
export function addOfficerWithin(tx: Transaction, clock: Clock, input: NewOfficer): Promise<Officer> {
  return withinTransaction(tx, clock, officerAddition(tx, clock, input))
}

async function officerAddition(tx: Transaction, clock: Clock, input: NewOfficer): Promise<{ result: Officer; audit: AuditEntry }> {
  const fields = await validateOfficerFields(tx, input)
  if (await findOfficer(tx, fields.employeeNo)) throw new DomainError('duplicate_officer', `Officer ${fields.employeeNo} already exists`)
  const now = clock.now()
  const [officer] = await tx
    .insert(officers)
    .values({ ...fields, createdAt: now, updatedAt: now })
    .returning()
  const { name, unitCode, employer } = fields
  return { result: officer!, audit: { actor: input.actor ?? 'system', action: 'officer.added', subject: `officer:${fields.employeeNo}`, details: { name, unitCode, employer } } }
}

/** What audited() does, in a transaction the caller already holds. */
async function withinTransaction<T>(tx: Transaction, clock: Clock, action: Promise<{ result: T; audit: AuditEntry }>): Promise<T> {
  const { result, audit } = await action
  await appendAuditRow(tx, clock.now(), audit)
  return result
}

/** Changes an officer's name, role, employer or unit; the employee number stays. */
export async function updateOfficer(db: Db, clock: Clock, employeeNo: string, changes: Omit<NewOfficer, 'employeeNo' | 'actor'>, actor: string): Promise<Officer> {
  const officer = await getOfficer(db, employeeNo)
  const fields = await validateOfficerFields(db, { ...changes, employeeNo })
  return audited(db, clock, async (tx) => {
    const [updated] = await tx
      .update(officers)
      .set({ name: fields.name, roleTitle: fields.roleTitle, employer: fields.employer, unitCode: fields.unitCode, updatedAt: clock.now() })
      .where(eq(officers.id, officer.id))
      .returning()
    return {
      result: updated!,
      audit: { actor, action: 'officer.updated', subject: `officer:${employeeNo}`, details: { name: fields.name, roleTitle: fields.roleTitle, employer: fields.employer, unitCode: fields.unitCode } },
    }
  })
}

export interface OfficerListRow {
  officer: Officer
  unitName: string | null
  livePasses: number
}

/** Officers in scope (all when null), filtered and paged, by name. */
export async function listOfficers(
  db: Db,
  options: { scope: Set<number> | null; query?: string; status?: Officer['status'] | null; unitCode?: string | null; now: number; limit: number; offset: number },
): Promise<{ rows: OfficerListRow[]; total: number }> {
  if (options.scope !== null && options.scope.size === 0) return { rows: [], total: 0 }
  const conditions = []
  if (options.scope !== null) conditions.push(inArray(officers.id, [...options.scope]))
  if (options.status) conditions.push(eq(officers.status, options.status))
  if (options.unitCode) conditions.push(eq(officers.unitCode, options.unitCode))
  const query = options.query?.trim().slice(0, 80)
  if (query) {
    const pattern = `%${query.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`
    // lower() on both sides: SQLite's like ignores ASCII case, PostgreSQL's does not.
    conditions.push(or(sql`lower(${officers.name}) like lower(${pattern}) escape '\\'`, sql`lower(${officers.employeeNo}) like lower(${pattern}) escape '\\'`))
  }
  const where = conditions.length > 0 ? and(...conditions) : undefined
  const [counted] = await db.select({ n: count() }).from(officers).where(where)
  const rows = await db
    .select({
      officer: officers,
      unitName: units.name,
      livePasses: sql<number>`(select count(*) from credentials c where c.officer_id = ${officers.id} and c.kind = 'visit_pass' and c.revoked_at is null and c.window_end > ${options.now})`,
    })
    .from(officers)
    .leftJoin(units, eq(units.code, officers.unitCode))
    .where(where)
    .orderBy(asc(officers.name))
    .limit(options.limit)
    .offset(options.offset)
  return { rows, total: counted?.n ?? 0 }
}

export function listUnits(db: Db): Promise<(typeof units.$inferSelect)[]> {
  return db.select().from(units).orderBy(asc(units.code))
}

export async function findOfficer(db: Queries, employeeNo: string): Promise<Officer | null> {
  const [officer] = await db.select().from(officers).where(eq(officers.employeeNo, employeeNo)).limit(1)
  return officer ?? null
}

export async function getOfficer(db: Queries, employeeNo: string): Promise<Officer> {
  const officer = await findOfficer(db, employeeNo)
  if (!officer) throw new DomainError('unknown_officer', `No officer with employee number ${employeeNo}`)
  return officer
}

/** Suspension takes effect on the very next scan: verification reads officer status every time. */
export async function suspendOfficer(db: Db, clock: Clock, employeeNo: string, options: { reason?: string | null; actor: string }): Promise<Officer> {
  const officer = await getOfficer(db, employeeNo)
  if (officer.status === 'suspended') throw new DomainError('already_suspended', `Officer ${employeeNo} is already suspended`)
  return setOfficerStatus(db, clock, officer, 'suspended', options.reason ?? null, options.actor)
}

/** Reactivates a suspended officer; their passes and badges verify again (reactivateOfficerWithPasses in src/passes/passes.ts may cancel them). */
export function reactivateOfficer(db: Db, clock: Clock, employeeNo: string, options: { actor: string }): Promise<Officer> {
  return db.transaction((tx) => reactivateOfficerWithin(tx, clock, employeeNo, { actor: options.actor, details: { passes: 'restore' } }))
}

/** reactivateOfficer inside a caller's transaction; `details` go into its audit row (what became of the old passes). */
export async function reactivateOfficerWithin(tx: Transaction, clock: Clock, employeeNo: string, options: { actor: string; details: NonNullable<AuditEntry['details']> }): Promise<Officer> {
  const officer = await getOfficer(tx, employeeNo)
  if (officer.status === 'active') throw new DomainError('already_active', `Officer ${employeeNo} is already active`)
  const [updated] = await tx.update(officers).set({ status: 'active', statusReason: null, updatedAt: clock.now() }).where(eq(officers.id, officer.id)).returning()
  await appendAuditRow(tx, clock.now(), { actor: options.actor, action: 'officer.reactivated', subject: `officer:${officer.employeeNo}`, details: { reason: null, ...options.details } })
  return updated!
}

function setOfficerStatus(db: Db, clock: Clock, officer: Officer, status: 'suspended', reason: string | null, actor: string): Promise<Officer> {
  return audited(db, clock, async (tx) => {
    const [updated] = await tx.update(officers).set({ status, statusReason: reason, updatedAt: clock.now() }).where(eq(officers.id, officer.id)).returning()
    return {
      result: updated!,
      audit: { actor, action: 'officer.suspended', subject: `officer:${officer.employeeNo}`, details: { reason } },
    }
  })
}

export interface NewPhoto {
  contentType: string
  bytes: Buffer
  actor: string
}

export function setOfficerPhoto(db: Db, clock: Clock, officerId: number, photo: NewPhoto): Promise<string> {
  return audited(db, clock, (tx) => photoChange(tx, clock, officerId, photo))
}

/** setOfficerPhoto inside a caller's transaction (the demo data). */
export function setOfficerPhotoWithin(tx: Transaction, clock: Clock, officerId: number, photo: NewPhoto): Promise<string> {
  return withinTransaction(tx, clock, photoChange(tx, clock, officerId, photo))
}

async function photoChange(tx: Transaction, clock: Clock, officerId: number, photo: NewPhoto): Promise<{ result: string; audit: AuditEntry }> {
  const id = randomBytes(12).toString('base64url')
  await tx.insert(officerPhotos).values({ id, officerId, contentType: photo.contentType, bytes: photo.bytes, createdAt: clock.now() })
  const [officer] = await tx.update(officers).set({ photoId: id, updatedAt: clock.now() }).where(eq(officers.id, officerId)).returning()
  return { result: id, audit: { actor: photo.actor, action: 'officer.photo_changed', subject: `officer:${officer!.employeeNo}`, details: { photoId: id, bytes: photo.bytes.length } } }
}

export async function findOfficerPhoto(db: Db, photoId: string): Promise<{ contentType: string; bytes: Buffer } | null> {
  // Ids are base64url (photoChange); anything else is no photo, and never reaches the database
  // (PostgreSQL refuses text with a NUL byte where SQLite would just find nothing).
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(photoId)) return null
  const [photo] = await db
    .select({ contentType: officerPhotos.contentType, bytes: officerPhotos.bytes })
    .from(officerPhotos)
    .where(eq(officerPhotos.id, photoId))
    .limit(1)
  return photo ?? null
}

export interface NewUnit {
  code: string
  name: string
  level: UnitLevel
  parentCode?: string | null
  timeZone?: string
  /** Telephone area code, e.g. '021' (units.areaCode). */
  areaCode?: string | null
}

export async function addUnit(db: Queries, unit: NewUnit): Promise<void> {
  await db.insert(units).values({ ...unit, parentCode: unit.parentCode ?? null, timeZone: unit.timeZone ?? 'Asia/Jakarta' })
}
