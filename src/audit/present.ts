import { fill, fillCount, type Lang, type Messages } from '../i18n/index.ts'
import { formatAdminTime } from '../i18n/time.ts'
import type { AuditRow } from './audit.ts'
import { isAuditAction } from './actions.ts'

export interface AuditRowView {
  id: number
  at: string
  actor: string
  /** The action as stored (filters use it). */
  action: string
  /** The action in the reader's language, with the few facts that make it readable; the stored name when unknown. */
  actionLabel: string
  subject: string
  /** The row's details exactly as stored (and hashed); '' when it has none. */
  details: string
}

type Details = Record<string, unknown>

/** One audit row as the console shows it. */
export function presentAuditRow(row: AuditRow, t: Messages, lang: Lang): AuditRowView {
  const details = parseAuditDetails(row.details)
  return {
    id: row.id,
    at: formatAdminTime(row.at, lang),
    actor: row.actor,
    action: row.action,
    actionLabel: describeAuditAction(row.action, details ?? {}, t),
    subject: row.subject,
    details: details !== null && Object.keys(details).length === 0 ? '' : row.details,
  }
}

/** The row's action in the reader's language (describeAuditAction over its stored details). */
export function describeAuditRow(row: Pick<AuditRow, 'action' | 'details'>, t: Messages): string {
  return describeAuditAction(row.action, parseAuditDetails(row.details) ?? {}, t)
}

/** "Status laporan diubah: Baru diterima → Sedang ditinjau PLN", "Kunci dirotasi", or the stored name of an action we do not know. */
export function describeAuditAction(action: string, details: Details, t: Messages): string {
  if (!isAuditAction(action)) return action
  const a = t.admin.audit
  const label = a.actions[action]
  const text = (key: string) => (typeof details[key] === 'string' ? (details[key] as string) : null)
  const count = (key: string) => (typeof details[key] === 'number' ? (details[key] as number) : null)
  const statusLabel = (status: string) => (t.report.statuses as Record<string, string>)[status] ?? status
  const roleLabel = (role: string) => (t.admin.users.roles as Record<string, string>)[role] ?? role
  switch (action) {
    case 'report.status_changed': {
      const from = text('from')
      const to = text('to')
      return from && to ? fill(a.change, { action: label, from: statusLabel(from), to: statusLabel(to) }) : label
    }
    case 'user.role_changed': {
      const from = text('from')
      const to = text('to')
      return from && to ? fill(a.change, { action: label, from: roleLabel(from), to: roleLabel(to) }) : label
    }
    case 'campaign.status_changed': {
      const to = text('to')
      const changed = count('changed')
      return to ? `${label}: ${statusLabel(to)}${changed === null ? '' : ` (${fillCount(a.reportsChanged, changed)})`}` : label
    }
    case 'officer.reactivated': {
      if (text('passes') === 'cancel') return `${label}; ${fillCount(a.passesCancelled, count('revoked') ?? 0)}`
      if (text('passes') === 'restore') return `${label}; ${a.passesRestored}`
      return label
    }
    case 'login.failed':
      return details.known === false ? `${label} (${a.unknownUser})` : label
    default:
      return label
  }
}

/** The stored details as an object; null when they are not a JSON object (shown as stored). */
export function parseAuditDetails(stored: string): Details | null {
  try {
    const parsed: unknown = JSON.parse(stored)
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Details) : null
  } catch {
    return null
  }
}
