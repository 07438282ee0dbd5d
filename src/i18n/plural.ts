/** A message that holds a number: one wording per CLDR plural category of its language. */
export interface Plural {
  readonly locale: 'id' | 'en' | 'jv' | 'su'
  readonly forms: { readonly other: string } & Partial<Record<Intl.LDMLPluralRule, string>>
}

/** Declares a counted message; `{count}` in each form is where the number goes. */
export function plural(locale: Plural['locale'], forms: Plural['forms']): Plural {
  return { locale, forms }
}

const rules = new Map<string, Intl.PluralRules>()

/**
 * The form of `message` that fits `count` by Intl.PluralRules ("1 officer", "2 officers"; Bahasa
 * Indonesia has one form), with `{count}` and the other `{name}` placeholders filled.
 */
export function fillCount(message: Plural, count: number, values: Record<string, string> = {}): string {
  let rule = rules.get(message.locale)
  if (!rule) {
    rule = new Intl.PluralRules(message.locale)
    rules.set(message.locale, rule)
  }
  const template = message.forms[rule.select(count)] ?? message.forms.other
  return template.replace(/\{(\w+)\}/g, (match, key: string) => (key === 'count' ? String(count) : (values[key] ?? match)))
}
