import { decodeProtectedHeader, generateKeyPair, SignJWT, type JWTPayload } from 'jose'
import type { Page } from 'playwright-core'
import { expect } from 'vitest'
import { messagesFor, type Lang, type Messages, type PageLang } from '../../src/i18n/index.ts'
import { runCli } from './processes.ts'

export const LANGUAGES: { lang: Lang; t: Messages }[] = [
  { lang: 'id', t: messagesFor('id') },
  { lang: 'en', t: messagesFor('en') },
]

/** Basa Jawa and Basa Sunda: household pages only (staff screens stay Indonesian and English). */
export const REGIONAL_LANGUAGES: { lang: Exclude<PageLang, Lang>; t: Messages }[] = [
  { lang: 'jv', t: messagesFor('jv') },
  { lang: 'su', t: messagesFor('su') },
]

/** The demo officer every non-production start seeds (src/demo/seed.ts). */
export const DEMO_OFFICER = { employeeNo: '9015234A', name: 'Siti Rahmawati' }
export const HOUSEHOLD_CUSTOMER_ID = '532100012345'

export interface IssuedPass {
  token: string
  url: string
  code: string
  jti: string
}

/** `npm run cli -- <args> --json`, which must succeed and print one JSON object. */
export async function cliJson(args: string[], env: Record<string, string>): Promise<Record<string, unknown>> {
  const result = await runCli([...args, '--json'], env)
  expect(result.code, `cli ${args.join(' ')}: ${result.stderr}`).toBe(0)
  return JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as Record<string, unknown>
}

export async function issuePassByCli(env: Record<string, string>, officer: string, customer = HOUSEHOLD_CUSTOMER_ID): Promise<IssuedPass> {
  const issued = await cliJson(['pass', 'issue', '--officer', officer, '--customer', customer, '--purpose', 'CATAT_METER'], env)
  const { token, url, code, jti } = issued
  if (typeof token !== 'string' || typeof url !== 'string' || typeof code !== 'string' || typeof jti !== 'string') throw new Error(`pass issue printed ${JSON.stringify(issued)}`)
  return { token, url, code, jti }
}

/**
 * The same header and claims as a real pass, signed with a key PLN never had: what a forger
 * with a copy of a genuine QR can make. The page must call it forged, not show its claims.
 */
export async function forgeToken(genuine: string): Promise<string> {
  const header = decodeProtectedHeader(genuine)
  const [, payload = ''] = genuine.split('.')
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JWTPayload
  const { privateKey } = await generateKeyPair('ES256')
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: header.typ, kid: header.kid }).sign(privateKey)
}

/** The verdict banner as a household sees it: the sentence, and the colour behind it. */
export async function bannerOf(page: Page): Promise<{ verdict: string | null; headline: string; background: string }> {
  const main = page.locator('main')
  const banner = page.locator('main .banner').first()
  return {
    verdict: await main.getAttribute('data-verdict'),
    headline: (await banner.locator('h1').innerText()).trim(),
    background: await banner.evaluate((element) => getComputedStyle(element).backgroundColor),
  }
}

/** --green-bg and --red-bg of public/app.css as the browser computes them. */
export const GREEN_BACKGROUND = 'rgb(220, 252, 231)'
export const RED_BACKGROUND = 'rgb(254, 226, 226)'
