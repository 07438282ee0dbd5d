import { Hono } from 'hono'
import { AUDIT_ACTIONS } from '../../audit/actions.ts'
import { listAuditRows } from '../../audit/audit.ts'
import { latestCheckpoint, verifyAuditLog } from '../../audit/checkpoints.ts'
import { presentAuditRow } from '../../audit/present.ts'
import { CHANNEL_WITNESS, witnessStatuses } from '../../audit/witness.ts'
import type { AppEnv } from '../../http/env.ts'
import { fill, fillCount, type Lang, type Messages } from '../../i18n/index.ts'
import { formatAdminTime } from '../../i18n/time.ts'
import type { Services } from '../../services.ts'
import { AuditPage, type CheckpointPanelView } from '../../../views/admin/audit.tsx'
import { recordRead } from '../../privacy/reads.ts'
import { adminAuth, adminFrame } from './context.ts'
import { pager } from './paging.ts'

const PAGE_SIZE = 100

/** /admin/audit (admins only): browse the log, newest first, and check its hash chain. */
export function adminAuditRoutes() {
  const app = new Hono<AppEnv>()

  app.get('/', async (c) => {
    const { db } = c.get('services')
    const a = c.get('t').admin.audit
    const filters = { action: (c.req.query('action') ?? '').slice(0, 60), actor: (c.req.query('actor') ?? '').slice(0, 60), subject: (c.req.query('subject') ?? '').slice(0, 80) }
    const page = Math.max(1, Math.min(100_000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1))
    const { rows, total } = await listAuditRows(db, filters, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE })
    // Reading the log is recorded too, after the rows are read: the page never shows its own read.
    await recordRead(c.get('services'), { actor: adminAuth(c).user.username, action: 'audit.viewed', subject: 'audit', details: { ...filters, page } })
    let chain: { ok: boolean; message: string } | null = null
    if (c.req.query('verify') === '1') {
      // The same full check as `audit verify`: the chain, and the tree against the signed checkpoints.
      const check = await verifyAuditLog(c.get('services'))
      chain = check.ok
        ? { ok: true, message: fillCount(a.intact, check.rows) }
        : { ok: false, message: check.checkpoint === null ? fill(a.broken, { id: String(check.brokenId), reason: check.reason }) : fill(a.checkpointBroken, { reason: check.reason }) }
    }
    const lang = c.get('lang')
    const t = c.get('t')
    const view = {
      rows: rows.map((row) => presentAuditRow(row, t, lang)),
      actions: AUDIT_ACTIONS.map((action) => ({ value: action, label: a.actions[action] })),
      filters,
      pager: pager(c, { page, pageSize: PAGE_SIZE, total }),
      chain,
      checkpoints: await checkpointPanel(c.get('services'), t, lang),
    }
    return c.html(<AuditPage frame={adminFrame(c)} view={view} />)
  })

  return app
}

async function checkpointPanel(services: Services, t: Messages, lang: Lang): Promise<CheckpointPanelView> {
  const c = t.admin.audit.checkpoint
  const latest = await latestCheckpoint(services)
  const witnesses = await witnessStatuses(services)
  return {
    latest: latest && { treeSize: fillCount(c.rows, latest.treeSize), rootHash: latest.rootHash, signedAt: formatAdminTime(latest.signedAt, lang), keyId: latest.keyId },
    witnesses: witnesses.map((witness) => ({
      id: witness.witness,
      name: witness.witness === CHANNEL_WITNESS ? c.channel123 : witness.witness,
      lastTaken: witness.lastReceivedAt === null ? null : formatAdminTime(witness.lastReceivedAt, lang),
      lastSize: witness.lastTreeSize === null ? null : fillCount(c.rows, witness.lastTreeSize),
      stale: witness.stale,
    })),
  }
}
