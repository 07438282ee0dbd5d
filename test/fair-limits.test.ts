import { describe, expect, it } from 'vitest'
import type { Config } from '../src/config.ts'
import { ConfigError, loadConfig } from '../src/config.ts'
import { createTestApp, CUSTOMER_ID, givenPass, PUBLIC_URL, verdictOf } from './helpers.ts'

type TestApp = Awaited<ReturnType<typeof createTestApp>>

/** A request arriving on a socket from `address`, as @hono/node-server hands it to the app. */
function from(app: TestApp, address: string, path: string, init: RequestInit = {}) {
  const family = address.includes(':') ? 'IPv6' : 'IPv4'
  return app.app.request(`${PUBLIC_URL}${path}`, init, { incoming: { socket: { remoteAddress: address, remotePort: 40000, remoteFamily: family } } })
}

function postFrom(app: TestApp, address: string, path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return from(app, address, path, {
    method: 'POST',
    body: new URLSearchParams(fields),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL, ...headers },
  })
}

/** Eight Crockford characters that name no pass (a guess), different for each n. */
function unknownCode(n: number): string {
  return `ZZZ${String(n).padStart(5, '0')}`
}

async function spendBadCodes(app: TestApp, address: string, count: number, headers: Record<string, string> = {}) {
  for (let i = 0; i < count; i++) {
    const res = await from(app, address, `/c/${unknownCode(i)}`, { headers })
    expect(res.status, `bad code #${i + 1} from ${address}`).toBe(200)
    expect(verdictOf(await res.text())).toBe('forged')
  }
}

async function badCodeStatus(app: TestApp, address: string, headers: Record<string, string> = {}): Promise<number> {
  return (await from(app, address, `/c/${unknownCode(999)}`, { headers })).status
}

describe('short codes: failures are limited, the genuine answer never is', () => {
  it('still shows the genuine /c/<code> to an address that sent 30 unknown codes, and refuses its next guess', async () => {
    const app = await createTestApp()
    const pass = await givenPass(app.services)
    await spendBadCodes(app, '10.9.9.9', 30)
    expect(await badCodeStatus(app, '10.9.9.9')).toBe(429)

    const genuine = await from(app, '10.9.9.9', `/c/${pass.code}`)
    expect(genuine.status).toBe(200)
    const html = await genuine.text()
    expect(verdictOf(html)).toBe('valid')
    expect(html).toContain(pass.officer.name)
  })

  it('does not let one holder of a printed code spend it for everyone: other households still see the officer', async () => {
    const app = await createTestApp()
    const pass = await givenPass(app.services)
    for (let i = 0; i < 150; i++) {
      const res = await from(app, '10.6.6.6', `/c/${pass.code}`)
      expect(res.status, `look-up #${i + 1} by the holder`).toBe(200)
    }
    const household = await from(app, '10.1.1.1', `/c/${pass.code}`)
    expect(household.status).toBe(200)
    expect(verdictOf(await household.text())).toBe('valid')
  })
})

describe('customer checks: one guesser does not silence the question for the household', () => {
  it('refuses the guesser after 20 wrong IDs, still answers the household elsewhere, and keeps showing the officer', async () => {
    const app = await createTestApp()
    const pass = await givenPass(app.services)
    for (let i = 0; i < 20; i++) {
      const res = await postFrom(app, '10.6.6.6', '/check-customer', { code: pass.code, customerId: `1111222233${String(i).padStart(2, '0')}` })
      expect(res.status, `wrong ID #${i + 1}`).toBe(200)
    }
    const refused = await postFrom(app, '10.6.6.6', '/check-customer', { code: pass.code, customerId: CUSTOMER_ID })
    expect(refused.status).toBe(429)
    const refusedPage = await refused.text()
    // The yes is withheld too, so a hit cannot be told from a miss; the officer is still shown.
    expect(refusedPage).toContain('Terlalu banyak percobaan')
    expect(refusedPage).not.toContain('data-match="true"')
    expect(verdictOf(refusedPage)).toBe('valid')

    const household = await postFrom(app, '10.1.1.1', '/check-customer', { code: pass.code, customerId: CUSTOMER_ID })
    expect(household.status).toBe(200)
    expect(await household.text()).toContain('data-match="true"')
  })
})

describe('reports: generous per address, strict per address and target', () => {
  it('files the next household’s report of another visitor after 20 reports from the same address', async () => {
    const app = await createTestApp()
    for (let i = 0; i < 20; i++) {
      const res = await postFrom(app, '10.7.7.7', '/reports', { code: unknownCode(i % 5) })
      expect(res.status, `report #${i + 1}`).toBe(303)
    }
    const next = await postFrom(app, '10.7.7.7', '/reports', { code: unknownCode(42) })
    expect(next.status).toBe(303)
    const bare = await postFrom(app, '10.7.7.7', '/reports', {})
    expect(bare.status).toBe(303)
  })

  it('refuses the 11th report of one target from one address, but not the same target from another household', async () => {
    const app = await createTestApp()
    for (let i = 0; i < 10; i++) expect((await postFrom(app, '10.7.7.7', '/reports', { code: 'ABCD2345' })).status).toBe(303)
    const eleventh = await postFrom(app, '10.7.7.7', '/reports', { code: 'ABCD2345' })
    expect(eleventh.status).toBe(429)
    expect(await eleventh.text()).toContain('Terlalu banyak laporan')
    expect((await postFrom(app, '10.8.8.8', '/reports', { code: 'ABCD2345' })).status).toBe(303)
  })
})

describe('tracking keys: wrong keys are limited, the right key always opens its ticket', () => {
  it('opens the ticket with the right key after 30 wrong keys from the same address', async () => {
    const app = await createTestApp()
    const filed = await postFrom(app, '10.5.5.5', '/reports', { code: 'ABCD2345' })
    const location = filed.headers.get('location')!
    const [path, query] = location.split('?') as [string, string]
    const statuses: number[] = []
    for (let i = 0; i < 30; i++) statuses.push((await from(app, '10.5.5.5', `${path}?k=wrong-key-${i}`)).status)
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(404))
    expect(statuses.at(-1)).toBe(429)

    const right = await from(app, '10.5.5.5', `${path}?${query}`)
    expect(right.status).toBe(200)
    expect(await right.text()).toMatch(/data-ticket="LPR-/)
  })
})

describe('client addresses behind proxies', () => {
  const viaProxy = (client: string) => ({ 'x-forwarded-for': client })

  it('ignores X-Forwarded-For when TRUSTED_PROXY is unset: the socket address is the client', async () => {
    const app = await createTestApp()
    await spendBadCodes(app, '192.0.2.10', 30, viaProxy('203.0.113.1'))
    // A different claimed client on the same socket address is the same client.
    expect(await badCodeStatus(app, '192.0.2.10', viaProxy('203.0.113.2'))).toBe(429)
  })

  it('believes X-Forwarded-For only through listed proxies, read from the right', async () => {
    const app = await createTestApp({ config: { trustedProxies: ['192.0.2.0/28', '10.0.0.1'] } })
    await spendBadCodes(app, '192.0.2.10', 30, viaProxy('203.0.113.1'))
    expect(await badCodeStatus(app, '192.0.2.10', viaProxy('203.0.113.1'))).toBe(429)
    // Another household through the same proxy is counted on its own.
    expect(await badCodeStatus(app, '192.0.2.10', viaProxy('203.0.113.2'))).toBe(200)
    // Through two listed proxies, the first address that is not a proxy.
    expect(await badCodeStatus(app, '10.0.0.1', viaProxy('203.0.113.1, 192.0.2.3'))).toBe(429)
    // A client cannot shed its count by prepending a forged hop: only the right-most untrusted one counts.
    expect(await badCodeStatus(app, '192.0.2.10', viaProxy('198.51.100.7, 203.0.113.1'))).toBe(429)
    // From a socket that is not a listed proxy, the header is the client's own claim and is ignored.
    await spendBadCodes(app, '198.51.100.50', 30)
    expect(await badCodeStatus(app, '198.51.100.50', viaProxy('203.0.113.77'))).toBe(429)
  })

  it('reads TRUSTED_PROXY as addresses and CIDRs, and refuses anything else at start', () => {
    const load = (value: string | undefined): Config => loadConfig({ TRUSTED_PROXY: value })
    expect(load(undefined).trustedProxies).toEqual([])
    expect(load('10.0.0.1, 192.168.0.0/16 ::1').trustedProxies).toEqual(['10.0.0.1', '192.168.0.0/16', '::1'])
    expect(() => load('proxy.example')).toThrow(ConfigError)
    expect(() => load('10.0.0.0/99')).toThrow(/TRUSTED_PROXY/)
  })
})

describe('IPv6 clients', () => {
  it('are counted by /64, so hopping addresses inside one subscriber’s network does not reset the count', async () => {
    const app = await createTestApp()
    for (let i = 0; i < 30; i++) {
      const res = await from(app, `2001:db8:1:2::${(i + 1).toString(16)}`, `/c/${unknownCode(i)}`)
      expect(res.status).toBe(200)
    }
    expect(await badCodeStatus(app, '2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(429)
    expect(await badCodeStatus(app, '2001:db8:1:3::1')).toBe(200)
  })

  it('count an IPv4-mapped address as its IPv4 address', async () => {
    const app = await createTestApp()
    await spendBadCodes(app, '::ffff:10.4.4.4', 30)
    expect(await badCodeStatus(app, '10.4.4.4')).toBe(429)
    expect(await badCodeStatus(app, '10.4.4.5')).toBe(200)
  })
})
