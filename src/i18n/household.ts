import type { Messages } from './messages.ts'

/**
 * The blocks of the dictionary that household pages read (home, the installed app, the scanner,
 * verdict, door check, report and tracking, privacy, error pages). Basa Jawa and Basa Sunda translate
 * exactly these; staff screens (portal, console, 123 desk, login) stay in Indonesian and English.
 */
export const HOUSEHOLD_KEYS = [
  'htmlLang',
  'appName',
  'tagline',
  'switchLanguage',
  'switchLanguageHref',
  'skipToContent',
  'app',
  'home',
  'scan',
  'verdict',
  'ktp',
  'neverAsks',
  'rights',
  'contact',
  'report',
  'visitPassword',
  'time',
  'errors',
  'door',
  'readAloud',
  'privacy',
  'reporterRights',
  'footer',
] as const satisfies readonly (keyof Messages)[]

export type HouseholdKey = (typeof HOUSEHOLD_KEYS)[number]

/** A regional dictionary: every household block, in the same shape as Indonesian's. */
export type HouseholdMessages = Pick<Messages, HouseholdKey>
