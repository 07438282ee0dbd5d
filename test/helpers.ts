import { serve, type ServerType } from '@hono/node-server'
import type { Hono } from 'hono'
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Db } from '../db/client.ts'
import { createApp } from '../src/app.tsx'
import type { Clock, Config } from '../src/config.ts'
import type { AppEnv } from '../src/http/env.ts'
import { addOfficer, addUnit, setOfficerPhoto, suspendOfficer, type NewOfficer, type Officer } from '../src/officers/officers.ts'
import type { IssuedCredential } from '../src/passes/credential-records.ts'
import { issueBadge, issueVisitPass, type VisitPassRequest } from '../src/passes/passes.ts'
import type { Services } from '../src/services.ts'
import { generateAvatarPng } from '../src/demo/avatar.ts'
import { openTestDatabase } from './support/test-database.ts'

export const PUBLIC_URL = 'https://cek.example.id'
/** 2026-11-23 09:00 WIB. */
export const START = Date.UTC(2026, 10, 23, 2, 0, 0)

export interface TestClock extends Clock {
  set(ms: number): void
  advance(ms: number): void
}

export function fixedClock(start = START): TestClock {
  let now = start
  return { now: () => now, set: (ms) => (now = ms), advance: (ms) => (now += ms) }
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    dataDir: '/nonexistent',
    publicUrl: PUBLIC_URL,
    production: false,
    kek: 'test-key-encryption-key-0123456789abcdef',
    webhookUrl: null,
    webhookSecret: null,
    channelGiveUpMs: 24 * 3600 * 1000,
    channelRetryBaseMs: 2000,
    channelPollMs: 1000,
    channelTimeoutMs: 10_000,
    rateLimit: true,
    trustedProxies: [],
    demoData: false,
    workers: 1,
    doorPollHoldMs: 0,
    auditWitnessUrl: null,
    auditKeyFile: '/nonexistent/audit-ed25519.key',
    privacy: { controller: 'PT PLN (Persero)', dpoEmail: 'dpo@pln.example', dpoPhone: '(021) 555-0100' },
    retention: { scans: 90, reportDetails: 180, outbox: 7 },
    database: { url: null, poolSize: 10, statementTimeoutMs: 10_000 },
    ...overrides,
  }
}

/** A fresh app on its own database (in memory, or a new PostgreSQL database under TEST_DATABASE=postgres) with a fixed clock. */
export async function createTestApp(options: { config?: Partial<Config>; clock?: TestClock; db?: Db } = {}) {
  const clock = options.clock ?? fixedClock()
  const db = options.db ?? (await openTestDatabase())
  const config = testConfig(options.config)
  const { app, services, verifier } = createApp({ db, config, clock })
  await givenUnitTree(services)
  /** GET or POST like a browser on our own origin. */
  const request = (path: string, init: RequestInit = {}) => app.request(`${PUBLIC_URL}${path}`, init)
  const postForm = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    request(path, {
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL, ...headers },
    })
  return { app, services, verifier, clock, db, config, request, postForm }
}

/** Serves `app` over real HTTP on 127.0.0.1, as src/server.ts does. */
export async function listen(app: Hono<AppEnv>): Promise<{ url: string; close: () => Promise<void> }> {
  const server = await new Promise<ServerType>((resolve) => {
    const started: ServerType = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started))
  })
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

export async function givenUnitTree(services: Services): Promise<void> {
  await addUnit(services.db, { code: 'UID-JKT', name: 'UID Jakarta Raya', level: 'UID' })
  await addUnit(services.db, { code: 'UP3-MTG', name: 'UP3 Menteng', level: 'UP3', parentCode: 'UID-JKT' })
  await addUnit(services.db, { code: 'ULP-CKN', name: 'ULP Cikini', level: 'ULP', parentCode: 'UP3-MTG' })
}

let officerCounter = 0

export async function givenOfficer(services: Services, overrides: Partial<NewOfficer> & { suspended?: boolean; photo?: boolean } = {}): Promise<Officer> {
  officerCounter++
  const officer = await addOfficer(services.db, services.clock, {
    employeeNo: `EMP-${String(officerCounter).padStart(5, '0')}`,
    name: `Petugas Uji ${officerCounter}`,
    roleTitle: 'Petugas Catat Meter',
    employer: 'PLN',
    unitCode: 'ULP-CKN',
    ...overrides,
  })
  if (overrides.photo !== false) await setOfficerPhoto(services.db, services.clock, officer.id, { contentType: 'image/png', bytes: generateAvatarPng(officerCounter), actor: 'test' })
  if (overrides.suspended) await suspendOfficer(services.db, services.clock, officer.employeeNo, { reason: 'test', actor: 'test' })
  return officer
}

export const CUSTOMER_ID = '532100012345'

export async function givenPass(
  services: Services,
  overrides: Partial<VisitPassRequest> & { officer?: Officer } = {},
): Promise<IssuedCredential & { officer: Officer }> {
  const officer = overrides.officer ?? (await givenOfficer(services))
  const now = services.clock.now()
  const pass = await issueVisitPass(services, {
    officerEmployeeNo: officer.employeeNo,
    customerId: CUSTOMER_ID,
    purpose: 'CATAT_METER',
    windowStart: now,
    windowEnd: now + 4 * 3600 * 1000,
    issuedBy: 'test',
    ...overrides,
  })
  return { ...pass, officer }
}

export async function givenBadge(services: Services, officer?: Officer) {
  officer ??= await givenOfficer(services)
  return { ...(await issueBadge(services, { officerEmployeeNo: officer.employeeNo, issuedBy: 'test' })), officer }
}

/** The data-verdict of a verdict page. */
export function verdictOf(html: string): string | null {
  return /<main[^>]*data-verdict="([^"]+)"/.exec(html)?.[1] ?? null
}

export function faceOf(html: string): string | null {
  return /<main[^>]*data-face="([^"]+)"/.exec(html)?.[1] ?? null
}

export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `cek-${prefix}-`))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}
