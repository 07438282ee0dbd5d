import { en } from './en.ts'
import { id, type Messages } from './messages.ts'

export type Lang = 'id' | 'en'
export type { Messages }
export { fillCount, plural, type Plural } from './plural.ts'

export const LANG_COOKIE = 'lang'

/** In production every cookie carries `__Host-` (HTTPS only, our origin only). */
export function langCookieName(production: boolean): string {
  return production ? `__Host-${LANG_COOKIE}` : LANG_COOKIE
}
const dictionaries: Record<Lang, Messages> = { id, en }

export function messagesFor(lang: Lang): Messages {
  return dictionaries[lang]
}

export function parseLang(value: string | undefined | null): Lang | null {
  return value === 'id' || value === 'en' ? value : null
}

/** Fills `{name}` placeholders. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (match, key: string) => values[key] ?? match)
}
