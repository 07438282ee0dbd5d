import { describe, expect, it } from 'vitest'
import { en } from '../src/i18n/en.ts'
import { id } from '../src/i18n/messages.ts'
import { fillCount, type Plural } from '../src/i18n/plural.ts'
import { createTestApp, PUBLIC_URL } from './helpers.ts'
import { givenUser, signIn } from './support/session.ts'

/** Every string of a dictionary with its path. */
function strings(value: unknown, path = ''): [string, string][] {
  if (typeof value === 'string') return [[path, value]]
  if (value && typeof value === 'object' && !('forms' in value)) return Object.entries(value).flatMap(([key, inner]) => strings(inner, path ? `${path}.${key}` : key))
  return []
}

/** Counted English wordings that read the same for 1 and for many. */
const COUNT_WITHOUT_NOUN = new Set([
  'adminReports.relatedMore', // "and {count} more"
  'adminInsights.campaigns.reasonKinds.manual', // "Merged by an admin ({count}×)"
  'admin.keys.confirmRetire', // "… still signed by this key ({count}) …"
  'admin.keys.errors.live_count_changed', // "… changed to {count}."
])

describe('English plurals', () => {
  it('picks the form by Intl.PluralRules: 1 officer, 0 and 2 officers; Bahasa Indonesia has one form', () => {
    const confirm = en.admin.officers.importConfirm
    expect(fillCount(confirm, 1)).toBe('Import 1 officer')
    expect(fillCount(confirm, 0)).toBe('Import 0 officers')
    expect(fillCount(confirm, 2)).toBe('Import 2 officers')
    expect(fillCount(en.admin.officers.importErrors, 1)).toMatch(/^1 row has problems\./)
    expect(fillCount(en.login.throttled, 1)).toBe('Too many sign-in attempts. Wait 1 minute and try again.')
    expect(fillCount(en.adminInsights.campaigns.hiddenReports, 1)).toBe('1 other report in this campaign is outside your area and is not shown.')
    expect(fillCount(id.admin.officers.importConfirm, 1)).toBe('Impor 1 petugas')
    expect(fillCount(id.admin.officers.importConfirm, 2)).toBe('Impor 2 petugas')
  })

  it('leaves no English string that puts a number before a noun outside the helper', () => {
    const counted = strings(en).filter(([path, text]) => /\{(count|total|rows|minutes|days|n)\}/.test(text) && !COUNT_WITHOUT_NOUN.has(path))
    expect(counted).toEqual([])
  })

  it('gives every counted message a form for every plural category of its language', () => {
    const plurals: Plural[] = []
    const collect = (value: unknown) => {
      if (value && typeof value === 'object') {
        if ('forms' in value) plurals.push(value as Plural)
        else Object.values(value).forEach(collect)
      }
    }
    collect(en)
    collect(id)
    expect(plurals.length).toBeGreaterThan(30)
    for (const message of plurals) {
      for (const category of new Intl.PluralRules(message.locale).resolvedOptions().pluralCategories) {
        expect(message.forms[category], `${message.forms.other} (${category})`).toBeTypeOf('string')
      }
    }
  })

  it('shows "Import 1 officer" on the English import page', async () => {
    const app = await createTestApp()
    const admin = await givenUser(app, 'admin', null)
    const browser = await signIn(app, admin.username)
    const form = new FormData()
    form.set('_csrf', browser.csrf)
    form.set('file', new Blob(['employee_no,name,role_title,employer,unit_code\nCSV-0001,Ani Wijaya,Cater,PLN,ULP-CKN\n'], { type: 'text/csv' }), 'one.csv')
    const res = await app.request('/admin/officers/import?lang=en', { method: 'POST', body: form, headers: { origin: PUBLIC_URL, cookie: browser.cookies } })
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('Import 1 officer<')
    expect(html).not.toContain('Import 1 officers')
  })
})
