import { en } from './en.ts'
import { jv } from './jv.ts'
import { id, type Messages } from './messages.ts'
import { su } from './su.ts'

/** The language of staff screens, data labels (purposes), dates and the JSON APIs. */
export type Lang = 'id' | 'en'
/** The language of a household page: Indonesian, English, Basa Jawa (krama) or Basa Sunda (lemes). */
export type PageLang = Lang | 'jv' | 'su'
export type { Messages }
export type { HouseholdMessages } from './household.ts'
export { fillCount, plural, type Plural } from './plural.ts'

export const LANG_COOKIE = 'lang'

/** In production every cookie carries `__Host-` (HTTPS only, our origin only). */
export function langCookieName(production: boolean): string {
  return production ? `__Host-${LANG_COOKIE}` : LANG_COOKIE
}
/**
 * Basa Jawa and Basa Sunda translate the household blocks (src/i18n/household.ts); the staff
 * blocks beside them are Indonesian's, which staff screens never show in jv/su anyway (the
 * middleware gives them Indonesian).
 */
const dictionaries: Record<PageLang, Messages> = { id, en, jv: { ...id, ...jv }, su: { ...id, ...su } }

/** Every page language, in the order of the language list on household pages, each named in itself. */
export const PAGE_LANGS = [
  { lang: 'id', name: 'Bahasa Indonesia' },
  { lang: 'jv', name: 'Basa Jawa' },
  { lang: 'su', name: 'Basa Sunda' },
  { lang: 'en', name: 'English' },
] as const satisfies readonly { lang: PageLang; name: string }[]

export function messagesFor(lang: PageLang): Messages {
  return dictionaries[lang]
}

export function parseLang(value: string | undefined | null): PageLang | null {
  return value === 'id' || value === 'en' || value === 'jv' || value === 'su' ? value : null
}

/**
 * The one fallback for what has no Javanese or Sundanese: staff screens, purpose labels and other
 * data labels, dates, the JSON APIs. Households who read krama or lemes read Indonesian too.
 */
export function dataLang(lang: PageLang): Lang {
  return lang === 'en' ? 'en' : 'id'
}

/** Fills `{name}` placeholders. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (match, key: string) => values[key] ?? match)
}
