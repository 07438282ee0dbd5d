// The customer's right of access (UU PDP Art. 7): everything held about their visits, found by
// the keyed hash of their ID pelanggan, as `privacy export` prints it. Like retention, it reads
// across the tables of passes, scans and door checks, which all key a customer the same way.
import { and, asc, eq, inArray } from 'drizzle-orm'
import { credentials, doorChecks, officers, scans } from '../../db/schema.ts'
import { appendAuditRow } from '../audit/audit.ts'
import { DomainError } from '../errors.ts'
import { visitPasswordRecord } from '../households/visit-passwords.ts'
import { wibDay } from '../i18n/time.ts'
import { hashCustomerId } from '../passes/passes.ts'
import { passStatus } from '../passes/present.ts'
import type { Services } from '../services.ts'
import { normalizeCustomerId } from '../verification/customer-check.ts'

export interface CustomerExport {
  customerLast4: string
  exportedAt: string
  visitPasses: {
    jti: string
    officer: { employeeNo: string; name: string; unit: string | null; employer: string }
    purpose: string | null
    ktpPolicy: string | null
    workOrder: string | null
    windowStart: string
    windowEnd: string
    issuedAt: string
    issuedBy: string
    status: string
    revokedAt: string | null
    /** Checks of this pass per WIB day and verdict; no addresses, not even hashed. */
    scans: { day: string; verdict: string; count: number }[]
  }[]
  visitPassword: { set: false } | { set: true; setAt: string; setBy: string; word?: string }
  doorChecks: { startedAt: string; state: string; confirmedAt: string | null; pass: string | null; officer: string | null }[]
}

/**
 * What is held about the customer with this ID pelanggan, written to the audit log as
 * `privacy.exported`. The visit password's word is sealed: only `includeWord` prints it.
 */
export async function exportCustomerData(services: Services, input: { customerId: string; includeWord: boolean; actor: string }): Promise<CustomerExport> {
  const customerId = normalizeCustomerId(input.customerId)
  if (!customerId) throw new DomainError('invalid_customer_id', 'ID pelanggan must be exactly 12 digits')
  const { db, clock } = services
  const customerHash = hashCustomerId(services, customerId)
  const now = clock.now()
  const passes = await db
    .select({ pass: credentials, officer: { employeeNo: officers.employeeNo, name: officers.name, unit: officers.unitCode, employer: officers.employer } })
    .from(credentials)
    .innerJoin(officers, eq(officers.id, credentials.officerId))
    .where(and(eq(credentials.kind, 'visit_pass'), eq(credentials.customerHash, customerHash)))
    .orderBy(asc(credentials.issuedAt))
  const passIds = passes.map((row) => row.pass.id)
  const scanRows = passIds.length === 0 ? [] : await db.select({ credentialId: scans.credentialId, verdict: scans.verdict, at: scans.scannedAt }).from(scans).where(inArray(scans.credentialId, passIds))
  const doors = await db
    .select({ check: doorChecks, officer: officers.employeeNo })
    .from(doorChecks)
    .leftJoin(officers, eq(officers.id, doorChecks.officerId))
    .where(eq(doorChecks.customerHash, customerHash))
    .orderBy(asc(doorChecks.createdAt))
  const password = await visitPasswordRecord(services, customerHash, input.includeWord)

  const result: CustomerExport = {
    customerLast4: customerId.slice(-4),
    exportedAt: iso(now),
    visitPasses: passes.map(({ pass, officer }) => ({
      jti: pass.id,
      officer,
      purpose: pass.purpose,
      ktpPolicy: pass.ktpPolicy,
      workOrder: pass.workOrder,
      windowStart: iso(pass.windowStart),
      windowEnd: iso(pass.windowEnd),
      issuedAt: iso(pass.issuedAt),
      issuedBy: pass.issuedBy,
      status: passStatus(pass, now),
      revokedAt: pass.revokedAt === null ? null : iso(pass.revokedAt),
      scans: scansByDay(scanRows.filter((scan) => scan.credentialId === pass.id)),
    })),
    visitPassword: password ? { set: true, setAt: iso(password.setAt), setBy: password.setBy, ...(password.word === undefined ? {} : { word: password.word }) } : { set: false },
    doorChecks: doors.map(({ check, officer }) => ({
      startedAt: iso(check.createdAt),
      state: check.state === 'waiting' && check.expiresAt <= now ? 'expired' : check.state,
      confirmedAt: check.confirmedAt === null ? null : iso(check.confirmedAt),
      pass: check.credentialId,
      officer,
    })),
  }
  await db.transaction((tx) =>
    appendAuditRow(tx, clock.now(), {
      actor: input.actor,
      action: 'privacy.exported',
      subject: `customer:${customerHash}`,
      details: { customerLast4: result.customerLast4, passes: passes.length, doorChecks: doors.length, includeWord: input.includeWord },
    }),
  )
  return result
}

function scansByDay(rows: { verdict: string; at: number }[]): CustomerExport['visitPasses'][number]['scans'] {
  const counts = new Map<string, { day: string; verdict: string; count: number }>()
  for (const row of rows) {
    const day = wibDay(row.at)
    const key = `${day} ${row.verdict}`
    const entry = counts.get(key) ?? { day, verdict: row.verdict, count: 0 }
    entry.count++
    counts.set(key, entry)
  }
  return [...counts.values()].sort((a, b) => a.day.localeCompare(b.day) || a.verdict.localeCompare(b.verdict))
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}
