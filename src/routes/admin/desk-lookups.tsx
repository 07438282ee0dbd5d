import { Hono } from 'hono'
import { listAuditRows, type AuditRow } from '../../audit/audit.ts'
import { parseAuditDetails } from '../../audit/present.ts'
import { listUsers } from '../../auth/users.ts'
import { formatShortCode } from '../../credentials/short-code.ts'
import { listApiKeys } from '../../desk/api-keys.ts'
import type { AppEnv } from '../../http/env.ts'
import { fill, type Lang, type Messages } from '../../i18n/index.ts'
import { formatAdminTime } from '../../i18n/time.ts'
import { DeskLookupsPage, type DeskLookupRowView } from '../../../views/admin/desk-lookups.tsx'
import { adminFrame } from './context.ts'
import { pager } from './paging.ts'

const PAGE_SIZE = 50

/**
 * /admin/desk/lookups (supervisors and admins): one agent's searches at the 123 desk, newest
 * first, read from the audit log (actor and action are indexed together). The agent is a CSO's
 * username or `apikey:<id>`; an ID pelanggan appears as its last 4 digits only, as the log keeps it.
 */
export function adminDeskLookupRoutes() {
  const app = new Hono<AppEnv>()

  app.get('/lookups', async (c) => {
    const { db } = c.get('services')
    const t = c.get('t')
    const lang = c.get('lang')
    const agent = (c.req.query('agent') ?? '').trim().slice(0, 80)
    const page = Math.max(1, Math.min(100_000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1))
    const users = (await listUsers(db)).filter((row) => row.user.role === 'cso').map(({ user }) => ({ value: user.username, label: user.username }))
    const apiKeys = (await listApiKeys(db)).map((key) => ({ value: `apikey:${key.id}`, label: `${key.name} (${key.id})` }))
    let rows: DeskLookupRowView[] | null = null
    let paging = null
    if (agent) {
      const found = await listAuditRows(db, { actor: agent, action: 'desk.lookup' }, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE })
      rows = found.rows.map((row) => presentLookup(row, t, lang))
      paging = pager(c, { page, pageSize: PAGE_SIZE, total: found.total })
    }
    return c.html(<DeskLookupsPage frame={adminFrame(c)} view={{ agent, users, apiKeys, rows, pager: paging }} />)
  })

  return app
}

type LookupKind = keyof Messages['admin']['deskLookups']['kinds']

/** One `desk.lookup` row (src/desk/lookup.ts writes them): what was looked up, in words, never a token or a full ID pelanggan. */
function presentLookup(row: AuditRow, t: Messages, lang: Lang): DeskLookupRowView {
  const d = t.admin.deskLookups
  const details = parseAuditDetails(row.details) ?? {}
  const text = (key: string) => (typeof details[key] === 'string' ? (details[key] as string) : null)
  const stored = text('query') ?? 'unreadable'
  const kind: LookupKind = stored in d.kinds ? (stored as LookupKind) : 'unreadable'
  const found = details.found === true
  return {
    id: row.id,
    at: formatAdminTime(row.at, lang),
    kind,
    kindLabel: d.kinds[kind],
    subject: lookupSubject(kind, row.subject, text, d),
    found,
    resultLabel: found ? d.found : d.notFound,
  }
}

function lookupSubject(kind: LookupKind, subject: string, text: (key: string) => string | null, d: Messages['admin']['deskLookups']): string {
  const after = (prefix: string) => (subject.startsWith(prefix) ? subject.slice(prefix.length) : null)
  switch (kind) {
    case 'customer': {
      const last4 = text('customerLast4')
      return last4 ? fill(d.customerLast4, { last4 }) : '—'
    }
    case 'code': {
      const code = text('code')
      return code ? formatShortCode(code) : '—'
    }
    case 'token':
      // A token that named nothing is kept as its hash only; nothing of it is worth showing.
      return after('credential:') ?? '—'
    case 'ticket':
      return after('report:') ?? '—'
    case 'employee_no':
      return after('officer:') ?? '—'
    case 'unreadable':
      return '—'
  }
}
