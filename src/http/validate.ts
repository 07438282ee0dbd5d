import type { Context, MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { AppEnv } from './env.ts'
import { renderError } from './errors.tsx'

type Refusal = (c: Context<AppEnv>) => Response | Promise<Response>
type Validated<Target extends 'form' | 'json', S extends z.ZodType> = MiddlewareHandler<
  AppEnv,
  string,
  { in: { [K in Target]: z.input<S> }; out: { [K in Target]: z.output<S> } }
>

/** A form field as text; missing, or a file in its place, reads as ''. */
export const formText = z.string().catch('')

/** A form field as text, or null when it is missing or a file. */
export const optionalFormText = z.string().nullable().catch(null)

/** An uploaded file, or null when the field is missing or text. */
export const formFile = z.instanceof(File).nullable().catch(null)

/** Every text field of a form, by name; files are left out. */
export const formTextFields = z.record(z.string(), z.unknown()).transform((body) => {
  const fields: Record<string, string> = {}
  for (const [name, value] of Object.entries(body)) if (typeof value === 'string') fields[name] = value
  return fields
})

/**
 * Checks a form body before the handler, which reads it typed from `c.req.valid('form')`.
 * The body is read with `parseBody()` as before: a repeated name keeps its last value, and a
 * body that cannot be parsed throws the TypeError that the app's error handler answers 400.
 * Fields the schema does not name are dropped. Without `onInvalid` a refused form gets the 400 page.
 */
export function validForm<S extends z.ZodType<object>>(schema: S, onInvalid: Refusal = (c) => renderError(c, 400)): Validated<'form', S> {
  return async (c, next) => {
    const parsed = schema.safeParse(await c.req.parseBody())
    if (!parsed.success) return onInvalid(c)
    c.req.addValidatedData('form', parsed.data)
    await next()
  }
}

/**
 * Checks a JSON body before the handler, which reads it typed from `c.req.valid('json')`.
 * The body is parsed whatever its Content-Type says (Hono's own validator would skip it).
 */
export function validJson<S extends z.ZodType<object>>(schema: S, refusals: { malformed: Refusal; invalid: Refusal }): Validated<'json', S> {
  return async (c, next) => {
    let body: unknown
    try {
      body = await c.req.json()
    } catch {
      return refusals.malformed(c)
    }
    const parsed = schema.safeParse(body)
    if (!parsed.success) return refusals.invalid(c)
    c.req.addValidatedData('json', parsed.data)
    await next()
  }
}

/** Every text value sent under `name` (a repeated field arrives as an array). */
export function formValues(body: Record<string, string | File | (string | File)[]>, name: string): string[] {
  return [body[name] ?? []].flat().filter((value): value is string => typeof value === 'string')
}

/** A report's status change, from the console or the 123 desk: the target and the revision the user saw. */
export const StatusForm = z.object({
  to: formText,
  // Anything but a whole number can never match a revision (-1): the change is refused as stale.
  revision: optionalFormText.transform((value) => {
    const revision = value === null ? NaN : Number(value)
    return Number.isInteger(revision) ? revision : -1
  }),
})

/** A triage note on a report. */
export const NoteForm = z.object({ note: formText })
