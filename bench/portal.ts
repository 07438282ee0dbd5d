/**
 * Bench sections for the officer portal: password hashing and logins, and the live-QR refresh.
 */
import { performance } from 'node:perf_hooks'
import autocannon from 'autocannon'
import { databasePath, openDatabase } from '../db/client.ts'
import { hashPassword, PASSWORD_HASH_OPTIONS, verifyPassword } from '../src/auth/passwords.ts'
import { createUser } from '../src/auth/users.ts'
import { systemClock } from '../src/config.ts'
import { atLeast, fmt, printTable, type TargetCheck } from './report.ts'
import type { BenchServer } from './server.ts'

const TARGETS = { loginsPerSec: 10, liveQrPerSec: 1000 }
const LOGIN = { seconds: 8, concurrency: 8 }
const LIVE_QR = { connections: 50, seconds: 10, warmupSeconds: 2 }
export const PASSWORD = 'bench-password-long-enough-2026'

interface SectionResult {
  figures: Record<string, unknown>
  targets: TargetCheck[]
}

/** argon2id cost on this machine, then whole logins (form, throttle check, hash, session) per second. */
export async function loginThroughput({ server }: { server: BenchServer }): Promise<SectionResult> {
  const username = await givenBenchUser(server, 'admin')
  const hashTimes: number[] = []
  const hash = await hashPassword(PASSWORD)
  for (let i = 0; i < 20; i++) {
    const start = performance.now()
    await verifyPassword(hash, PASSWORD)
    hashTimes.push(performance.now() - start)
  }
  hashTimes.sort((a, b) => a - b)
  const medianHashMs = hashTimes[Math.floor(hashTimes.length / 2)]!

  let logins = 0
  let failures = 0
  const start = performance.now()
  const end = start + LOGIN.seconds * 1000
  await Promise.all(
    Array.from({ length: LOGIN.concurrency }, async () => {
      while (performance.now() < end) {
        if (await logIn(server, username)) logins++
        else failures++
      }
    }),
  )
  const loginsPerSec = logins / ((performance.now() - start) / 1000)
  printTable(
    `Passwords: argon2id m=${PASSWORD_HASH_OPTIONS.memoryCost} KiB, t=${PASSWORD_HASH_OPTIONS.timeCost}, p=${PASSWORD_HASH_OPTIONS.parallelism}; logins with ${LOGIN.concurrency} concurrent clients for ${LOGIN.seconds} s`,
    ['figure', 'value'],
    [
      ['password verify, median of 20', fmt.ms(medianHashMs)],
      ['logins/s (GET /login + POST /login → 303)', fmt.int(loginsPerSec)],
      ['failed logins', fmt.int(failures)],
    ],
  )
  return {
    figures: { medianPasswordVerifyMs: medianHashMs, loginsPerSec, failures },
    targets: [atLeast('logins/s', loginsPerSec, TARGETS.loginsPerSec, fmt.int)],
  }
}

/** GET /officer/passes/:id/qr, the fragment the live QR page polls, with a signed-in session. */
export async function liveQrThroughput({ server }: { server: BenchServer }): Promise<SectionResult> {
  const username = await givenBenchUser(server, 'admin')
  const session = await logIn(server, username)
  if (!session) throw new Error('The bench user could not log in')
  const form = await fetch(`${server.baseUrl}/officer/passes/new`, { headers: { cookie: session } })
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? ''
  const now = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 16)
  const later = new Date(Date.now() + 10 * 3600_000).toISOString().slice(0, 16)
  const issued = await fetch(`${server.baseUrl}/officer/passes`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: session, origin: server.baseUrl, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, officer: '9015234A', customerId: '532100012345', purpose: 'CATAT_METER', windowStart: now, windowEnd: later }),
  })
  const livePath = issued.headers.get('location')
  if (issued.status !== 303 || !livePath) throw new Error(`Issuing the bench pass answered ${issued.status}`)
  const url = `${server.baseUrl}${livePath.replace(/\/live$/, '/qr')}`
  const options = { url, connections: LIVE_QR.connections, headers: { cookie: session } }
  await autocannon({ ...options, duration: LIVE_QR.warmupSeconds })
  const result = await autocannon({ ...options, duration: LIVE_QR.seconds })
  printTable(
    `Live QR refresh (${LIVE_QR.connections} connections, ${LIVE_QR.seconds} s, warm session)`,
    ['path', 'req/s', 'mean', 'p50', 'p99', 'non-2xx', 'errors'],
    [
      [
        'GET /officer/passes/:id/qr',
        fmt.int(result.requests.average),
        fmt.ms(result.latency.mean),
        fmt.ms(result.latency.p50),
        fmt.ms(result.latency.p99),
        fmt.int(result.non2xx),
        fmt.int(result.errors),
      ],
    ],
  )
  return {
    figures: { requestsPerSec: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99, non2xx: result.non2xx },
    targets: [atLeast('live-QR refresh req/s', result.non2xx > 0 ? 0 : result.requests.average, TARGETS.liveQrPerSec, fmt.int)],
  }
}

const users = new Map<string, string>()

/** A user made directly in the server's database, as `npm run cli -- user add` would. */
async function givenBenchUser(server: BenchServer, role: 'admin'): Promise<string> {
  const existing = users.get(role)
  if (existing) return existing
  const db = openDatabase(databasePath(server.dataDir))
  try {
    const user = await createUser(db, systemClock, { username: `bench-${role}`, password: PASSWORD, role })
    users.set(role, user.username)
    return user.username
  } finally {
    db.$client.close()
  }
}

/** Logs in like a browser; returns the session cookie, or null. */
export async function logIn(server: BenchServer, username: string): Promise<string | null> {
  const page = await fetch(`${server.baseUrl}/login`)
  const formCookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  const formToken = /name="_form" value="([^"]+)"/.exec(await page.text())?.[1] ?? ''
  const res = await fetch(`${server.baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: formCookie, origin: server.baseUrl, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _form: formToken, username, password: PASSWORD }),
  })
  if (res.status !== 303) return null
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .filter((c) => c?.startsWith('cp_session='))
    .join('; ')
}
