/** The officer a report names (src/reports/routing.ts ReportedOfficer), as the report page shows it. */
export interface NamedOfficerView {
  kind: 'verified' | 'genuine' | 'claimed'
  title: string
  /** "Budi Santoso (MDN-04417)", or only the number for an officer we do not know. */
  label: string
  /** The officer's page, for officers we know. */
  href: string | null
  unitLabel: string
  /** "ULP Cikini (ULP-CKN)"; null for an unknown officer. */
  unit: string | null
  statusLabel: string
  status: 'active' | 'suspended' | null
  statusText: string | null
  /** What to make of it: a genuine pass that was not valid, a borrowed name, an unknown number. */
  hint: string | null
}

export interface ReportedOfficerView {
  officer: NamedOfficerView | null
  routedLabel: string
  /** The unit whose supervisors see the report. */
  routed: string
}

/** The report's officer and the unit it was routed to, as lines of the report's facts (inside its `<dl>`). */
export function ReportedOfficer({ view }: { view: ReportedOfficerView }) {
  const officer = view.officer
  return (
    <>
      {officer && (
        <>
          <dt>{officer.title}</dt>
          <dd data-reported-officer={officer.kind}>
            {officer.href ? <a href={officer.href}>{officer.label}</a> : <strong>{officer.label}</strong>}
            {(officer.unit !== null || officer.statusText !== null) && (
              <ul class="plain">
                {officer.unit !== null && (
                  <li>
                    {officer.unitLabel}: {officer.unit}
                  </li>
                )}
                {officer.statusText !== null && (
                  <li data-officer-status={officer.status ?? ''}>
                    {officer.statusLabel}: <strong>{officer.statusText}</strong>
                  </li>
                )}
              </ul>
            )}
            {officer.hint && <p class="hint">{officer.hint}</p>}
          </dd>
        </>
      )}
      <dt>{view.routedLabel}</dt>
      <dd data-routed-unit>{view.routed}</dd>
    </>
  )
}
