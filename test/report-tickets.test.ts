import { eq } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import { reports } from '../db/schema.ts'
import { createReport } from '../src/reports/reports.ts'
import { NO_DETAILS } from '../src/reports/details.ts'
import { createTestApp } from './helpers.ts'

// The ticket generator is the one source of randomness here; replaying a taken ticket is the only
// way to make a 40-bit collision happen on purpose.
const drawn = vi.hoisted(() => ({ queue: [] as string[] }))
vi.mock('../src/reports/tracking.ts', async (original) => {
  const actual = await original<typeof import('../src/reports/tracking.ts')>()
  return { ...actual, newTicket: () => drawn.queue.shift() ?? actual.newTicket() }
})

const bareTap = { subject: null, verification: null, clientAddress: '10.1.2.3', details: NO_DETAILS }

describe('report tickets', () => {
  it('draws another ticket when the first one drawn is taken, and leaves the earlier report as it was', async () => {
    const { services } = await createTestApp()
    const first = await createReport(services, bareTap)
    drawn.queue.push(first.report.ticket)
    const second = await createReport(services, { ...bareTap, details: { ...NO_DETAILS, note: 'Petugas kedua minta uang' } })

    expect(second.report.ticket).not.toBe(first.report.ticket)
    const [stored] = await services.db.select().from(reports).where(eq(reports.ticket, second.report.ticket))
    expect(stored).toMatchObject({ id: second.report.id, note: 'Petugas kedua minta uang' })
    const [earlier] = await services.db.select().from(reports).where(eq(reports.ticket, first.report.ticket))
    expect(earlier).toMatchObject({ id: first.report.id, note: null })
  })

  it("gives up with an error, not a report under someone else's ticket, when every ticket drawn is taken", async () => {
    const { services } = await createTestApp()
    const first = await createReport(services, bareTap)
    // Five draws in the batch's transaction, five more when the group commit retries it alone.
    drawn.queue.push(...Array(10).fill(first.report.ticket))
    await expect(createReport(services, bareTap)).rejects.toThrow(/taken/)
    expect(await services.db.select().from(reports)).toHaveLength(1)
  })
})
