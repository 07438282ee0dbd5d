import { eq, sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../db/client.ts'
import { units } from '../db/schema.ts'

const unit = (code: string) => ({ code, name: `Unit ${code}`, level: 'ULP' as const })
const unitCodes = async (db: ReturnType<typeof openDatabase>) => (await db.select({ code: units.code }).from(units).orderBy(units.code)).map((row) => row.code)

describe('the database interface (db/database.ts)', () => {
  it('answers awaited statements with rows, and hand-written queries with named columns', async () => {
    const db = openDatabase(':memory:')
    await db.insert(units).values(unit('ULP-A'))
    const [row] = await db.select().from(units).where(eq(units.code, 'ULP-A'))
    expect(row).toEqual({ code: 'ULP-A', name: 'Unit ULP-A', level: 'ULP', parentCode: null, timeZone: 'Asia/Jakarta', areaCode: null })
    expect(await db.rows<{ code: string; n: number }>(sql`select code, 7 as n from units`)).toEqual([{ code: 'ULP-A', n: 7 }])
  })

  it('lets nothing outside see a transaction before it commits', async () => {
    const db = openDatabase(':memory:')
    let releaseWork!: () => void
    const workMayFinish = new Promise<void>((resolve) => (releaseWork = resolve))
    const transaction = db.transaction(async (tx) => {
      await tx.insert(units).values(unit('ULP-B'))
      await workMayFinish
    })
    await new Promise((resolve) => setImmediate(resolve))
    const outsideRead = unitCodes(db)
    const seenBeforeCommit = await Promise.race([outsideRead, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 50))])
    expect(seenBeforeCommit).toBe('still waiting')
    releaseWork()
    await transaction
    expect(await outsideRead).toEqual(['ULP-B'])
  })

  it('rolls back everything a failed transaction wrote, and keeps what a failed savepoint did not undo', async () => {
    const db = openDatabase(':memory:')
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(units).values(unit('ULP-C'))
        throw new Error('the action failed')
      }),
    ).rejects.toThrow('the action failed')
    expect(await unitCodes(db)).toEqual([])

    await db.transaction(async (tx) => {
      await tx.insert(units).values(unit('ULP-D'))
      await tx
        .transaction(async (inner) => {
          await inner.insert(units).values(unit('ULP-E'))
          throw new Error('only the inner part failed')
        })
        .catch(() => undefined)
    })
    expect(await unitCodes(db)).toEqual(['ULP-D'])
  })

  it('runs concurrent transactions one after another, so a read-then-write is never lost', async () => {
    const db = openDatabase(':memory:')
    db.$client.exec('create table tally (n integer not null)')
    await db.rows(sql`insert into tally (n) values (0)`)
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction(async (tx) => {
          const [{ n }] = (await tx.rows<{ n: number }>(sql`select n from tally`)) as [{ n: number }]
          await new Promise((resolve) => setImmediate(resolve))
          await tx.rows(sql`update tally set n = ${n + 1}`)
        }),
      ),
    )
    expect(await db.rows(sql`select n from tally`)).toEqual([{ n: 20 }])
  })

  it('hands the turn on when a transaction cannot even begin, so later statements are not stuck behind it', async () => {
    const db = openDatabase(':memory:')
    db.$client.exec('begin')
    await expect(db.transaction(async (tx) => tx.insert(units).values(unit('ULP-G')))).rejects.toThrow()
    db.$client.exec('rollback')
    await db.transaction(async (tx) => tx.insert(units).values(unit('ULP-H')))
    expect(await unitCodes(db)).toEqual(['ULP-H'])

    // A closed connection fails at the first pragma; the next transaction must fail too, not wait forever.
    db.$client.close()
    await expect(db.transaction(async () => undefined, { failWhenBusy: true })).rejects.toThrow(/not open/)
    await expect(db.transaction(async () => undefined, { failWhenBusy: true })).rejects.toThrow(/not open/)
  })

  it('restores the connection after a transaction that skipped the sync or the busy wait', async () => {
    const db = openDatabase(':memory:')
    const pragmas = () => ({ synchronous: db.$client.pragma('synchronous', { simple: true }), busy: db.$client.pragma('busy_timeout', { simple: true }) })
    const before = pragmas()
    let during: ReturnType<typeof pragmas> | undefined
    await db.transaction(
      async (tx) => {
        during = pragmas()
        await tx.insert(units).values(unit('ULP-F'))
      },
      { durability: 'normal', failWhenBusy: true },
    )
    expect(during).toEqual({ synchronous: 1, busy: 0 })
    expect(pragmas()).toEqual(before)
  })
})
