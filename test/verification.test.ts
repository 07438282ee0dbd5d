import { describe, expect, it } from 'vitest'
import { revokeCredential } from '../src/passes/passes.ts'
import { suspendOfficer } from '../src/officers/officers.ts'
import { createTestApp, givenBadge, givenPass, verdictOf } from './helpers.ts'

describe('GET /v/:token', () => {
  it('shows green with the officer from our database for a valid pass', async () => {
    const { services, request } = createTestApp()
    const pass = await givenPass(services)
    const res = await request(`/v/${pass.token}`)
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(verdictOf(html)).toBe('valid')
    expect(html).toContain('data-face="green"')
    expect(html).toContain(pass.officer.name)
  })
})
