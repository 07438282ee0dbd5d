import type { Child } from 'hono/jsx'
import type { AdminFrame } from './layout.tsx'

/** A column header that only screen readers hear (an actions column). */
export type Header = string | { hidden: string }

/**
 * The admin tables, with column headers over the rows given. Named by `label`, a table sits in
 * a region that scrolls by keyboard on narrow screens; named by `caption` (the numbers under a
 * chart), it stands on its own.
 */
export function DataTable(props: { headers: Header[]; children: Child } & ({ label: string } | { caption: string; class: string })) {
  const head = (
    <thead>
      <tr>
        {props.headers.map((header) => (
          <th scope="col">{typeof header === 'string' ? header : <span class="visually-hidden">{header.hidden}</span>}</th>
        ))}
      </tr>
    </thead>
  )
  if ('caption' in props) {
    return (
      <table class={`data ${props.class}`}>
        <caption>{props.caption}</caption>
        {head}
        <tbody>{props.children}</tbody>
      </table>
    )
  }
  return (
    <div class="table-scroll" tabindex={0} role="region" aria-label={props.label}>
      <table class="data">
        {head}
        <tbody>{props.children}</tbody>
      </table>
    </div>
  )
}

export interface Pager {
  summary: string
  previousHref: string | null
  nextHref: string | null
}

export function PagerNav({ frame, pager }: { frame: AdminFrame; pager: Pager }) {
  return (
    <nav class="pager" aria-label={pager.summary}>
      <span>{pager.summary}</span>
      {pager.previousHref && <a href={pager.previousHref}>← {frame.t.admin.previous}</a>}
      {pager.nextHref && <a href={pager.nextHref}>{frame.t.admin.next} →</a>}
    </nav>
  )
}

export interface Option {
  value: string
  label: string
}

/** A labelled filter dropdown; `allLabel` adds the "any" choice (an empty value). */
export function FilterSelect(props: { name: string; label: string; options: Option[]; value: string; allLabel?: string | null }) {
  const id = `f-${props.name}`
  return (
    <>
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name}>
        {props.allLabel != null && <option value="">{props.allLabel}</option>}
        {props.options.map((option) => (
          <option value={option.value} selected={option.value === props.value}>
            {option.label}
          </option>
        ))}
      </select>
    </>
  )
}

/** Moving a report along the workflow (console and 123 desk): the choices the user has from here, and the revision they saw. */
export function StatusChangeForm(props: { action: string; csrfToken: string; revision: number; options: Option[]; labels: { newStatus: string; hint: string; save: string } }) {
  return (
    <form method="post" action={props.action} class="card stack">
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      <input type="hidden" name="revision" value={String(props.revision)} />
      <label for="to">{props.labels.newStatus}</label>
      <p id="to-hint" class="hint">
        {props.labels.hint}
      </p>
      <select id="to" name="to" aria-describedby="to-hint">
        {props.options.map((option) => (
          <option value={option.value}>{option.label}</option>
        ))}
      </select>
      <button type="submit" class="button">
        {props.labels.save}
      </button>
    </form>
  )
}
