import { createUser } from '../../src/auth/users.ts'
import type { Officer } from '../../src/officers/officers.ts'
import type { createTestApp } from '../helpers.ts'
import { PUBLIC_URL } from '../helpers.ts'

type TestApp = Awaited<ReturnType<typeof createTestApp>>

export const PASSWORD = 'kata-sandi-yang-panjang-sekali'

/** Cookies from Set-Cookie headers, folded into a Cookie header value (later ones win). */
export function mergeCookies(current: string, response: Response): string {
  const jar = new Map(current ? current.split('; ').map((pair) => pair.split('=') as [string, string]) : [])
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';')
    const index = pair!.indexOf('=')
    const name = pair!.slice(0, index)
    const value = pair!.slice(index + 1)
    if (/max-age=0/i.test(line) || value === '') jar.delete(name)
    else jar.set(name, value)
  }
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
}

export async function givenUser(app: TestApp, role: 'officer' | 'supervisor' | 'admin', officer: Officer | null, username = `${role}-${Math.random().toString(36).slice(2, 8)}`) {
  return createUser(app.db, app.clock, { username, password: PASSWORD, role, officerEmployeeNo: officer?.employeeNo ?? null })
}

/** Submits the login form like a browser; returns the response and the cookies after it. */
export async function submitLogin(app: TestApp, username: string, password: string, cookies = '') {
  const page = await app.request('/login', { headers: cookies ? { cookie: cookies } : {} })
  cookies = mergeCookies(cookies, page)
  const formToken = /name="_form" value="([^"]+)"/.exec(await page.text())?.[1] ?? ''
  const res = await app.request('/login', {
    method: 'POST',
    body: new URLSearchParams({ _form: formToken, username, password }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL, cookie: cookies },
  })
  return { res, cookies: mergeCookies(cookies, res) }
}

export interface Browser {
  cookies: string
  csrf: string
  get: (path: string, headers?: Record<string, string>) => Promise<Response>
  post: (path: string, fields: Record<string, string>, options?: { csrf?: string | null; headers?: Record<string, string> }) => Promise<Response>
}

/** Logs in and returns a tiny browser that keeps cookies and knows the CSRF token. */
export async function signIn(app: TestApp, username: string, password = PASSWORD): Promise<Browser> {
  const { res, cookies } = await submitLogin(app, username, password)
  if (res.status !== 303) throw new Error(`login failed: ${res.status}`)
  const home = await app.request('/officer', { headers: { cookie: cookies } })
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await home.text())?.[1] ?? ''
  const browser: Browser = {
    cookies,
    csrf,
    get: async (path, headers = {}) => app.request(path, { headers: { cookie: browser.cookies, ...headers } }),
    post: async (path, fields, options = {}) => {
      const token = options.csrf === undefined ? browser.csrf : options.csrf
      return app.request(path, {
        method: 'POST',
        body: new URLSearchParams(token === null ? fields : { _csrf: token, ...fields }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL, cookie: browser.cookies, ...options.headers },
      })
    },
  }
  return browser
}
