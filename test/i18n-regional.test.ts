import { describe, expect, it } from 'vitest'
import { dataLang, messagesFor, parseLang, PAGE_LANGS, type HouseholdMessages } from '../src/i18n/index.ts'
import { HOUSEHOLD_KEYS } from '../src/i18n/household.ts'
import { jv } from '../src/i18n/jv.ts'
import { id } from '../src/i18n/messages.ts'
import { su } from '../src/i18n/su.ts'
import { createTestApp, givenPass } from './helpers.ts'

const REGIONAL = [
  { lang: 'jv', dictionary: jv },
  { lang: 'su', dictionary: su },
] as const satisfies readonly { lang: string; dictionary: HouseholdMessages }[]

/**
 * Where `regional` differs in shape from `reference`: a missing or extra key, an array of another
 * length, a placeholder lost or added, an empty string, a plural with other forms. Paths name the spot.
 */
function shapeProblems(reference: unknown, regional: unknown, path: string, lang: string): string[] {
  if (typeof reference === 'string') {
    if (typeof regional !== 'string') return [`${path}: not a string`]
    if (regional.trim() === '' && reference.trim() !== '') return [`${path}: empty`]
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort()
    return JSON.stringify(placeholders(reference)) === JSON.stringify(placeholders(regional)) ? [] : [`${path}: placeholders ${placeholders(regional).join(',')} instead of ${placeholders(reference).join(',')}`]
  }
  if (Array.isArray(reference)) {
    if (!Array.isArray(regional)) return [`${path}: not a list`]
    if (regional.length !== reference.length) return [`${path}: ${regional.length} items instead of ${reference.length}`]
    return reference.flatMap((item, index) => shapeProblems(item, regional[index], `${path}[${index}]`, lang))
  }
  if (reference && typeof reference === 'object') {
    // Taken from Indonesian as it is, on purpose: what only staff or API clients read (door.officer, report.requestProblems).
    if (regional === reference) return []
    if (!regional || typeof regional !== 'object' || Array.isArray(regional)) return [`${path}: not an object`]
    const problems: string[] = []
    // A plural: its own locale, so Intl.PluralRules picks the language's forms.
    if ('locale' in reference && 'forms' in reference && (regional as { locale?: unknown }).locale !== lang) problems.push(`${path}.locale: not ${lang}`)
    const keys = (value: object) => Object.keys(value).filter((key) => key !== 'locale')
    for (const key of keys(reference)) {
      if (!(key in regional)) problems.push(`${path}.${key}: missing`)
      else problems.push(...shapeProblems((reference as Record<string, unknown>)[key], (regional as Record<string, unknown>)[key], `${path}.${key}`, lang))
    }
    for (const key of keys(regional)) if (!(key in reference)) problems.push(`${path}.${key}: not in Indonesian`)
    return problems
  }
  return []
}

describe.each(REGIONAL)('the $lang dictionary', ({ lang, dictionary }) => {
  it('has every household block of Indonesian, with every key, list item, placeholder and plural form', () => {
    expect(Object.keys(dictionary).sort()).toEqual([...HOUSEHOLD_KEYS].sort())
    const problems = HOUSEHOLD_KEYS.flatMap((key) => (key === 'htmlLang' ? [] : shapeProblems(id[key], dictionary[key], key, lang)))
    expect(problems).toEqual([])
    expect(dictionary.htmlLang).toBe(lang)
  })

  it('is translated, not Indonesian copied: most of its strings differ from Indonesian', () => {
    const strings = (value: unknown): string[] =>
      typeof value === 'string' ? [value] : Array.isArray(value) ? value.flatMap(strings) : value && typeof value === 'object' ? Object.values(value).flatMap(strings) : []
    // The officer's side of the door check and the JSON API's errors are Indonesian's on purpose.
    const own = HOUSEHOLD_KEYS.filter((key) => key !== 'reporterRights' || dictionary.reporterRights !== id.reporterRights)
    const pairs = own.flatMap((key) => strings(dictionary[key]).map((text, index) => [text, strings(id[key])[index]] as const))
    const same = pairs.filter(([text, indonesian]) => text === indonesian).length
    expect(same / pairs.length).toBeLessThan(0.35)
  })

  it('is the page dictionary for ?lang=' + lang + ', with the staff blocks in Indonesian', () => {
    expect(parseLang(lang)).toBe(lang)
    const t = messagesFor(lang)
    expect(t.verdict).toBe(dictionary.verdict)
    expect(t.portal).toBe(id.portal)
    expect(t.admin).toBe(id.admin)
    expect(dataLang(lang)).toBe('id')
  })
})

describe('choosing Basa Jawa or Basa Sunda', () => {
  it('lists every language on household pages, named in itself, and marks the current one', async () => {
    const { request } = await createTestApp()
    const html = await (await request('/?lang=su')).text()
    expect(html).toContain('<html lang="su">')
    for (const { lang, name } of PAGE_LANGS) {
      if (lang === 'su') expect(html).toContain(`<span aria-current="true" lang="su">${name}</span>`)
      else expect(html).toContain(`<a href="/?lang=${lang}" hreflang="${lang}" lang="${lang}">${name}</a>`)
    }
    expect(html).toContain(su.home.title)
  })

  it('remembers ?lang=jv in the cookie, shows the verdict in krama, and keeps purposes and dates in Indonesian', async () => {
    const { request, services } = await createTestApp()
    const res = await request('/?lang=jv')
    expect(res.headers.get('set-cookie') ?? '').toMatch(/lang=jv/)
    const { token } = await givenPass(services)
    const html = await (await request(`/v/${token}`, { headers: { cookie: 'lang=jv' } })).text()
    expect(html).toContain('<html lang="jv">')
    expect(html).toContain(jv.verdict.faces.green)
    expect(html).toContain('data-read-aloud="0"')
    expect(html).toMatch(/<button type="button" class="read-aloud" data-read-aloud-button="true" data-stop-label="Kendel" hidden="">/)
  })

  it('keeps staff screens in Indonesian under a Javanese or Sundanese cookie', async () => {
    const { request } = await createTestApp()
    for (const lang of ['jv', 'su']) {
      const html = await (await request(`/login?lang=${lang}`)).text()
      expect(html).toContain('<html lang="id">')
      expect(html).toContain(id.login.title)
      expect(html).not.toContain('class="langs"')
    }
  })

  it('ignores a language it does not have', async () => {
    const { request } = await createTestApp()
    const res = await request('/?lang=xx')
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('<html lang="id">')
    expect(res.headers.get('set-cookie')).toBeNull()
  })
})
