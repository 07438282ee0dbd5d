/**
 * Every action the code writes to the audit log, by the name stored in its row. The console
 * names each in the reader's language (`admin.audit.actions` in the dictionaries, typed by this
 * list); a row whose action is not here shows its stored name. test/admin-officer-detail.test.ts
 * scans src/ for the actions written and fails when one is missing here.
 */
export const AUDIT_ACTIONS = [
  'officer.added',
  'officer.updated',
  'officer.suspended',
  'officer.reactivated',
  'officer.photo_changed',
  'area.imported',
  'pass.issued',
  'pass.reissued',
  'pass.revoked',
  'badge.issued',
  'badge.reissued',
  'badge.revoked',
  'key.created',
  'key.rotated',
  'key.retired',
  'key.compromised',
  'user.added',
  'user.disabled',
  'user.enabled',
  'user.password_reset',
  'user.role_changed',
  'login.succeeded',
  'login.failed',
  'logout',
  'report.status_changed',
  'report.note_added',
  'reports.exported',
  'campaign.merged',
  'campaign.split',
  'campaign.status_changed',
  'door_check.confirmed',
  'desk.lookup',
  'apikey.created',
  'apikey.revoked',
  'visit_password.set',
  'visit_password.change',
  'visit_password.remove',
  'visit_password.reveal',
  'audit.key_rotated',
  'audit.viewed',
  'report.details_viewed',
  'privacy.purged',
  'privacy.exported',
  'report.details_corrected',
  'report.details_erased',
  'report.restricted',
  'database.copied',
] as const

export type AuditAction = (typeof AUDIT_ACTIONS)[number]

export function isAuditAction(action: string): action is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(action)
}
