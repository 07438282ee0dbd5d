import { describe, expect, it } from 'vitest'
import { postgresText } from '../db/postgres.ts'
import { createTestApp } from './helpers.ts'

// The statement text drizzle's SQLite builder writes, as PostgreSQL must read it (db/postgres.ts).

describe('postgresText', () => {
  it('numbers the placeholders in order', () => {
    expect(postgresText('select "a" from "t" where "b" = ? and "c" in (?, ?) limit ?')).toBe('select "a" from "t" where "b" = $1 and "c" in ($2, $3) limit $4')
  })

  it('leaves a ? inside a string, a quoted name or a comment alone, whatever quotes the comment holds', () => {
    expect(postgresText(`select '?' as "what?", ? -- isn't a ? here\n, ? /* nor 'here' ? */ , ?`)).toBe(`select '?' as "what?", $1 -- isn't a ? here\n, $2 /* nor 'here' ? */ , $3`)
    expect(postgresText(`select 'it''s ?', ?`)).toBe(`select 'it''s ?', $1`)
  })

  it("names an upsert's conflict columns without their table, and begins plainly", () => {
    expect(postgresText('insert into "u" ("a", "b") values (?, ?) on conflict ("u"."a", "u"."b") do update set "b" = ?')).toBe('insert into "u" ("a", "b") values ($1, $2) on conflict ("a", "b") do update set "b" = $3')
    expect(postgresText('begin immediate')).toBe('begin')
  })
})

describe('hostile text on either engine', () => {
  it('files a report whose note holds a NUL character, instead of failing it', async () => {
    const { request } = await createTestApp()
    const res = await request('/api/v1/reports', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ category: 'money', note: 'Minta\u0000 uang' }) })
    expect(res.status).toBe(201)
  })
})
