import { DataTable, PagerNav, type Option, type Pager } from './parts.tsx'
import { AdminLayout, type AdminFrame } from './layout.tsx'

export interface DeskLookupRowView {
  id: number
  at: string
  /** The kind of query as stored (token, code, customer, ticket, employee_no, unreadable). */
  kind: string
  kindLabel: string
  subject: string
  found: boolean
  resultLabel: string
}

export interface DeskLookupsView {
  agent: string
  users: Option[]
  apiKeys: Option[]
  /** Null until an agent is chosen. */
  rows: DeskLookupRowView[] | null
  pager: Pager | null
}

export function DeskLookupsPage({ frame, view }: { frame: AdminFrame; view: DeskLookupsView }) {
  const d = frame.t.admin.deskLookups
  return (
    <AdminLayout {...frame} title={d.title} current="desk-lookups">
      <h1>{d.title}</h1>
      <p>{d.intro}</p>
      <form method="get" action="/admin/desk/lookups" class="filters">
        <label for="agent">{d.agent}</label>
        <select id="agent" name="agent">
          <option value="">{d.chooseAgent}</option>
          <optgroup label={d.agentUsers}>
            {view.users.map((agent) => (
              <option value={agent.value} selected={agent.value === view.agent}>
                {agent.label}
              </option>
            ))}
          </optgroup>
          <optgroup label={d.agentKeys}>
            {view.apiKeys.map((agent) => (
              <option value={agent.value} selected={agent.value === view.agent}>
                {agent.label}
              </option>
            ))}
          </optgroup>
        </select>
        <button type="submit" class="button">
          {d.show}
        </button>
      </form>
      {view.rows === null ? (
        <p>{d.noAgent}</p>
      ) : view.rows.length === 0 ? (
        <p data-agent={view.agent}>{d.noRows}</p>
      ) : (
        <DataTable label={`${d.title}: ${view.agent}`} headers={[d.at, d.kind, d.subject, d.result]}>
          {view.rows.map((row) => (
            <tr data-audit-id={row.id} data-kind={row.kind} data-found={String(row.found)}>
              <td>{row.at}</td>
              <td>{row.kindLabel}</td>
              <td>{row.subject}</td>
              <td>{row.resultLabel}</td>
            </tr>
          ))}
        </DataTable>
      )}
      {view.pager && <PagerNav frame={frame} pager={view.pager} />}
    </AdminLayout>
  )
}
