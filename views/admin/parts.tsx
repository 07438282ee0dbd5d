import type { Child } from 'hono/jsx'

/** A column header that only screen readers hear (an actions column). */
export type Header = string | { hidden: string }

/**
 * The admin tables: a keyboard-scrollable region on narrow screens around a table whose
 * headers are column headers.
 */
export function DataTable({ label, headers, children }: { label: string; headers: Header[]; children: Child }) {
  return (
    <div class="table-scroll" tabindex={0} role="region" aria-label={label}>
      <table class="data">
        <thead>
          <tr>
            {headers.map((header) => (
              <th scope="col">{typeof header === 'string' ? header : <span class="visually-hidden">{header.hidden}</span>}</th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
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
